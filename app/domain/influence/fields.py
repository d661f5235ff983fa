"""The fields of an influence record: which hold one value and which several, the values each
may take, and how fast each ages.

A confirmed value is as fresh as its last confirmation or edit. Each field ages with the
section of knowledge it belongs to (``app.taxonomy.SECTIONS``), as a note does: who holds
which buying role and how much weight they carry with decision-process facts (180 days);
their mode with the deal's status (six weeks: a person's sense of the deal moves with it);
their stance on us with the relationship (two years); what they personally want and their hot
and cold buttons with personal context (three years).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Literal, get_args

from app.errors import Invalid
from app.search.influence import DEGREES, MODES, ROLES
from app.taxonomy import SECTION_BY_NAME

FieldName = Literal[
    "roles", "degree", "mode", "rating", "key_win_result", "hot_buttons", "cold_buttons"
]
FIELDS: tuple[FieldName, ...] = get_args(FieldName)
LIST_FIELDS: frozenset[str] = frozenset({"roles", "hot_buttons", "cold_buttons"})
# Fields whose values are a writer's words: a sentence stating a sensitive fact never becomes
# one of them (``suggestions``).
WORDED_FIELDS: frozenset[str] = frozenset({"key_win_result", "hot_buttons", "cold_buttons"})
SECTION_OF: dict[str, str] = {
    "roles": "decision_process",
    "degree": "decision_process",
    "mode": "deal_status",
    "rating": "relationship",
    "key_win_result": "personal",
    "hot_buttons": "personal",
    "cold_buttons": "personal",
}
RATING_MIN, RATING_MAX = -5, 5
MAX_PHRASE = 200
MAX_KEY_WIN = 1000
MAX_PHRASES = 20
MAX_REASON = 1000
MAX_OBJECTIVE = 200

_CHOICES: dict[str, tuple[str, ...]] = {"roles": ROLES, "degree": DEGREES, "mode": MODES}


def shelf_life(field: str) -> timedelta:
    return SECTION_BY_NAME[SECTION_OF[field]].shelf_life


def check_value(field: str, value: Any) -> str | int:
    """One value of ``field``, cleaned, or ``Invalid`` saying what the field takes."""
    if field not in FIELDS:
        raise Invalid(f"{field!r} is not a field of an influence record: {', '.join(FIELDS)}")
    if field in _CHOICES:
        if not isinstance(value, str) or value not in _CHOICES[field]:
            choices = ", ".join(_CHOICES[field])
            raise Invalid(f"{field}: {value!r} is not one of {choices}")
        return value
    if field == "rating":
        if isinstance(value, bool) or not isinstance(value, int):
            raise Invalid(f"rating: give a whole number from {RATING_MIN} to {RATING_MAX}")
        if not RATING_MIN <= value <= RATING_MAX:
            raise Invalid(f"rating: {value} is not from {RATING_MIN} to {RATING_MAX}")
        return value
    if not isinstance(value, str) or not value.strip():
        raise Invalid(f"{field}: give some words")
    text = " ".join(value.split())
    limit = MAX_KEY_WIN if field == "key_win_result" else MAX_PHRASE
    if len(text) > limit:
        raise Invalid(f"{field}: at most {limit} characters")
    return text


def check_list(field: str, values: list[Any]) -> list[str]:
    """The values of a list field, cleaned, in order, each once (case aside)."""
    if len(values) > MAX_PHRASES:
        raise Invalid(f"{field}: at most {MAX_PHRASES} values")
    cleaned: list[str] = []
    for value in values:
        text = str(check_value(field, value))
        if text.lower() not in {c.lower() for c in cleaned}:
            cleaned.append(text)
    return cleaned


def same_value(a: object, b: object) -> bool:
    """Phrases are the same case aside ("Fewer vendors", "fewer vendors")."""
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b
