"""Reading a buying influence from the sentences colleagues wrote about one person.

The influence map (``app.domain.influence``) keeps, per contact, the Blue Sheet's fields: the
buying roles, the degree of influence, the mode, the rating, what the person personally wants
and their hot and cold buttons. Every field can be suggested from notes; this module reads the
suggestions, pure and without a database: its input is the sentences that name a contact
(``app.search.mentions``, stored as ``Mention`` rows with their nearest topic) and the contact's
name and title, its output one ``FieldSuggestion`` per field and value, each citing the notes
and sentences it was read from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from app.search.topics import Classification
from app.taxonomy import TOPIC_BY_NAME

FieldName = Literal[
    "roles", "degree", "mode", "rating", "key_win_result", "hot_buttons", "cold_buttons"
]
FIELDS: tuple[FieldName, ...] = (
    "roles",
    "degree",
    "mode",
    "rating",
    "key_win_result",
    "hot_buttons",
    "cold_buttons",
)
ROLES = ("economic", "technical", "user", "coach")
DEGREES = ("high", "medium", "low")
MODES = ("growth", "trouble", "even_keel", "overconfident")


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    title: str | None = None


@dataclass(frozen=True)
class Sentence:
    """A sentence of a note that names ``contact_id`` (one ``Mention`` row)."""

    contact_id: int
    note_id: int
    text: str
    observed_at: datetime
    topic: str | None = None  # nearest fine topic (``app.taxonomy``), when embedded
    score: float = 0.0
    named: int = 1  # how many contacts the sentence names


@dataclass(frozen=True)
class Citation:
    note_id: int
    sentence: str


@dataclass(frozen=True)
class FieldSuggestion:
    """One value of one field for one contact: ``roles``, ``hot_buttons`` and ``cold_buttons``
    hold one suggestion per value (a role, a phrase); the others at most one per contact."""

    contact_id: int
    field: FieldName
    value: str | int
    confidence: float  # 0..1
    evidence: tuple[Citation, ...]  # newest note first
    reason: str | None = None  # the mode's reason, in the writer's words


@dataclass
class _Votes:
    notes: dict[str, list[Citation]] = field(default_factory=lambda: defaultdict(list))
    strength: dict[str, float] = field(default_factory=lambda: defaultdict(float))


def suggest(people: Sequence[Person], sentences: Iterable[Sentence]) -> list[FieldSuggestion]:
    """The fields the sentences suggest for ``people``; ``sentences`` newest note first.

    Roles come from the sentence's nearest topic (a role topic close enough), one role per
    contact, the best-supported one."""
    votes: dict[int, _Votes] = defaultdict(_Votes)
    known = {p.id for p in people}
    for s in sentences:
        if s.contact_id not in known or s.named != 1 or s.topic not in TOPIC_BY_NAME:
            continue
        role = Classification(s.topic, s.score).role
        if role is None:
            continue
        entry = votes[s.contact_id]
        cited = entry.notes[role.value]
        if all(c.note_id != s.note_id for c in cited):
            cited.append(Citation(s.note_id, s.text))
        entry.strength[role.value] += s.score
    found = []
    for contact_id, entry in votes.items():
        best = max(entry.notes, key=lambda r: (len(entry.notes[r]), entry.strength[r]))
        total = sum(len(c) for c in entry.notes.values())
        found.append(
            FieldSuggestion(
                contact_id,
                "roles",
                best,
                round(len(entry.notes[best]) / total, 3),
                tuple(entry.notes[best]),
            )
        )
    return found
