"""Curation over HTTP: readers flag notes; managers and admins work through the queue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status

from app.domain import curation, flags, notes
from app.http.deps import (
    CurrentUser,
    IdPath,
    ManagerUser,
    PagingDep,
    SessionDep,
    SettingsDep,
    etag,
)
from app.http.presenters.curation import flag_read, queue_item
from app.schemas.common import Ref
from app.schemas.curation import (
    CurationPage,
    FlagCreate,
    FlagRead,
    MergeRead,
    MergeRequest,
    ReassignRequest,
)
from app.schemas.notes import NoteRead

router = APIRouter(prefix="/v1", tags=["curation"])

_NOT_YOURS: dict[int | str, dict[str, Any]] = {
    404: {"description": "Missing, or not yours to read."}
}


@router.post(
    "/notes/{note_id}/flags",
    status_code=status.HTTP_201_CREATED,
    responses={**_NOT_YOURS, 409: {"description": "You already have an open flag on it."}},
)
def flag_note(
    note_id: IdPath, data: FlagCreate, session: SessionDep, user: CurrentUser
) -> FlagRead:
    """Ask for a review of a note you can read: it shows as flagged (and, once classified,
    stale) until the flag is resolved, the note verified or merged away. One open flag per
    reader and note: a second is `409`, whose `flag_id` names the open one."""
    flag = flags.flag_note(session, user, note_id, data.reason)
    return flag_read(flag, Ref.model_validate(user))


@router.post(
    "/flags/{flag_id}/resolve",
    responses={**_NOT_YOURS, 403: {"description": "Not a curator, the author or the reader."}},
)
def resolve_flag(flag_id: IdPath, session: SessionDep, user: CurrentUser) -> FlagRead:
    """Close a flag (managers, admins, the note's author, the reader who raised it)."""
    return flag_read(flags.resolve_flag(session, user, flag_id))


@router.get(
    "/curation",
    responses={
        403: {"description": "Managers and admins only; `retention`, admins only."},
        409: {"description": "`retention` while retention of personal context is off."},
    },
)
def curation_queue(
    session: SessionDep,
    user: ManagerUser,
    paging: PagingDep,
    settings: SettingsDep,
    kind: Annotated[curation.QueueKind, Query(description="Which work to list.")],
) -> CurationPage:
    """What needs a curator, oldest first, among the notes you may read: `stale` notes,
    `duplicates` (groups of notes restating one), reader-`flagged` notes, and your team's
    `unfiled` e-mail (subject and text only on your own). `retention` (admins; `409` while
    `TACIT_PERSONAL_CONTEXT_RETENTION_DAYS` is unset) lists personal context about people who
    left their post, older than that, of every visibility: the text only of notes you may
    read."""
    page = curation.curation_queue(
        session,
        user,
        kind,
        limit=paging.limit,
        cursor=paging.cursor,
        retention_days=settings.personal_context_retention_days,
    )
    return CurationPage(
        items=[queue_item(item) for item in page.items], next_cursor=page.next_cursor
    )


@router.post(
    "/curation/merge",
    responses={
        **_NOT_YOURS,
        403: {"description": "Not a curator, nor the author of `into`."},
        422: {"description": "Another account, or `into` is less widely readable."},
    },
)
def merge_notes(data: MergeRequest, session: SessionDep, user: CurrentUser) -> MergeRead:
    """Mark `notes` as superseded by `into` and close their flags (managers, admins, or the
    author of `into`). All or nothing."""
    merge = curation.merge_notes(session, user, into_id=data.into, note_ids=data.notes)
    return MergeRead(
        into=NoteRead.model_validate(merge.into),
        merged=merge.merged,
        flags_resolved=merge.flags_resolved,
    )


@router.post(
    "/notes/{note_id}/archive",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**_NOT_YOURS, 403: {"description": "Not a curator, nor the author."}},
)
def archive_note(note_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Delete a note as a curator (managers, admins, the author); its flags close."""
    notes.archive_note(session, user, note_id)


@router.post(
    "/notes/{note_id}/reassign",
    responses={
        **_NOT_YOURS,
        403: {"description": "Not a curator, nor the author."},
        422: {"description": "No such account."},
    },
)
def reassign_note(
    note_id: IdPath,
    data: ReassignRequest,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> NoteRead:
    """Move a note to another account (managers, admins, the author), as a new version; its
    contacts, which belong to the old account, are dropped."""
    read = NoteRead.model_validate(notes.reassign_note(session, user, note_id, data.account_id))
    response.headers["ETag"] = etag(read.version)
    return read
