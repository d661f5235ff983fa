from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.db.models import BuyingRole
from app.domain import account_merge, accounts, contacts
from app.http.deps import CurrentUser, IdPath, IdQuery, ManagerUser, PagingDep, SessionDep, page_of
from app.schemas.accounts import (
    AccountCreate,
    AccountMerge,
    AccountRead,
    AccountUpdate,
    ContactCreate,
    ContactRead,
    ContactUpdate,
)
from app.schemas.common import Page

router = APIRouter(prefix="/v1", tags=["accounts"])

Text = Annotated[str | None, Query(max_length=255)]


@router.post(
    "/accounts",
    status_code=status.HTTP_201_CREATED,
    responses={
        409: {
            "description": (
                "An account with this name (any case or spacing) or one of these domains "
                "exists; `existing` names it (id, name, domains). `force` allows the name."
            )
        }
    },
)
def create_account(
    data: AccountCreate,
    session: SessionDep,
    _: CurrentUser,
    force: Annotated[
        bool, Query(description="Create it even if an account has the same name.")
    ] = False,
) -> AccountRead:
    """A customer account: its name, and the domains and aliases by which notes and
    e-mails name it. A second account with an existing name needs `force` (query or body)."""
    return AccountRead.model_validate(accounts.create_account(session, data, force=force))


@router.get("/accounts")
def list_accounts(
    session: SessionDep,
    _: CurrentUser,
    paging: PagingDep,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name.")] = None,
    external_id: Text = None,
    domain: Text = None,
) -> Page[AccountRead]:
    """Accounts, filtered by a part of the name (`q`), a domain or an external id."""
    page = accounts.list_accounts(
        session,
        q=q,
        external_id=external_id,
        domain=domain,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return page_of(AccountRead, page)


@router.get("/accounts/resolve")
def resolve_account(
    session: SessionDep, _: CurrentUser, ref: Annotated[str, Query(min_length=1, max_length=320)]
) -> AccountRead:
    """The account a name, domain, alias, e-mail address or id names (422 with suggestions)."""
    return AccountRead.model_validate(accounts.resolve_account(session, ref))


@router.get("/accounts/{account_id}")
def get_account(account_id: IdPath, session: SessionDep, _: CurrentUser) -> AccountRead:
    """One account with its domains and aliases."""
    return AccountRead.model_validate(accounts.get_account(session, account_id))


@router.patch("/accounts/{account_id}")
def update_account(
    account_id: IdPath, data: AccountUpdate, session: SessionDep, user: CurrentUser
) -> AccountRead:
    """Changes only the fields sent; `null` clears an optional one (industry, region,
    domains, aliases, external id)."""
    return AccountRead.model_validate(accounts.update_account(session, user, account_id, data))


@router.delete("/accounts/{account_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_account(account_id: IdPath, session: SessionDep, user: ManagerUser) -> None:
    """Managers and admins; refused while the account has notes."""
    accounts.delete_account(session, user, account_id)


@router.post(
    "/accounts/{account_id}/merge",
    responses={
        403: {"description": "Managers and admins only."},
        404: {"description": "No such account (either of the two)."},
    },
)
def merge_account(
    account_id: IdPath, data: AccountMerge, session: SessionDep, user: CurrentUser
) -> AccountRead:
    """Fold the account `account_id` of the body into this one: its notes, contacts, domains,
    aliases (its name becomes one) and everything else that names it move here, and it is
    deleted. Managers and admins; audited. Returns this account."""
    merged = account_merge.merge_accounts(session, user, account_id, data.account_id)
    return AccountRead.model_validate(merged)


@router.post("/contacts", status_code=status.HTTP_201_CREATED, tags=["contacts"])
def create_contact(data: ContactCreate, session: SessionDep, _: CurrentUser) -> ContactRead:
    """A person at an account: name, title, e-mail and buying role."""
    return ContactRead.model_validate(contacts.create_contact(session, data))


@router.get("/contacts", tags=["contacts"])
def list_contacts(
    session: SessionDep,
    _: CurrentUser,
    paging: PagingDep,
    account_id: IdQuery = None,
    external_id: Text = None,
    email: Text = None,
    buying_role: BuyingRole | None = None,
) -> Page[ContactRead]:
    """Contacts by account, e-mail, buying role or external id."""
    page = contacts.list_contacts(
        session,
        account_id=account_id,
        external_id=external_id,
        email=email,
        buying_role=buying_role,
        limit=paging.limit,
        cursor=paging.cursor,
    )
    return page_of(ContactRead, page)


@router.get("/contacts/{contact_id}", tags=["contacts"])
def get_contact(contact_id: IdPath, session: SessionDep, _: CurrentUser) -> ContactRead:
    """One contact: name, title, e-mail, buying role and account."""
    return ContactRead.model_validate(contacts.get_contact(session, contact_id))


@router.patch("/contacts/{contact_id}", tags=["contacts"])
def update_contact(
    contact_id: IdPath, data: ContactUpdate, session: SessionDep, user: CurrentUser
) -> ContactRead:
    """Changes only the fields sent. A contact's buying role is a manager's or
    admin's call (403 for a rep); anyone may correct a name or title."""
    return ContactRead.model_validate(contacts.update_contact(session, user, contact_id, data))


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["contacts"])
def delete_contact(contact_id: IdPath, session: SessionDep, user: ManagerUser) -> None:
    """Managers and admins. Notes that mention the contact stay; the mention goes."""
    contacts.delete_contact(session, user, contact_id)
