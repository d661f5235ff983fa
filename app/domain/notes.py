"""Notes: what people know about an account, who said it, who may read it, and its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Account, Contact, Note, NoteRevision, User, Visibility, note_contacts
from app.domain import audit, events, flags, freshness
from app.domain.access import ensure_can_curate, ensure_can_edit, visible_notes
from app.domain.access import get_note as get_note
from app.domain.accounts import pick_account
from app.domain.contacts import contacts_of_account
from app.domain.pagination import Page, paginate
from app.errors import Conflict, Invalid, PreconditionFailed
from app.schemas.notes import NoteCreate, NoteUpdate
from app.search import indexing

# A phone with a wrong clock may post a little "from the future"; more than this is a mistake.
_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True, kw_only=True)
class NoteFilters:
    account_id: int | None = None
    author_id: int | None = None
    contact_id: int | None = None
    external_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _check_observed(observed_at: datetime) -> None:
    if observed_at > utcnow() + _CLOCK_SKEW:
        raise Invalid("observed_at is in the future")


def snapshot_revision(note: Note, editor_id: int) -> NoteRevision:
    return NoteRevision(
        note=note,
        version=note.version,
        account_id=note.account_id,
        body=note.body,
        visibility=note.visibility,
        observed_at=note.observed_at,
        contact_ids=[c.id for c in note.contacts],
        edited_by_id=editor_id,
    )


def add_note(
    session: Session,
    *,
    account: Account,
    author: User,
    actor: User | None,
    body: str,
    visibility: Visibility,
    observed_at: datetime,
    source: str,
    external_id: str | None,
    contacts: list[Contact],
) -> Note:
    """Add a note, its first revision and its ``note.created`` event; shared by every channel
    (API, web, import, mail). ``actor`` made the change (an import's ``None`` is the system;
    ``author`` is credited). The caller indexes it (``indexing.notes_added``), in bulk where it
    adds many."""
    note = Note(
        account_id=account.id,
        author_id=author.id,  # the caller's User may belong to another session: link by id
        team_id=author.team_id,
        body=body,
        visibility=visibility,
        observed_at=observed_at,
        source=source,
        external_id=external_id,
        version=1,
        contacts=contacts,
    )
    session.add(note)
    session.add(snapshot_revision(note, author.id))
    # ``note=``: the note has no id until the flush, which bulk imports batch.
    events.emit(session, "note.created", actor=actor, note=note, account_id=account.id)
    return note


def create_note(session: Session, author: User, data: NoteCreate) -> Note:
    account = pick_account(session, data.account_id, data.account)
    observed = data.observed_at or utcnow()
    _check_observed(observed)
    _ensure_external_id_free(session, data.external_id)
    note = add_note(
        session,
        account=account,
        author=author,
        actor=author,
        body=data.body,
        visibility=data.visibility,
        observed_at=observed,
        source=data.source,
        external_id=data.external_id,
        contacts=contacts_of_account(session, account.id, data.contact_ids),
    )
    indexing.notes_added(session, [note])
    for old_id in dict.fromkeys(data.supersedes):
        freshness.supersede(session, author, old_id=old_id, new=note)
    return note


def _ensure_external_id_free(session: Session, external_id: str | None) -> None:
    """External ids are unique across the base, so a taken one must be refused; the answer is
    the same whoever holds it, so that it tells nothing of a note the writer may not read."""
    if external_id is not None and session.scalar(
        select(Note.id).where(Note.external_id == external_id)
    ):
        raise Conflict(
            f"the external id {external_id!r} is already in use; external ids are unique "
            "across Tacit: choose another"
        )


def visible_notes_query(viewer: User, filters: NoteFilters) -> Select[Note]:
    stmt = select(Note).where(visible_notes(viewer))
    if filters.account_id is not None:
        stmt = stmt.where(Note.account_id == filters.account_id)
    if filters.author_id is not None:
        stmt = stmt.where(Note.author_id == filters.author_id)
    if filters.external_id is not None:
        stmt = stmt.where(Note.external_id == filters.external_id)
    if filters.contact_id is not None:
        stmt = stmt.where(
            Note.id.in_(
                select(note_contacts.c.note_id).where(
                    note_contacts.c.contact_id == filters.contact_id
                )
            )
        )
    if filters.since is not None:
        stmt = stmt.where(Note.observed_at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(Note.observed_at < filters.until)
    return stmt


def list_notes(
    session: Session, viewer: User, filters: NoteFilters, *, limit: int, cursor: str | None
) -> Page[Note]:
    """Newest observation first."""
    if filters.since and filters.until and filters.since >= filters.until:
        raise Invalid("since must be before until")
    return paginate(
        session,
        visible_notes_query(viewer, filters),
        order=[(Note.observed_at, True), (Note.id, True)],
        limit=limit,
        cursor=cursor,
    )


def _check_version(note: Note, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != note.version:
        raise PreconditionFailed(
            f"the note is at version {note.version}, not {expected_version}: "
            "someone changed it; fetch it again and reapply your change",
            current_version=note.version,
        )


def update_note(
    session: Session, editor: User, note_id: int, data: NoteUpdate, *, expected_version: int
) -> Note:
    note = get_note(session, editor, note_id)
    ensure_can_edit(editor, note)
    _check_version(note, expected_version)
    return _apply_update(session, editor, note, data)


def _apply_update(session: Session, editor: User, note: Note, data: NoteUpdate) -> Note:
    """Change a note the caller has checked ``editor`` may change, as a new version."""
    changes = data.model_dump(exclude_unset=True)
    moved = False
    if "account_id" in changes or "account" in changes:
        account = pick_account(
            session, changes.pop("account_id", None), changes.pop("account", None)
        )
        if account.id != note.account_id:
            moved = True
            if "contact_ids" not in changes:
                changes["contact_ids"] = []  # contacts belong to the old account
        note.account = account
    if "contact_ids" in changes:
        note.contacts = contacts_of_account(session, note.account.id, changes.pop("contact_ids"))
    if "observed_at" in changes:
        _check_observed(changes["observed_at"])
    if "visibility" in changes and changes["visibility"] != note.visibility:
        audit.record(
            session,
            editor,
            "note.visibility_change",
            target_type="note",
            target_id=note.id,
            old=note.visibility.value,
            new=changes["visibility"].value,
        )
    for field, value in changes.items():
        setattr(note, field, value)
    note.version += 1
    session.flush()
    if "visibility" in changes or moved:
        freshness.note_moved(session, note)
    session.add(snapshot_revision(note, editor.id))
    indexing.note_changed(session, note)
    events.emit(session, "note.updated", actor=editor, note_id=note.id, account_id=note.account_id)
    return note


def reassign_note(session: Session, curator: User, note_id: int, account_id: int) -> Note:
    """Move a note to another account (a manager, an admin or the author), as ``PATCH`` does:
    a new version, its contacts (the old account's) dropped, its marks on notes left behind
    undone."""
    note = get_note(session, curator, note_id)
    ensure_can_curate(curator, note)
    old_account = note.account_id
    if account_id == old_account:
        return note
    _apply_update(session, curator, note, NoteUpdate(account_id=account_id))
    audit.record(
        session,
        curator,
        "note.reassign",
        target_type="note",
        target_id=note.id,
        old=old_account,
        new=note.account_id,
    )
    return note


def delete_note(
    session: Session, actor: User, note_id: int, *, expected_version: int | None
) -> None:
    """Soft delete: the note leaves every read path; its revisions stay for the audit trail."""
    note = get_note(session, actor, note_id)
    ensure_can_edit(actor, note)
    _check_version(note, expected_version)
    _remove(session, actor, note, action="note.delete")


def archive_note(session: Session, curator: User, note_id: int) -> None:
    """A curator's delete (a manager, an admin or the author): the note leaves every read path
    like a deleted one, and the flags asking for its review close."""
    note = get_note(session, curator, note_id)
    ensure_can_curate(curator, note)
    flags.resolve_open_flags(session, curator, [note.id])
    _remove(session, curator, note, action="note.archive")


def _remove(session: Session, actor: User, note: Note, *, action: str) -> None:
    note.deleted_at = utcnow()
    indexing.note_removed(session, note)
    events.emit(session, "note.deleted", actor=actor, note_id=note.id, account_id=note.account_id)
    audit.record(
        session, actor, action, target_type="note", target_id=note.id, author_id=note.author_id
    )
    session.flush()


def list_revisions(session: Session, viewer: User, note_id: int) -> list[NoteRevision]:
    note = get_note(session, viewer, note_id)
    return list(
        session.scalars(
            select(NoteRevision)
            .where(NoteRevision.note_id == note.id)
            .order_by(NoteRevision.version)
        )
    )
