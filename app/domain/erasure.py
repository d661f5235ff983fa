"""Erasure: a note removed for good, as a data-protection request requires. The one module
that erases notes (``tests/unit/test_seams.py``): new notes come in through ``capture``, edits
and deletes go through ``notes``.

Deleting a note (``app.domain.notes``) only hides it; erasing it deletes the note with every
copy of its words: revisions, passages (and so the keyword index and the vectors), mentions,
flags, views, marks, the stored response of the request that created it, and the subject of the
e-mail it was captured from. What other notes held of it (superseded by it, a duplicate of it)
is cleared. What remains is one audit event saying who erased which note of which account and
author, without a word of its content.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.models import IdempotencyKey, InboundMessage, Note, NoteFlag, User
from app.domain import audit, events, freshness
from app.domain.access import ensure_can_erase
from app.errors import NotFound
from app.search import indexing


def erase_note(session: Session, actor: User, note_id: int) -> None:
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
    # The in-memory search index of each SQLite process learns of the erasure from this event.
    events.emit(session, "note.erased", actor=actor, note_id=note.id, account_id=note.account_id)
    indexing.note_erased(session, note)
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
    _forget_stored_responses(session, note)
    session.delete(note)  # revisions, passages, mentions, flags, views, marks: ON DELETE CASCADE
    session.flush()
    freshness.refresh_stale_after(session, flagged)


def _forget_stored_responses(session: Session, note: Note) -> None:
    """Idempotency records replay the note they created, its text included (kept a day)."""
    for row in session.scalars(
        select(IdempotencyKey).where(IdempotencyKey.user_id == note.author_id)
    ):
        body: Any = row.response_body
        if isinstance(body, dict) and note.id in (body.get("id"), body.get("note_id")):
            session.delete(row)
