from __future__ import annotations

from typing import Annotated, TypeVar

from fastapi import APIRouter, Header, Query, Response, status
from fastapi.responses import JSONResponse

from app.domain import freshness, notes, reuse, sensitivity
from app.http.deps import (
    ConnectionDep,
    CurrentUser,
    IdempotencyDep,
    IdPath,
    IdQuery,
    PagingDep,
    SessionDep,
    SettingsDep,
    etag,
    page_of,
    parse_if_match,
)
from app.http.presenters.notes import checked_note, saved_note
from app.schemas.common import Page, UTCInput
from app.schemas.notes import (
    NoteCheck,
    NoteChecked,
    NoteCreate,
    NoteRead,
    NoteRevisionRead,
    NoteSaved,
    NoteUpdate,
    SupersedeRequest,
    TopicsUpdate,
)

router = APIRouter(prefix="/v1/notes", tags=["notes"])

IfMatch = Annotated[str | None, Header(alias="If-Match", description='The ETag, e.g. "v3".')]


R = TypeVar("R", bound=NoteRead)


def _with_etag(response: Response, read: R) -> R:
    response.headers["ETag"] = etag(read.version)
    return read


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteSaved,
    responses={
        409: {"description": "A retry with the same Idempotency-Key is in progress."},
        422: {"description": "Invalid input, or an Idempotency-Key reused with another body."},
    },
)
def create_note(
    data: NoteCreate,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    idem: IdempotencyDep,
    response: Response,
) -> NoteSaved | JSONResponse:
    """Write a note. The account may be named by id, name, domain, alias or e-mail. A text
    that states a sensitive fact is private unless you choose a visibility; a wider one is
    kept, with a warning."""
    if (replay := idem.replay_or_claim("notes.create", data)) is not None:
        return replay
    note = notes.create_note(
        session, user, data, sensitive_categories=settings.sensitive_categories
    )
    read = saved_note(note)
    idem.complete(session, status.HTTP_201_CREATED, read)
    response.headers["Location"] = f"/v1/notes/{read.id}"
    return _with_etag(response, read)


@router.post("/check")
def check_note(data: NoteCheck, settings: SettingsDep, _: CurrentUser) -> NoteChecked:
    """What saving this text would do, without saving it: the sensitive facts it states, the
    visibility it would get, and the warnings (the web form asks this as you type)."""
    checked = sensitivity.check(data.body, data.visibility, settings.sensitive_categories)
    return checked_note(checked)


@router.get("")
def list_notes(
    session: SessionDep,
    user: CurrentUser,
    paging: PagingDep,
    account_id: IdQuery = None,
    author_id: IdQuery = None,
    contact_id: IdQuery = None,
    external_id: Annotated[str | None, Query(max_length=255)] = None,
    since: Annotated[UTCInput | None, Query(description="observed_at >= since")] = None,
    until: Annotated[UTCInput | None, Query(description="observed_at < until")] = None,
) -> Page[NoteRead]:
    """Notes you may read, newest observation first."""
    filters = notes.NoteFilters(
        account_id=account_id,
        author_id=author_id,
        contact_id=contact_id,
        external_id=external_id,
        since=since,
        until=until,
    )
    page = notes.list_notes(session, user, filters, limit=paging.limit, cursor=paging.cursor)
    return page_of(NoteRead, page)


@router.get("/{note_id}", responses={404: {"description": "Missing, or not yours to read."}})
def get_note(
    note_id: IdPath,
    session: SessionDep,
    conn: ConnectionDep,
    user: CurrentUser,
    response: Response,
) -> NoteRead:
    """A note you may read (404 for one you may not, as for none), with its `ETag`
    (`"v3"`) to send as `If-Match` when you edit it."""
    note = notes.get_note(session, user, note_id)
    reuse.record_views(conn, user, [note], kind="opened", source="api")
    return _with_etag(response, NoteRead.model_validate(note))


@router.patch(
    "/{note_id}",
    responses={
        412: {"description": "If-Match names an older version."},
        428: {"description": "If-Match is missing."},
    },
)
def update_note(
    note_id: IdPath,
    data: NoteUpdate,
    session: SessionDep,
    settings: SettingsDep,
    user: CurrentUser,
    response: Response,
    if_match: IfMatch = None,
) -> NoteSaved:
    """Change a note; the previous version is kept as a revision. A new text's sensitive facts
    are detected again; the visibility stays as it is, with a warning when it is wider than
    private."""
    version = parse_if_match(if_match, required=True)
    assert version is not None
    note = notes.update_note(
        session,
        user,
        note_id,
        data,
        expected_version=version,
        sensitive_categories=settings.sensitive_categories,
    )
    return _with_etag(response, saved_note(note))


@router.delete("/{note_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_note(
    note_id: IdPath, session: SessionDep, user: CurrentUser, if_match: IfMatch = None
) -> None:
    """Remove a note from every read path. If-Match is optional here."""
    expected = parse_if_match(if_match, required=False)
    notes.delete_note(session, user, note_id, expected_version=expected)


@router.post("/{note_id}/helpful", status_code=status.HTTP_204_NO_CONTENT)
def mark_note_helpful(note_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Say a colleague's note helped you; it counts toward their reuse. Marking twice is one
    mark; your own notes cannot be marked (422)."""
    reuse.mark_helpful(session, user, note_id)


@router.delete("/{note_id}/helpful", status_code=status.HTTP_204_NO_CONTENT)
def unmark_note_helpful(note_id: IdPath, session: SessionDep, user: CurrentUser) -> None:
    """Take your helpful mark back."""
    reuse.unmark_helpful(session, user, note_id)


@router.post("/{note_id}/verify")
def verify_note(
    note_id: IdPath, session: SessionDep, user: CurrentUser, response: Response
) -> NoteRead:
    """Confirm the note still holds: its shelf life starts again, and review flags close."""
    note = freshness.verify_note(session, user, note_id)
    return _with_etag(response, NoteRead.model_validate(note))


@router.post("/{note_id}/supersede")
def supersede_note(
    note_id: IdPath,
    data: SupersedeRequest,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> NoteRead:
    """Mark this note as replaced by a newer one of yours. It stays, marked, and ranks lower."""
    note = freshness.supersede_by(session, user, note_id=note_id, by_id=data.by)
    return _with_etag(response, NoteRead.model_validate(note))


@router.put("/{note_id}/topics")
def correct_note_topics(
    note_id: IdPath,
    data: TopicsUpdate,
    session: SessionDep,
    user: CurrentUser,
    response: Response,
) -> NoteRead:
    """Correct the sections the note is filed under (its author, a manager or an admin)."""
    note = freshness.set_topics(session, user, note_id, list(data.topics))
    return _with_etag(response, NoteRead.model_validate(note))


@router.get("/{note_id}/revisions")
def list_note_revisions(
    note_id: IdPath, session: SessionDep, user: CurrentUser
) -> list[NoteRevisionRead]:
    """Every earlier version of a note you may read, oldest first: an edit keeps the
    version it replaces."""
    return [
        NoteRevisionRead.model_validate(r) for r in notes.list_revisions(session, user, note_id)
    ]
