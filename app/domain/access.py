"""Who may read and change which note: the one place these rules live.

Every read path (get, list, export, and later search, brief, analytics) filters with
``visible_notes(viewer)`` inside its SQL, so a note the viewer may not read is never loaded,
counted or scored; callers turn "not found under this predicate" into a 404.

- ``private``: the author only.
- ``team``: the team the author belonged to when writing (``Note.team_id``), and the author.
- ``company``: every user.
Managers and admins get no extra read access. They curate (archive, merge, move, resolve flags
on) the notes they may read; an admin may also erase any note (``app.domain.erasure``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, select
from sqlalchemy.orm import Session

from app.db.models import Note, Role, User, Visibility
from app.errors import Forbidden, NotFound

Clause = dict[str, Any]  # column name -> required value; all must hold


def readable_by(viewer: User) -> list[Clause]:
    """The rule itself, as data: a live note is readable when any clause holds.

    Compiled to SQL by ``visible_notes`` and to a vector mask by the in-memory index of
    ``app.search.sqlite``, so both apply the very same rule.
    """
    if not viewer.is_active:
        return []
    clauses: list[Clause] = [{"visibility": Visibility.company}, {"author_id": viewer.id}]
    if viewer.team_id is not None:
        clauses.append({"visibility": Visibility.team, "team_id": viewer.team_id})
    return clauses


def visible_notes(viewer: User) -> ColumnElement[bool]:
    clauses = readable_by(viewer)
    if not clauses:
        return false()
    readable = or_(
        *(
            and_(*(getattr(Note, column) == value for column, value in clause.items()))
            for clause in clauses
        )
    )
    return and_(Note.deleted_at.is_(None), readable)


def can_read(viewer: User, note: Note) -> bool:
    """``readable_by`` applied to one loaded note."""
    return note.deleted_at is None and any(
        all(getattr(note, column) == value for column, value in clause.items())
        for clause in readable_by(viewer)
    )


def get_note(session: Session, viewer: User, note_id: int) -> Note:
    """The note if ``viewer`` may read it; a hidden note is as missing as a deleted one."""
    note = session.scalar(select(Note).where(Note.id == note_id, visible_notes(viewer)))
    if note is None:
        raise NotFound(f"no note with id {note_id}")
    return note


def ensure_can_edit(editor: User, note: Note) -> None:
    """Only the author (or an admin) changes a note the editor can already see."""
    if note.author_id != editor.id and editor.role != Role.admin:
        raise Forbidden("only the note's author or an admin can change it")


CURATORS = frozenset({Role.manager, Role.admin})


def ensure_can_curate(curator: User, note: Note) -> None:
    """Managers and admins curate any note they can already see; authors their own."""
    if note.author_id != curator.id and curator.role not in CURATORS:
        raise Forbidden("only the note's author, a manager or an admin can do this")


def ensure_admin(user: User) -> None:
    if user.role != Role.admin:
        raise Forbidden("this action needs the admin role")
