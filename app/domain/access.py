"""Who may read and change which note: the one place these rules live.

Every read path (get, list, export, and later search, brief, analytics) filters with
``visible_notes(viewer)`` inside its SQL, so a note the viewer may not read is never loaded,
counted or scored; callers turn "not found under this predicate" into a 404.

- ``private``: the author only.
- ``team``: the team the author belonged to when writing (``Note.team_id``), and the author.
- ``company``: every user.
Managers and admins get no extra read access.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from app.db.models import Note, Role, User, Visibility
from app.errors import Forbidden

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


def ensure_can_edit(editor: User, note: Note) -> None:
    """Only the author (or an admin) changes a note the editor can already see."""
    if note.author_id != editor.id and editor.role != Role.admin:
        raise Forbidden("only the note's author or an admin can change it")


def ensure_admin(user: User) -> None:
    if user.role != Role.admin:
        raise Forbidden("this action needs the admin role")
