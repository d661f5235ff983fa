"""Erasing a person (admins), and the suppressions that keep them erased."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from app.domain import erase_person, suppressions
from app.http.deps import ConnectionDep, CurrentUser, IdPath, PagingDep, SessionDep, page_of
from app.schemas.common import Page
from app.schemas.erasures import ContactErase, ContactErasureRead, SuppressionRead

router = APIRouter(prefix="/v1", tags=["privacy"])
ADMINS_ONLY: dict[int | str, dict[str, Any]] = {403: {"description": "Admins only."}}


@router.post(
    "/contacts/{contact_id}/erase",
    responses={**ADMINS_ONLY, 404: {"description": "No such contact."}},
    tags=["contacts"],
)
def erase_contact(
    contact_id: IdPath,
    data: ContactErase,
    session: SessionDep,
    conn: ConnectionDep,
    user: CurrentUser,
) -> ContactErasureRead:
    """Erase a person everywhere, at their request (GDPR Art. 17): the contact, their name and
    its short forms in every note of any author and visibility (a note only about them goes
    whole), and what else holds them. A suppression keeps them from being brought back. One
    audit event remains, without content. Cannot be undone."""
    erased = erase_person.erase_contact(
        session, user, contact_id, reason=data.reason, after_commit=conn
    )
    return ContactErasureRead.model_validate(erased)


@router.get("/suppressions", responses=ADMINS_ONLY)
def list_suppressions(
    session: SessionDep, user: CurrentUser, paging: PagingDep
) -> Page[SuppressionRead]:
    """The erased people kept out, newest first: account, reason and date only."""
    page = suppressions.list_suppressions(session, user, limit=paging.limit, cursor=paging.cursor)
    return page_of(SuppressionRead, page)


@router.delete(
    "/suppressions/{suppression_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**ADMINS_ONLY, 404: {"description": "No such suppression."}},
)
def lift_suppression(suppression_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Let records naming the person in again (audited)."""
    suppressions.lift(session, user, suppression_id)
