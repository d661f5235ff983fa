"""Conditions on notes written as data, and their evaluation in SQL and on a loaded note.

A condition is a list of clauses, each a ``{column: value}`` mapping over ``Note``'s columns; a
live (not deleted) note meets it when every pair of any one clause holds. ``app.domain.access``
writes the access rule this way (``readable_by``: who may read what is decided there and only
there); this module knows nothing of users or roles, it only evaluates. Being below the search
backends, it lets them apply the rule a ``Scope`` carries without importing the domain:
``app.search.base`` compiles it to SQL with ``notes_matching`` and ``app.search.sqlite`` to a
vector mask, so the SQL predicate and the in-memory mask are one rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_

from app.db.models import Note

Clause = Mapping[str, Any]  # column name -> required value; all must hold


def notes_matching(clauses: Iterable[Clause]) -> ColumnElement[bool]:
    """SQL: the note is live and some clause holds (no clause: no note)."""
    alternatives = [
        and_(*(getattr(Note, column) == value for column, value in clause.items()))
        for clause in clauses
    ]
    if not alternatives:
        return false()
    return and_(Note.deleted_at.is_(None), or_(*alternatives))


def note_matches(note: Note, clauses: Iterable[Clause]) -> bool:
    """The same test applied to one loaded note."""
    return note.deleted_at is None and clauses_hold(note, clauses)


def clauses_hold(note: Note, clauses: Iterable[Clause]) -> bool:
    """Some clause holds for ``note``, live or not (who could read a note now deleted)."""
    return any(
        all(getattr(note, column) == value for column, value in clause.items())
        for clause in clauses
    )
