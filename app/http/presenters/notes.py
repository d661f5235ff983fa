"""Notes as a write answers with them: the note, and the warnings of ``app.domain.sensitivity``."""

from __future__ import annotations

from typing import Any

from app.db.models import Note
from app.domain.sensitivity import Checked, SensitiveWarning, note_warnings
from app.schemas.notes import NoteChecked, NoteRead, NoteSaved, NoteWarning


def note_warning(warning: SensitiveWarning) -> NoteWarning:
    return NoteWarning.model_validate(
        {"code": warning.code, "categories": warning.categories, "message": warning.message}
    )


def saved_fields(note: Note) -> dict[str, Any]:
    """The fields of ``NoteSaved``, for schemas that extend it (an e-mail's note)."""
    return {
        **NoteRead.model_validate(note).model_dump(),
        "warnings": [note_warning(w) for w in note_warnings(note)],
    }


def saved_note(note: Note) -> NoteSaved:
    return NoteSaved.model_validate(saved_fields(note))


def checked_note(checked: Checked) -> NoteChecked:
    return NoteChecked.model_validate(
        {
            "sensitive": checked.sensitive,
            "visibility": checked.visibility,
            "warnings": [note_warning(w) for w in checked.warnings],
        }
    )
