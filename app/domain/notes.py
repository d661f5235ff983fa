"""Notes: what people know about an account, who said it, who may read it, and its history.

A note comes in through ``capture`` (``create_note`` is the API's and the web page's way in).
Here it changes: every edit, an import's revision included, is a new version through
``_new_version`` (``indexing.note_changed``), and every delete goes through ``_remove``
(``indexing.note_removed``). An edit of the text detects its sensitive facts again
(``sensitivity.redetect``); it never changes the visibility for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Contact, Note, NoteRevision, User, Visibility, note_contacts
from app.domain import audit, events, flags, freshness, sensitivity
from app.domain.access import Principal, ensure_can_curate, ensure_can_edit, visible_notes
from app.domain.access import get_note as get_note
from app.domain.accounts import pick_account
from app.domain.capture import AccountRef, NoteDraft, capture, check_observed, snapshot_revision
from app.domain.contacts import contacts_of_account
from app.domain.pagination import Page, paginate
from app.domain.sensitivity import SPECIAL_ONLY, Categories
from app.errors import Invalid, PreconditionFailed
from app.schemas.notes import NoteCreate, NoteUpdate
from app.search import indexing


@dataclass(frozen=True, kw_only=True)
class NoteFilters:
    account_id: int | None = None
    author_id: int | None = None
    contact_id: int | None = None
    external_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def create_note(
    session: Session,
    author: User,
    data: NoteCreate,
    *,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> Note:
    """A note written through the API or the web page, and the older notes it replaces."""
    draft = NoteDraft(
        source=data.source,
        author=author,
        account=AccountRef(id=data.account_id, name=data.account),
        body=data.body,
        visibility=data.visibility,
        contact_ids=tuple(data.contact_ids),
        observed_at=data.observed_at,
        external_id=data.external_id,
    )
    note = capture(session, author, draft, sensitive_categories=sensitive_categories)
    for old_id in dict.fromkeys(data.supersedes):
        freshness.supersede(session, author, old_id=old_id, new=note)
    return note


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
    session: Session,
    editor: User,
    note_id: int,
    data: NoteUpdate,
    *,
    expected_version: int,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> Note:
    note = get_note(session, editor, note_id)
    ensure_can_edit(editor, note)
    _check_version(note, expected_version)
    return _apply_update(session, editor, note, data, sensitive_categories=sensitive_categories)


def _apply_update(
    session: Session,
    editor: User,
    note: Note,
    data: NoteUpdate,
    *,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> Note:
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
        check_observed(changes["observed_at"])
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
    if "body" in changes:
        sensitivity.redetect(note, sensitive_categories)
    session.flush()
    if "visibility" in changes or moved:
        freshness.note_moved(session, note)
    _new_version(session, editor, note, editor_id=editor.id)
    return note


def change_visibility(session: Session, actor: User, note: Note, visibility: Visibility) -> Note:
    """Widen a note's audience as an edit (a new version, audited, re-indexed, its event). The
    caller has checked the change is ``actor``'s to make: the author's bulk share, or the
    departure rule applied by whoever deactivates them (``app.domain.handover``)."""
    return _apply_update(session, actor, note, NoteUpdate(visibility=visibility))


def revise_imported_note(
    session: Session,
    note: Note,
    *,
    editor_id: int,
    actor: Principal,
    values: dict[str, Any],
    contacts: list[Contact],
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> bool:
    """Bring an existing note in line with an imported record: when anything differs, a new
    version; ``values`` are the note's columns, checked by the import. Returns whether the
    note changed."""
    changed = False
    for key, value in values.items():
        if getattr(note, key) != value:
            setattr(note, key, value)
            changed = True
            if key == "body":
                sensitivity.redetect(note, sensitive_categories)
    if [c.id for c in note.contacts] != [c.id for c in contacts]:
        note.contacts, changed = contacts, True
    if changed:
        _new_version(session, actor, note, editor_id=editor_id)
    return changed


def _new_version(session: Session, actor: Principal, note: Note, *, editor_id: int) -> None:
    """A changed note's next version: its revision, its re-index (passages whose text changed
    queue an embedding) and its event."""
    note.version += 1
    session.add(snapshot_revision(note, editor_id))
    indexing.note_changed(session, note)
    events.emit(session, "note.updated", actor=actor, note_id=note.id, account_id=note.account_id)


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
