"""What readers do with colleagues' notes, recorded for reuse analytics: a note opened in full,
shown in a brief, marked helpful. (Search impressions are recorded by ``app.domain.retrieval``.)

A reader's own notes are not recorded: reuse is by others, and the audit trail of personal
context is about who read what someone else wrote.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import HelpfulMark, Note, NoteView, User
from app.db.request import SideWrites
from app.domain.access import get_note
from app.errors import Invalid


def _views(viewer: User, notes: Iterable[Note], *, kind: str, source: str) -> list[NoteView]:
    now = utcnow()
    seen = {n.id for n in notes if n.author_id != viewer.id}
    return [
        NoteView(note_id=note_id, user_id=viewer.id, kind=kind, source=source, at=now)
        for note_id in sorted(seen)
    ]


def record_views(
    writes: SideWrites, viewer: User, notes: Iterable[Note], *, kind: str, source: str
) -> None:
    """Buffered: written after the read, so that a read never waits for the write lock."""
    rows = _views(viewer, notes, kind=kind, source=source)
    if rows:
        writes.defer(lambda session: session.add_all(rows))


def mark_helpful(session: Session, viewer: User, note_id: int) -> Note:
    """``viewer`` says the note helped; marking twice is one mark."""
    note = get_note(session, viewer, note_id)
    if note.author_id == viewer.id:
        raise Invalid("a note can be marked helpful by its readers, not by its author")
    exists = session.scalar(
        select(HelpfulMark).where(HelpfulMark.note_id == note.id, HelpfulMark.user_id == viewer.id)
    )
    if exists is None:
        try:
            with session.begin_nested():
                session.add(HelpfulMark(note_id=note.id, user_id=viewer.id, at=utcnow()))
        except IntegrityError:
            pass  # a concurrent click of the same reader got there first
    return note


def marked_helpful(session: Session, viewer: User, note: Note) -> bool:
    return session.get(HelpfulMark, (note.id, viewer.id)) is not None


def unmark_helpful(session: Session, viewer: User, note_id: int) -> None:
    note = get_note(session, viewer, note_id)
    session.execute(
        delete(HelpfulMark).where(HelpfulMark.note_id == note.id, HelpfulMark.user_id == viewer.id)
    )
