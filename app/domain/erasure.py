"""Erasure: a note removed for good, or rewritten without a person, as a data-protection
request requires. The one module that erases notes or rewrites their history
(``tests/unit/test_seams.py``): new notes come in through ``capture``, edits and deletes go
through ``notes``; ``erase_person`` erases a person through the functions here.

Deleting a note (``app.domain.notes``) only hides it; erasing it deletes the note with every
copy of its words: revisions, passages (and so the keyword index and the vectors), mentions,
flags, views, marks, the stored response of the request that created it, and the subject of the
e-mail it was captured from. What other notes held of it (superseded by it, a duplicate of it)
is cleared. What remains is one audit event saying who erased which note of which account and
author, without a word of its content.

Once the erasure has committed, ``reclaim`` makes the erased bytes unreadable on disk: a WAL
checkpoint on SQLite (which zeroes what it deletes), a VACUUM of ``PERSONAL_TABLES`` on
PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import IdempotencyKey, InboundMessage, Note, NoteFlag, NoteRevision, User
from app.db.reclaim import reclaim
from app.db.request import AfterCommit
from app.domain import audit, events, freshness
from app.domain.access import Principal, ensure_can_erase
from app.errors import NotFound
from app.search import indexing

# Every table that can hold words of a note or of a person: what PostgreSQL vacuums after an
# erasure.
PERSONAL_TABLES = (
    "notes",
    "note_revisions",
    "note_contacts",
    "note_flags",
    "passages",
    "mentions",
    "embedding_jobs",
    "contacts",
    "role_decisions",
    "searches",
    "search_impressions",
    "idempotency_keys",
    "inbound_messages",
    "audit_events",
)


def erase_note(
    session: Session, actor: User, note_id: int, *, after_commit: AfterCommit | None = None
) -> None:
    """Erase a note: its author, or an admin. An admin may erase any note, one they may not
    read and one already deleted included: an erasure request covers what is held, not what
    the admin sees."""
    locked = session.scalar(select(Note.id).where(Note.id == note_id).with_for_update())
    note = session.get(Note, locked) if locked is not None else None
    if note is None:
        raise NotFound(f"no note with id {note_id}")
    ensure_can_erase(actor, note)
    audit.record(
        session,
        actor,
        "note.erase",
        target_type="note",
        target_id=note.id,
        account_id=note.account_id,
        author_id=note.author_id,
    )
    erase_held_note(session, actor, note)
    if after_commit is not None:
        after_commit.after_commit(partial(reclaim, tables=PERSONAL_TABLES))


def erase_held_note(session: Session, actor: Principal, note: Note, *, merge: bool = True) -> None:
    """Erase ``note`` for a caller that checked and audits the erasure (``merge=False``: the
    caller merges the keyword index once, ``indexing.merge_keyword_index``)."""
    # The in-memory search index of each SQLite process learns of the erasure from this event.
    events.emit(session, "note.erased", actor=actor, note_id=note.id, account_id=note.account_id)
    indexing.note_erased(session, note, merge=merge)
    flagged = list(
        session.scalars(
            select(NoteFlag.note_id).where(
                NoteFlag.by_note_id == note.id, NoteFlag.resolved_at.is_(None)
            )
        )
    )
    session.execute(
        update(Note).where(Note.superseded_by_id == note.id).values(superseded_by_id=None)
    )
    # What restated this note may now be the only copy of its facts: judged again.
    restated = session.scalars(select(Note.id).where(Note.duplicate_of_id == note.id)).all()
    session.execute(
        update(Note).where(Note.id.in_(restated)).values(duplicate_of_id=None, credit=None)
    )
    for note_id in restated:
        indexing.enqueue_embedding(session, note_id)
    # The message record stays (a re-delivery must not capture it again) without its content.
    session.execute(
        update(InboundMessage)
        .where(InboundMessage.note_id == note.id)
        .values(
            note_id=None,
            subject="",
            text=None,
            participants=[],
            attachments=[],
            unresolved_reason=None,
        )
    )
    # Only the author's requests create their notes.
    forget_stored_responses(session, {note.id}, user_id=note.author_id)
    session.delete(note)  # revisions, passages, mentions, flags, views, marks: ON DELETE CASCADE
    session.flush()
    freshness.refresh_stale_after(session, flagged)


def rewrite_note(
    session: Session,
    actor: Principal,
    note: Note,
    rewrite: Callable[[str], str],
    *,
    unlink_contact: int | None = None,
) -> bool:
    """Rewrite every copy of a note's words with ``rewrite`` (a person taken out): its text
    and every revision's, in place, so that no version keeps what was taken out; the passages
    re-split, their vectors dropped and queued again, the keyword index to be merged by the
    caller (``indexing.merge_keyword_index``). ``unlink_contact`` leaves the revisions' lists
    of contacts. Returns whether the note's current text changed."""
    for revision in session.scalars(select(NoteRevision).where(NoteRevision.note_id == note.id)):
        revision.body = rewrite(revision.body)
        if unlink_contact in revision.contact_ids:
            revision.contact_ids = [c for c in revision.contact_ids if c != unlink_contact]
    body = rewrite(note.body)
    if body == note.body:
        session.flush()
        return False
    note.body = body
    if note.deleted_at is None:  # a deleted note has left the indexes already
        indexing.note_changed(session, note)
    events.emit(session, "note.updated", actor=actor, note_id=note.id, account_id=note.account_id)
    session.flush()
    return True


def forget_stored_responses(
    session: Session,
    note_ids: set[int],
    *,
    user_id: int | None = None,
    naming: Callable[[str], bool] | None = None,
) -> int:
    """Idempotency records replay the note they created, its text included (kept a day): those
    of ``note_ids`` (kept for ``user_id``, when given), and those whose stored text ``naming``
    recognises, go."""
    gone = 0
    stored = select(IdempotencyKey).where(IdempotencyKey.response_body.is_not(None))
    if user_id is not None:
        stored = stored.where(IdempotencyKey.user_id == user_id)
    for row in session.scalars(stored):
        body: Any = row.response_body
        ids = {body.get("id"), body.get("note_id")} if isinstance(body, dict) else set()
        if ids & note_ids or (naming is not None and any(map(naming, strings_in(body)))):
            session.delete(row)
            gone += 1
    return gone


def strings_in(value: Any) -> list[str]:
    """Every string held in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings_in(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings_in(item)]
    return []
