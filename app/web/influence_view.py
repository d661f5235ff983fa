"""The influence map as the web pages show it: the words for each field and value, and one row
per buying influence for the account page's compact map.

Nothing here decides who sees what: the rows are built from the map the domain built for the
viewer (``app.domain.influence``), whose evidence, suggestions and coverage come only from the
notes they may read."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.influence.coverage import ColleagueCoverage, Coverage
from app.domain.influence.fields import FIELDS, LIST_FIELDS, shelf_life
from app.domain.influence.records import FieldValue, Influence
from app.domain.influence.red_flags import MapView

FIELD_LABELS = {
    "roles": "Buying roles",
    "degree": "Degree of influence",
    "mode": "Mode",
    "rating": "Rating",
    "key_win_result": "Key win",
    "hot_buttons": "Hot buttons",
    "cold_buttons": "Cold buttons",
}
FIELD_HINTS = {
    "roles": "Economic: signs off on the spend. Technical: screens the vendors. "
    "User: lives with what is bought. Coach: guides us from the inside.",
    "degree": "How much weight their word carries in this decision.",
    "mode": "Growth or trouble: they see a reason to change. Even-keel or overconfident: "
    "they see none, and will not move on their own.",
    "rating": "Their stance on us, from -5 (against us) to +5 (for us).",
    "key_win_result": "What they personally want from the deal.",
    "hot_buttons": "What moves them: short phrases, one a line.",
    "cold_buttons": "What to avoid with them: short phrases, one a line.",
}
ROLE_LABELS = {"economic": "Economic", "technical": "Technical", "user": "User", "coach": "Coach"}
MODE_LABELS = {
    "growth": "growth",
    "trouble": "trouble",
    "even_keel": "even-keel",
    "overconfident": "overconfident",
}
DEGREE_LABELS = {"high": "high", "medium": "medium", "low": "low"}
SHOWN_BUTTONS = 3  # per kind and row on the account page; the contact page shows them all
SHOWN_COLLEAGUES = 2


def value_text(field: str, value: object) -> str:
    """A value as people read it: "Economic", "even-keel", "+3"."""
    if field == "roles":
        return ROLE_LABELS.get(str(value), str(value))
    if field == "mode":
        return MODE_LABELS.get(str(value), str(value))
    if field == "rating" and isinstance(value, int):
        return f"{value:+d}" if value else "0"
    return str(value)


def shelf_life_words(field: str) -> str:
    days = shelf_life(field).days
    return f"{days // 365} years" if days >= 730 else f"{days} days"


@dataclass(frozen=True)
class MapRow:
    """One buying influence on the account page: each field's values (confirmed first, then
    what the notes suggest), who covers them, and whether a red flag names them."""

    influence: Influence
    flagged: bool

    @property
    def contact_id(self) -> int:
        return self.influence.contact.id

    def values(self, field: str) -> list[FieldValue]:
        return self.influence.fields[field]

    def first(self, field: str) -> FieldValue | None:
        """A one-value field: its confirmed value, else the best suggestion."""
        values = self.influence.fields[field]
        return values[0] if values else None

    @property
    def colleagues(self) -> list[ColleagueCoverage]:
        return self.influence.coverage.colleagues[:SHOWN_COLLEAGUES]

    @property
    def more_colleagues(self) -> int:
        return max(0, len(self.influence.coverage.colleagues) - SHOWN_COLLEAGUES)

    @property
    def coverage(self) -> Coverage:
        return self.influence.coverage


def _on_the_map(influence: Influence) -> bool:
    return any(influence.fields[name] for name in FIELDS)


def map_rows(view: MapView) -> tuple[list[MapRow], list[Influence]]:
    """The rows of the account's map (every contact with a confirmed or suggested value, in
    the domain's order: confirmed influences first, by role), and the other contacts."""
    flagged = {contact_id for flag in view.red_flags for contact_id in flag.contact_ids}
    rows = [MapRow(i, i.contact.id in flagged) for i in view.map.influences if _on_the_map(i)]
    others = [i for i in view.map.influences if not _on_the_map(i)]
    return rows, others


def is_list_field(field: str) -> bool:
    return field in LIST_FIELDS
