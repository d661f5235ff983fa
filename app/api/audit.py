"""The audit trail (admins) and erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.domain import audit, erasure
from app.http.deps import (
    AdminUser,
    ConnectionDep,
    CurrentUser,
    IdPath,
    IdQuery,
    PagingDep,
    SessionDep,
)
from app.http.presenters.audit import audit_entry
from app.schemas.audit import AuditEntryRead
from app.schemas.common import Page, UTCInput

router = APIRouter(prefix="/v1", tags=["audit"])


@router.get("/audit", responses={403: {"description": "Admins only."}})
def list_audit(
    session: SessionDep,
    _: AdminUser,
    paging: PagingDep,
    since: Annotated[UTCInput | None, Query(description="at >= since")] = None,
    until: Annotated[UTCInput | None, Query(description="at < until")] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="e.g. note.erase, note.read_personal")
    ] = None,
    actor: Annotated[IdQuery, Query(description="The acting user's id.")] = None,
) -> Page[AuditEntryRead]:
    """Who did what, newest first: audited actions, and each time a note with personal
    context or a sensitive fact was opened or shown to someone other than its author
    (`note.read_personal`)."""
    filters = audit.TrailFilters(since=since, until=until, action=action, actor_id=actor)
    page = audit.list_trail(session, filters, limit=paging.limit, cursor=paging.cursor)
    return Page[AuditEntryRead](
        items=[audit_entry(e) for e in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/notes/{note_id}/erase",
    status_code=status.HTTP_204_NO_CONTENT,
    tags=["notes"],
    responses={
        403: {"description": "You can read it, but are neither its author nor an admin."},
        404: {"description": "Missing, or (unless you are an admin) not yours to read."},
    },
)
def erase_note(
    note_id: IdPath, session: SessionDep, conn: ConnectionDep, user: CurrentUser
) -> None:
    """Erase a note for good (its author, or an admin; deleted notes too): its text, every
    revision, its place in the search indexes. Only an audit event of the erasure remains,
    without content. Cannot be undone."""
    erasure.erase_note(session, user, note_id, after_commit=conn)
