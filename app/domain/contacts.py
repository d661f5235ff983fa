"""Contacts: the people at an account, their buying role and whom they report to."""

from __future__ import annotations

import difflib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Account, BuyingRole, Contact, User
from app.domain import audit, events
from app.domain.access import ensure_can_set_buying_role
from app.domain.accounts import get_account, pick_account
from app.domain.influence.decisions import audit_role_change, follow_contact_role
from app.domain.pagination import Page, paginate
from app.domain.records import ensure_unique
from app.domain.suppressions import ensure_person_allowed
from app.errors import Invalid, NotFound
from app.schemas.accounts import ContactCreate, ContactUpdate


def get_contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    return contact


def find_contact(session: Session, ref: str) -> Contact:
    """A contact by id, e-mail or external id: whatever an operator has at hand. An e-mail
    that several contacts share names none of them."""
    ref = ref.strip()
    contact = session.get(Contact, int(ref)) if ref.isdigit() and len(ref) < 10 else None
    if contact is None and "@" in ref:
        found = list(session.scalars(select(Contact).where(Contact.email == ref.lower()).limit(5)))
        if len(found) > 1:
            ids = ", ".join(str(c.id) for c in found)
            raise Invalid(f"several contacts have the e-mail {ref!r} (ids {ids}); give the id")
        contact = found[0] if found else None
    if contact is None:
        contact = session.scalar(select(Contact).where(Contact.external_id == ref))
    if contact is None:
        raise NotFound(f"no contact with id, e-mail or external id {ref!r}")
    return contact


def list_contacts(
    session: Session,
    *,
    account_id: int | None,
    external_id: str | None,
    email: str | None,
    buying_role: BuyingRole | None,
    limit: int,
    cursor: str | None,
) -> Page[Contact]:
    stmt = select(Contact)
    if account_id is not None:
        stmt = stmt.where(Contact.account_id == account_id)
    if external_id is not None:
        stmt = stmt.where(Contact.external_id == external_id)
    if email is not None:
        stmt = stmt.where(Contact.email == email.strip().lower())
    if buying_role is not None:
        stmt = stmt.where(Contact.buying_role == buying_role)
    return paginate(session, stmt, order=[(Contact.id, False)], limit=limit, cursor=cursor)


def _check_reports_to(session: Session, contact: Contact, manager_id: int | None) -> None:
    if manager_id is None:
        return
    manager = session.get(Contact, manager_id)
    if manager is None or manager.account_id != contact.account_id:
        raise Invalid(f"reports_to_id {manager_id} is not a contact of the same account")
    seen = {contact.id}
    while manager is not None:
        if manager.id in seen:
            raise Invalid("reports_to_id would make a reporting cycle")
        seen.add(manager.id)
        manager = session.get(Contact, manager.reports_to_id) if manager.reports_to_id else None


def create_contact(session: Session, data: ContactCreate) -> Contact:
    account = pick_account(session, data.account_id, data.account)
    ensure_unique(session, Contact.external_id, data.external_id, what="a contact")
    ensure_person_allowed(session, account.id, data.name, data.email)
    contact = Contact(
        account=account,
        name=data.name,
        title=data.title,
        email=data.email,
        buying_role=data.buying_role,
        external_id=data.external_id,
    )
    session.add(contact)
    session.flush()
    _check_reports_to(session, contact, data.reports_to_id)
    contact.reports_to_id = data.reports_to_id
    session.flush()
    return contact


def update_contact(session: Session, actor: User, contact_id: int, data: ContactUpdate) -> Contact:
    contact = get_contact(session, contact_id)
    changes = data.model_dump(exclude_unset=True)
    if "external_id" in changes:
        ensure_unique(
            session,
            Contact.external_id,
            changes["external_id"],
            own_id=contact.id,
            what="a contact",
        )
    if "reports_to_id" in changes:
        _check_reports_to(session, contact, changes["reports_to_id"])
    if {"name", "email"} & set(changes):
        name, email = changes.get("name", contact.name), changes.get("email", contact.email)
        ensure_person_allowed(session, contact.account_id, name, email)
    if "buying_role" in changes and changes["buying_role"] != contact.buying_role:
        ensure_can_set_buying_role(actor)
        audit_role_change(session, actor, contact, changes["buying_role"])
    old_role = contact.buying_role
    for field, value in changes.items():
        setattr(contact, field, value)
    session.flush()
    if contact.buying_role != old_role:
        follow_contact_role(session, actor, contact, old_role)
    events.emit(
        session,
        "contact.updated",
        actor=actor,
        contact_id=contact.id,
        account_id=contact.account_id,
    )
    return contact


def delete_contact(session: Session, actor: User, contact_id: int) -> None:
    contact = get_contact(session, contact_id)
    audit.record(
        session,
        actor,
        "contact.delete",
        target_type="contact",
        target_id=contact.id,
        name=contact.name,
        account_id=contact.account_id,
    )
    session.delete(contact)
    session.flush()


def reporting_lines(session: Session, contact: Contact) -> tuple[Contact | None, list[Contact]]:
    """Whom ``contact`` reports to, and who reports to them (by name)."""
    manager = session.get(Contact, contact.reports_to_id) if contact.reports_to_id else None
    reports = session.scalars(
        select(Contact).where(Contact.reports_to_id == contact.id).order_by(Contact.name)
    )
    return manager, list(reports)


def contacts_of_account(session: Session, account_id: int, contact_ids: list[int]) -> list[Contact]:
    """The named contacts, all of which must belong to the account."""
    if not contact_ids:
        return []
    get_account(session, account_id)
    wanted = list(dict.fromkeys(contact_ids))
    found = {c.id: c for c in session.scalars(select(Contact).where(Contact.id.in_(wanted)))}
    strangers = [cid for cid in wanted if cid not in found or found[cid].account_id != account_id]
    if strangers:
        raise Invalid(
            f"contacts {strangers} are not contacts of this note's account", contact_ids=strangers
        )
    return [found[cid] for cid in wanted]


def resolve_contact(session: Session, ref: str, *, account: Account | None) -> Contact:
    """The contact ``ref`` names: an id, e-mail or external id; or a name, in ``account``
    when one is given (a full name, or a word of it only one of its contacts has), else a
    full name only one contact has. ``Invalid`` names the closest contacts when none fits."""
    ref = ref.strip()
    if not ref:
        raise Invalid("contact is empty")
    try:
        contact: Contact | None = find_contact(session, ref)
    except NotFound:
        contact = None
    if contact is not None:
        if account is not None and contact.account_id != account.id:
            raise Invalid(f"{contact.name} is not a contact of {account.name}")
        return contact
    key = " ".join(ref.casefold().split())
    stmt = select(Contact).order_by(Contact.id)
    stmt = (
        stmt.where(Contact.account_id == account.id)
        if account is not None
        else stmt.where(func.lower(Contact.name) == key)
    )
    candidates = list(session.scalars(stmt.limit(1000)))
    named = [c for c in candidates if " ".join(c.name.casefold().split()) == key]
    by_word = named or [c for c in candidates if key in c.name.casefold().split()]
    if len(by_word) == 1:
        return by_word[0]
    where = f" at {account.name}" if account is not None else ""
    if by_word:
        listed = ", ".join(f"{c.name} (id {c.id}, {c.account.name})" for c in by_word[:10])
        raise Invalid(f"{ref!r} could be any of these contacts{where}: {listed}; give the id")
    close = difflib.get_close_matches(ref, [c.name for c in candidates], n=5, cutoff=0.6)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    if account is None:
        hint += "; name the account too to find a contact by first name"
    raise Invalid(f"no contact matches {ref!r}{where}{hint}", suggestions=close)
