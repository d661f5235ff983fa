"""Review flags raised by readers, and closing flags of any kind.

A reader who doubts a note flags it with a reason; like a contradiction flag
(``app.domain.freshness``) it marks the note for review (stale, once the note is classified)
until someone verifies it, merges it away or resolves the flag. One open flag per reader and
note: a second one is a conflict, so that a reader's doubt is counted once and their first
reason is not silently replaced.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Note, NoteFlag, User
from app.domain import audit, freshness
from app.domain.access import can_read, can_resolve_flag, get_note
from app.errors import Conflict, Forbidden, NotFound

READER = "reader"


def flag_note(session: Session, reader: User, note_id: int, reason: str) -> NoteFlag:
    """``reader`` asks for a review of a note they may read."""
    get_note(session, reader, note_id)
    # Lock the note: two concurrent flags by the same reader queue here, and the second sees
    # the first (SQLite writers queue anyway).
    session.scalar(select(Note.id).where(Note.id == note_id).with_for_update())
    open_flag = session.scalar(
        select(NoteFlag).where(
            NoteFlag.note_id == note_id,
            NoteFlag.kind == READER,
            NoteFlag.by_user_id == reader.id,
            NoteFlag.resolved_at.is_(None),
        )
    )
    if open_flag is not None:
        raise Conflict(
            f"you already flagged note {note_id} (flag {open_flag.id}); it is still open",
            flag_id=open_flag.id,
        )
    flag = NoteFlag(note_id=note_id, kind=READER, reason=reason, by_user_id=reader.id)
    session.add(flag)
    session.flush()
    freshness.refresh_stale_after(session, [note_id])
    audit.record(session, reader, "note.flag", target_type="note", target_id=note_id, flag=flag.id)
    return flag


def get_flag(session: Session, viewer: User, flag_id: int) -> NoteFlag:
    """A flag on a note ``viewer`` may read; any other is as missing as one that never was."""
    flag = session.get(NoteFlag, flag_id)
    note = session.get(Note, flag.note_id) if flag is not None else None
    if flag is None or note is None or not can_read(viewer, note):
        raise NotFound(f"no flag with id {flag_id}")
    return flag


def resolve_flag(session: Session, actor: User, flag_id: int) -> NoteFlag:
    """Close a flag: managers and admins, the note's author, or the reader who raised it."""
    flag = get_flag(session, actor, flag_id)
    note = session.get(Note, flag.note_id)
    assert note is not None
    if not can_resolve_flag(actor, note, flag.by_user_id):
        raise Forbidden("only a manager, an admin, the note's author or the flag's reader can")
    if flag.resolved_at is None:
        flag.resolved_at, flag.resolved_by_id = utcnow(), actor.id
        freshness.refresh_stale_after(session, [note.id])
        audit.record(
            session, actor, "flag.resolve", target_type="flag", target_id=flag.id, note=note.id
        )
    return flag


def resolve_open_flags(session: Session, actor: User, note_ids: Iterable[int]) -> int:
    """Close every open flag on these notes (their question is settled); how many closed."""
    ids = sorted(set(note_ids))
    if not ids:
        return 0
    closed = session.execute(
        update(NoteFlag)
        .where(NoteFlag.note_id.in_(ids), NoteFlag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolved_by_id=actor.id)
        .execution_options(synchronize_session="fetch")
    )
    freshness.refresh_stale_after(session, ids)
    return int(closed.rowcount)  # type: ignore[attr-defined]
