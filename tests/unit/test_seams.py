"""The seams of "one way in", read from the code: only ``app.domain.capture`` makes notes and
indexes new ones, and each later change to a note's index has one module (edits and deletes:
``notes``; erasures: ``erasure``). A channel that writes or indexes notes by hand fails here."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
CAPTURE = "app/domain/capture.py"
NOTES = "app/domain/notes.py"
ERASURE = "app/domain/erasure.py"
# Where each guarded name may be called (or, for models, constructed or bulk-inserted).
# ``app/search/indexing.py`` defines the writers and is not checked.
ALLOWED: dict[str, frozenset[str]] = {
    "Note": frozenset({CAPTURE}),
    "NoteRevision": frozenset({CAPTURE}),
    "notes_added": frozenset({CAPTURE}),
    # An erasure rewrites a note without a person (``erasure.rewrite_note``).
    "note_changed": frozenset({NOTES, ERASURE}),
    "note_removed": frozenset({NOTES}),
    "note_erased": frozenset({ERASURE}),
    # An erasure re-judges the notes that restated the erased one: their text is unchanged,
    # so only their embedding job (which judges credit) runs again.
    "enqueue_embedding": frozenset({ERASURE}),
}
_BULK = ("insert", "bulk_insert_mappings", "bulk_save_objects")


def _called_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def violations(root: Path, *, base: Path) -> list[str]:
    """Every use of a guarded name outside the modules allowed it, as ``path:line: name``."""
    found: list[tuple[str, int, str]] = []
    for path in sorted(root.rglob("*.py")):
        name = path.relative_to(base).as_posix()
        if name == "app/search/indexing.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), filename=name)):
            used: list[str] = []
            if isinstance(node, ast.Call):
                called = _called_name(node)
                if called in ALLOWED:
                    used.append(called)
                if called in _BULK:  # insert(Note): rows made without ``Note(``
                    used += [a.id for a in node.args if isinstance(a, ast.Name)]
            elif isinstance(node, ast.ImportFrom) and node.module == "app.search.indexing":
                used += [alias.name for alias in node.names]  # a writer under another name
            for guarded in used:
                if guarded in ALLOWED and name not in ALLOWED[guarded]:
                    found.append((name, getattr(node, "lineno", 0), guarded))
    return [f"{name}:{line}: {guarded}" for name, line, guarded in sorted(found)]


def test_only_capture_makes_and_indexes_notes() -> None:
    assert violations(APP, base=APP.parent) == []


def test_a_channel_writing_notes_by_hand_is_caught(tmp_path: Path) -> None:
    channel = tmp_path / "app" / "domain" / "slack.py"
    channel.parent.mkdir(parents=True)
    channel.write_text(
        "from sqlalchemy import insert\n"
        "from app.db.models import Note\n"
        "from app.search import indexing\n"
        "from app.search.indexing import enqueue_embedding as later\n"
        "def post(session, rows):\n"
        "    note = Note(body='x')\n"
        "    session.execute(insert(Note), rows)\n"
        "    indexing.notes_added(session, [note])\n"
    )

    assert violations(tmp_path / "app", base=tmp_path) == [
        "app/domain/slack.py:4: enqueue_embedding",
        "app/domain/slack.py:6: Note",
        "app/domain/slack.py:7: Note",
        "app/domain/slack.py:8: notes_added",
    ]
