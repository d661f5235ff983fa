"""From the cues read in single sentences to one suggestion per field and value.

Each sentence gives ``Reading``s (``app.search.influence.read_sentence``); here they are
weighed per contact and field, newest note first:

- a role is suggested when its newest reading affirms it ("no longer the EB" after "owns the
  budget" is no suggestion), its confidence growing with the notes that say it;
- degree, mode, rating and win result take the newest note's word, with the notes that agree
  as evidence;
- buttons are grouped by their content words, so "surprise fees" and "hates surprise fees on
  renewals" are one cold button cited twice.

A person who left their post keeps no role, degree or mode read before they left.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from app.search.influence_cues import Field

_WORD = re.compile(r"[a-z0-9$£€%][a-z0-9$£€%'\u2019&+-]*")
STOPWORDS = frozenset(
    (
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "at",
        "for",
        "with",
        "w/",
        "by",
        "from",
        "as",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "their",
        "his",
        "her",
        "our",
        "my",
        "your",
        "them",
        "him",
        "she",
        "he",
        "they",
        "we",
        "i",
        "you",
        "us",
        "me",
        "about",
        "abt",
        "over",
        "into",
        "out",
        "up",
        "down",
        "than",
        "then",
        "so",
        "very",
        "really",
        "just",
        "also",
        "any",
        "all",
        "some",
        "more",
        "most",
        "when",
        "if",
        "not",
        "no",
        "but",
        "too",
        "who",
        "whom",
        "what",
        "which",
        "whose",
        "anyone",
        "anything",
        "everything",
        "something",
        "nothing",
        "everyone",
        "someone",
        "one",
        "thing",
        "things",
    )
)


def content_words(phrase: str) -> set[str]:
    """The words of ``phrase`` that carry its meaning (lower case, no function words)."""
    words = {w.strip("'\u2019-") for w in _WORD.findall(phrase.lower())}
    return {w.removesuffix("'s").removesuffix("\u2019s") for w in words if w and w not in STOPWORDS}


def same_phrase(a: str, b: str) -> bool:
    """Whether two phrases share at least half of the content words of the shorter one."""
    wa, wb = content_words(a), content_words(b)
    shorter = min(len(wa), len(wb))
    return shorter > 0 and len(wa & wb) * 2 >= shorter


@dataclass(frozen=True)
class Reading:
    """One cue, in one sentence, said of one contact."""

    contact_id: int
    field: Field
    value: str | int
    strength: float
    denied: bool
    note_id: int
    sentence: str
    observed_at: datetime
    topic: str | None = None
    score: float = 0.0
    reason: str | None = None


@dataclass(frozen=True)
class Cited:
    note_id: int
    sentence: str


@dataclass(frozen=True)
class Weighed:
    contact_id: int
    field: Field
    value: str | int
    confidence: float
    citations: tuple[Cited, ...]
    reason: str | None = None


_LASTING = ("hot_buttons", "cold_buttons", "key_win_result", "rating")


def aggregate(readings: Iterable[Reading], left: Mapping[int, datetime | None]) -> list[Weighed]:
    """One suggestion per contact, field and value (one value for the single-valued fields).
    ``left``: the contacts who left their post, and when (``None``: whenever it was)."""
    groups: dict[tuple[int, Field], list[Reading]] = defaultdict(list)
    for r in readings:
        if r.contact_id in left and r.field not in _LASTING:
            gone = left[r.contact_id]
            if gone is None or r.observed_at <= gone:
                continue
        groups[(r.contact_id, r.field)].append(r)
    found: list[Weighed] = []
    for (contact_id, field), group in sorted(groups.items(), key=lambda g: g[0]):
        if field == "roles" and (contact_id, "degree") not in groups:
            found += _degree_of_economic_buyer(contact_id, group)
        group.sort(key=lambda r: (r.observed_at, r.note_id), reverse=True)
        if field == "roles":
            found += _roles(contact_id, group)
        elif field in ("hot_buttons", "cold_buttons"):
            found += _buttons(contact_id, field, group)
        else:
            found += _newest(contact_id, field, group)
    return found


def _cited(group: Iterable[Reading]) -> tuple[Cited, ...]:
    seen: dict[int, Cited] = {}
    for r in group:
        seen.setdefault(r.note_id, Cited(r.note_id, r.sentence))
    return tuple(seen.values())


def _confidence(notes: int, strength: float) -> float:
    return round(min(0.99, 1.0 - float(0.5 ** (notes * strength))), 3)


def _roles(contact_id: int, group: list[Reading]) -> list[Weighed]:
    by_role: dict[str | int, list[Reading]] = defaultdict(list)
    for r in group:
        by_role[r.value].append(r)
    found = []
    for role, said in by_role.items():
        if said[0].denied:
            continue  # the newest word on it denies it
        affirmed = [r for r in said if not r.denied]
        citations = _cited(affirmed)
        strength = max(r.strength for r in affirmed)
        found.append(
            Weighed(contact_id, "roles", role, _confidence(len(citations), strength), citations)
        )
    return found


def _degree_of_economic_buyer(contact_id: int, group: list[Reading]) -> list[Weighed]:
    """The economic buyer has the final say: a high degree of influence, on the same evidence,
    less sure than a word about the person's pull."""
    economic = [w for w in _roles(contact_id, group) if w.value == "economic"]
    return [
        Weighed(contact_id, "degree", "high", round(w.confidence * 0.8, 3), w.citations)
        for w in economic
    ]


def _newest(contact_id: int, field: Field, group: list[Reading]) -> list[Weighed]:
    newest = group[0]
    if field == "rating":
        # several cues in the newest note: their mean, rounded ("champion" and "supportive")
        same_note = [r.value for r in group if r.note_id == newest.note_id]
        value: str | int = round(sum(int(v) for v in same_note) / len(same_note))
        agree = [r for r in group if abs(int(r.value) - int(value)) <= 1]
    elif field == "key_win_result":
        value = newest.value
        agree = [r for r in group if same_phrase(str(r.value), str(value))]
    else:
        value = newest.value
        agree = [r for r in group if r.value == value]
    citations = _cited(agree)
    share = len(citations) / len(_cited(group))
    confidence = round(_confidence(len(citations), newest.strength) * share, 3)
    return [Weighed(contact_id, field, value, confidence, citations, newest.reason)]


def _buttons(contact_id: int, field: Field, group: list[Reading]) -> list[Weighed]:
    clusters: list[list[Reading]] = []
    for r in group:
        home = next((c for c in clusters if same_phrase(str(c[0].value), str(r.value))), None)
        if home is None:
            clusters.append([r])
        else:
            home.append(r)
    found = []
    for cluster in clusters:
        # the shortest wording of the newest sentence names it
        newest = [r for r in cluster if r.sentence == cluster[0].sentence]
        value = min((str(r.value) for r in newest), key=len)
        citations = _cited(cluster)
        found.append(Weighed(contact_id, field, value, _confidence(len(citations), 1.0), citations))
    return found
