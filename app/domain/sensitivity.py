"""Sensitive facts in notes: the rule every channel's note obeys, whichever way it came in.

The detector (``app.privacy``) says which categories a text states; the deployment chooses
which it detects (``TACIT_SENSITIVE_CATEGORIES``: the special categories always, family and
financial distress when named), and the entry points pass that choice down. Here:

- a note's categories are detected when it is captured (``capture``) and whenever its text
  changes (``notes``), and kept on it (``Note.sensitive``), so that reads, briefs and the
  audit trail need no detector;
- a note whose writer chose no visibility is ``team``, or ``private`` when it states a
  sensitive fact (``visibility_for``);
- a note kept wider than private while it states one is saved as asked, and the answer to
  that write carries a warning (``warnings_for``): the writer may have good reason, and a
  refusal would only teach people to leave the fact out;
- reads of it by anyone but its author join the reads of personal context in the audit
  trail (``app.domain.audit``, with ``is_sensitive``).

Detection never narrows a note after it is written: an edit that makes a note sensitive, or a
setting that adds a category, marks it and warns, but takes it from no reader it was shared
with (that is its author's decision, and silently hiding a note looks like losing it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Table, Text, bindparam, cast, or_, select, update
from sqlalchemy.orm import Session

from app import privacy
from app.db.models import Note, Visibility

Categories = frozenset[str]
# What is detected where no setting is at hand (tests, scripts): the special categories alone.
SPECIAL_ONLY: Categories = privacy.DEFAULT_CATEGORIES

# A note whose writer chose no visibility, and which states no sensitive fact.
DEFAULT_VISIBILITY = Visibility.team
WARNING_CODE = "sensitive_not_private"

# How a person reads each category, in the law's words where it has them.
LABELS: dict[str, str] = {
    privacy.HEALTH: "health",
    privacy.RELIGION: "religion or beliefs",
    privacy.POLITICS: "political opinions",
    privacy.SEXUAL_ORIENTATION: "sexual orientation or sex life",
    privacy.ETHNICITY: "racial or ethnic origin",
    privacy.TRADE_UNION: "trade-union membership",
    privacy.CRIMINAL: "criminal offences",
    privacy.FAMILY: "family matters",
    privacy.FINANCIAL_DISTRESS: "financial distress",
}
_AUDIENCE = {Visibility.team: "the author's team", Visibility.company: "everyone"}
_BATCH = 500


@dataclass(frozen=True)
class SensitiveWarning:
    """A note that states a sensitive fact is readable by more people than its author."""

    categories: tuple[str, ...]
    visibility: Visibility
    code: str = WARNING_CODE

    @property
    def message(self) -> str:
        named = ", ".join(LABELS[c] for c in self.categories)
        return (
            f"This note states a sensitive fact about a person ({named}) and "
            f"{_AUDIENCE[self.visibility]} can read it. Unless they need it, make it private."
        )


@dataclass(frozen=True)
class Checked:
    """What saving a text would do: its categories, the visibility it would get, the warnings."""

    sensitive: list[str]
    visibility: Visibility
    warnings: list[SensitiveWarning]


def detect(text: str, categories: Categories) -> list[str]:
    """The categories among ``categories`` that ``text`` states, in a fixed order."""
    return privacy.detect(text, categories=categories)


def visibility_for(chosen: Visibility | None, sensitive: Sequence[str]) -> Visibility:
    """The writer's choice; without one, private for a sensitive note and team otherwise."""
    if chosen is not None:
        return chosen
    return Visibility.private if sensitive else DEFAULT_VISIBILITY


def warnings_for(sensitive: Sequence[str], visibility: Visibility) -> list[SensitiveWarning]:
    if not sensitive or visibility == Visibility.private:
        return []
    return [SensitiveWarning(tuple(sensitive), visibility)]


def note_warnings(note: Note) -> list[SensitiveWarning]:
    """The warnings a write that leaves ``note`` as it now is answers with."""
    return warnings_for(note.sensitive or [], note.visibility)


def check(body: str, chosen: Visibility | None, categories: Categories) -> Checked:
    """What saving ``body`` with the visibility ``chosen`` (None: none chosen) would do."""
    found = detect(body, categories)
    visibility = visibility_for(chosen, found)
    return Checked(found, visibility, warnings_for(found, visibility))


def redetect(note: Note, categories: Categories) -> None:
    """After the note's text changed: its categories, from the new text."""
    note.sensitive = detect(note.body, categories)


def is_sensitive() -> ColumnElement[bool]:
    """SQL, on both dialects: the note states a sensitive fact (a non-empty JSON list of
    names, compared as text, as ``audit.has_personal_context`` does)."""
    return cast(Note.sensitive, Text).like('%"%')


def check_stored(session: Session, categories: Categories, *, every: bool = False) -> int:
    """Detect and keep the categories of the notes not checked yet (those from before the
    column), or of every note (``every``: after the categories setting changed). Only the
    marks change, never a visibility. Returns how many notes' marks changed."""
    notes = Note.__table__
    assert isinstance(notes, Table)
    store = (
        update(notes)
        .where(notes.c.id == bindparam("note_id"))
        # Marking a note is not editing it: its updated_at stays.
        .values(sensitive=bindparam("found"), updated_at=notes.c.updated_at)
    )
    changed, after = 0, 0
    while True:
        stmt = select(Note.id, Note.body, Note.sensitive).where(Note.id > after)
        if not every:
            # SQL null, as the migration leaves a note, or JSON null, as None assigned is.
            unchecked = cast(Note.sensitive, Text)
            stmt = stmt.where(or_(unchecked.is_(None), unchecked == "null"))
        rows = session.execute(stmt.order_by(Note.id).limit(_BATCH)).all()
        if not rows:
            return changed
        found = [(id_, detect(body, categories), stored) for id_, body, stored in rows]
        writes = [{"note_id": i, "found": f} for i, f, stored in found if f != stored]
        if writes:
            session.execute(store, writes)
        changed += len(writes)
        after = rows[-1].id
