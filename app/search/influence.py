"""Reading a buying influence from the sentences colleagues wrote about one person.

The influence map (``app.domain.influence``) keeps, per contact, the Blue Sheet's fields: the
buying roles, the degree of influence, the mode, the rating, what the person personally wants
and their hot and cold buttons. Every field can be suggested from notes; this module reads the
suggestions, pure and without a database: its input is the sentences that name a contact
(``app.search.mentions``, stored as ``Mention`` rows with their nearest topic) and the contact's
name and title, its output one ``FieldSuggestion`` per field and value, each citing the notes
and sentences it was read from.

How: a suggestion needs a cue, a phrase sellers use for that field ("owns the budget", "our
inside guide", "hates surprise fees": ``app.search.influence_cues`` and ``influence_traits``),
said of that very person (``app.search.influence_text``): the sentence's subject, or the slot
the cue names ("EB = Meg"), not denied ("does not sign") nor said with doubt ("might be the
EB?"). The sentence's nearest topic, which alone suggested roles before, generalised poorly to
other writers (precision 0.65 on an unseen set): it only backs a role that a cue already reads
("Meg approves it" reads economic only when the sentence is about budget). Without a cue,
nothing is suggested. A person who left their post ("Former CFO", "Rosa resigned") keeps their
buttons but no role, degree or mode.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal

from app.search import influence_learned
from app.search import influence_text as text
from app.search.influence_cues import DECISION, ROLE_CUES, SIGN_OFF, Cue, resolve_sign_off
from app.search.influence_read import Reading, aggregate, content_words
from app.search.influence_traits import TRAIT_CUES
from app.search.literals import LiteralIndex, fold
from app.search.mentions import Person as MentionPerson
from app.search.mentions import departures, name_patterns, writes_lowercase

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
    # each role's probability from the learned classifiers (``influence_learned``), when scored
    roles: Mapping[str, float] | None = None


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


CUES: tuple[Cue, ...] = (*ROLE_CUES, *TRAIT_CUES)
# A cue that names its holder after it ("EB = Meg") is not also said of the subject before it.
_POINTS_AT = re.compile(rf"\s*(?:=|:|->|→|is|will be|-)\s*{text.PERSON}")
# Words that, after an imperative's verb, are only the way the thing to avoid is raised.
_RAISING = re.compile(
    r"^(?:mention(?:ing)?|bring(?:ing)? up|rais(?:e|ing)|talk(?:ing)? (?:about|abt)|"
    r"jok(?:e|ing) (?:about|abt)|ask(?:ing)? (?:about|abt)|discuss(?:ing)?)\s+",
    re.IGNORECASE,
)
_OBJECT = re.compile(r"\b(?:him|her|them)\b", re.IGNORECASE)
# What a colleague shows or proposes: liking it is a stance on us, not a button.
_GENERIC = frozenset(
    [
        "idea",
        "ideas",
        "concept",
        "demo",
        "demos",
        "product",
        "products",
        "tool",
        "tools",
        "proposal",
        "proposals",
        "plan",
        "plans",
        "approach",
        "pitch",
        "solution",
        "solutions",
        "system",
        "app",
        "platform",
        "software",
        "deck",
        "presentation",
        "meeting",
        "call",
        "calls",
        "vendor",
        "vendors",
    ]
)
_TRAILING = re.compile(r"(?:\s+(?:w/|with|around|to|for|near|in front of|on|at|about))+$")
_ITEM = re.compile(r"[^,;/&+]+?(?=\s*(?:,|;|/|&|\+|\band\b|$))")
_LISTED = re.compile(
    r"(?:hot|cold) buttons?|pet peeves?|turn[- ]?offs?|priorities|likes|avoid", re.IGNORECASE
)


def suggest(
    people: Sequence[Person],
    sentences: Iterable[Sentence],
    *,
    learned_threshold: float | None = None,
) -> list[FieldSuggestion]:
    """The fields the sentences suggest for ``people``; ``sentences`` newest note first.

    ``people`` should be every contact of the account, so that a sentence naming two of them
    gives each only what it says of them. A role the cues say nothing of is also read from a
    sentence's learned role scores (``Sentence.roles``) at ``learned_threshold`` (default: the
    one shipped with the weights; above 1: never)."""
    if learned_threshold is None:
        model = influence_learned.load()
        learned_threshold = model.threshold if model is not None else 2.0
    learned: list[Reading] = []
    mention_people = [MentionPerson(p.id, p.name, p.title) for p in people]
    # a sentence in lower case names people in lower case ("gary signed himself")
    by_case = {case: name_patterns(mention_people, lowercase=case) for case in (False, True)}
    by_id = {p.id: p for p in people}
    readings: list[Reading] = []
    left: dict[int, datetime | None] = {}
    for s in sentences:
        person = by_id.get(s.contact_id)
        if person is None or text.is_attendee_list(s.text):
            continue
        if s.contact_id in departures(s.text, mention_people) and s.contact_id not in left:
            left[s.contact_id] = s.observed_at  # newest first: the last time they left
        patterns = by_case[writes_lowercase(s.text)]
        readings += read_sentence(s, text.mark(s.text, patterns, s.contact_id))
        learned += influence_learned.read_learned(
            contact_id=s.contact_id,
            note_id=s.note_id,
            sentence=s.text,
            observed_at=s.observed_at,
            scores=s.roles,
            named=s.named,
            threshold=learned_threshold,
        )
    readings += influence_learned.beside_cues(learned, readings)
    for contact_id, person in by_id.items():
        if (person.title or "").strip().lower().startswith("former"):
            left[contact_id] = None
    return [
        FieldSuggestion(
            r.contact_id,
            r.field,
            r.value,
            r.confidence,
            tuple(Citation(c.note_id, c.sentence) for c in r.citations),
            r.reason,
        )
        for r in aggregate(readings, left)
    ]


def read_sentence(s: Sentence, marked: text.Marked) -> list[Reading]:
    """Every cue of one sentence said of ``s.contact_id``. A sentence naming three or more
    people (a roster: "EB Helena, TB Owen, coach Jonah") is read only where a cue names its
    person."""
    found: list[Reading] = []
    hedged = text.hedged(s.text)
    for cue in _CueIndex.of(CUES).may_match(marked.text):
        if s.named > 2 and not cue.slotted:
            continue
        for match in cue.pattern.finditer(marked.text):
            holder, subject_end = _holder(cue, marked, match, s)
            if holder != s.contact_id:
                continue
            if cue.field in ("roles", "degree", "mode") and hedged:
                continue
            denied = cue.negatable and text.negated(marked.text, match.start(), subject_end)
            if denied and cue.field != "roles":
                continue  # only a denied role is evidence (against it); "not a fan" is no button
            values = _values(cue, marked, match, s.contact_id)
            if cue.value in (SIGN_OFF, DECISION):
                left, right = text.clause_around(marked.text, match.start(), match.end())
                governed = marked.text[match.end() : min(right, match.end() + 40)]
                role = resolve_sign_off(marked.text[left:right], governed)
                if cue.value == DECISION:
                    role = role or "economic"  # "that's her call": the buying decision
                values = [role] if role else []
            for value in values:
                found.append(
                    Reading(
                        contact_id=s.contact_id,
                        field=cue.field,
                        value=value,
                        strength=cue.strength,
                        denied=denied,
                        note_id=s.note_id,
                        sentence=s.text,
                        observed_at=s.observed_at,
                        topic=s.topic,
                        score=s.score,
                        reason=_reason(cue, marked, match),
                    )
                )
    return found


class _CueIndex:
    """The cues whose literals (``Cue.literals``) a sentence holds, in their order: the others
    cannot match it, and running a few hundred patterns on every sentence made the brief slow."""

    _built: ClassVar[list[_CueIndex]] = []

    def __init__(self, cues: tuple[Cue, ...]) -> None:
        self.cues = cues
        self._always = [i for i, cue in enumerate(cues) if cue.literals is None]
        self._by_literal: dict[str, list[int]] = {}
        for i, cue in enumerate(cues):
            for literal in cue.literals or ():
                self._by_literal.setdefault(literal, []).append(i)
        self._literals = LiteralIndex(frozenset(self._by_literal))

    @classmethod
    def of(cls, cues: tuple[Cue, ...]) -> _CueIndex:
        """Built once for the cues in use (a measurement may leave some out)."""
        if not cls._built or cls._built[0].cues is not cues:
            cls._built[:] = [cls(cues)]
        return cls._built[0]

    def may_match(self, text: str) -> list[Cue]:
        found = set(self._always)
        for literal in self._literals.present(fold(text)):
            found.update(self._by_literal[literal])
        return [self.cues[i] for i in sorted(found)]


def _holder(
    cue: Cue, marked: text.Marked, match: re.Match[str], s: Sentence
) -> tuple[int | None, int | None]:
    """Who the cue is said of, and where that person's marker ends (for the negation)."""
    sole = s.contact_id if marked.people() <= {s.contact_id} and s.named == 1 else None
    if cue.slotted:
        who = match.group("who")
        if who is None:  # "his review": the one person the sentence is about
            return sole, None
        found = text.MARKER.fullmatch(who)
        holder = int(found.group(1)) if found else None
        # a label over a list: "TB: Hassan (security) + Bill (ARB)", "Users: Rafael and Ana"
        if (
            holder != s.contact_id
            and match.end("who") == match.end()
            and s.contact_id in text.listed_after(marked.text, match.end())
        ):
            return s.contact_id, None
        return holder, None
    if cue.imperative:
        return sole, None
    if _POINTS_AT.match(marked.text, match.end()):
        return None, None
    holder = text.subject_before(marked.text, match.start())
    if holder is None:
        return None, None
    last = list(text.MARKER.finditer(marked.text, 0, match.start()))[-1]
    return holder, last.end()


def _values(cue: Cue, marked: text.Marked, match: re.Match[str], holder: int) -> list[str | int]:
    if not cue.extracts:
        return [cue.value]
    if "phrase" in cue.pattern.groupindex:
        start, end = match.span("phrase")
    else:
        start, end = match.end(), len(marked.text)
    if _LISTED.search(marked.text[max(0, match.start() - 20) : match.end()]):
        # "Hot buttons for Jo: audit readiness, fewer overtime hours": one button each
        spans = [
            (start + m.start(), start + m.end()) for m in _ITEM.finditer(marked.text[start:end])
        ]
    elif "phrase" in cue.pattern.groupindex:
        spans = [(start, end)]
    else:
        spans = [(start, -1)]
    found: list[str | int] = []
    for a, b in spans:
        if b == -1:
            item = text.phrase(marked, a, holder=holder)
        else:
            item = text.phrase(marked, a, end=b, before=b < match.end(), holder=holder)
        item = _TRAILING.sub("", _RAISING.sub("", item or "")).strip()
        if _says_something(cue, item) and item not in found:
            found.append(item)
    return found


def _says_something(cue: Cue, item: str) -> bool:
    """Whether a button names a thing: not "him", "it all", "the idea" or "the demo" (a word
    on us, not on what moves them), nor an imperative's bare verb ("don't push him")."""
    words = content_words(_OBJECT.sub("", item))
    if cue.field in ("hot_buttons", "cold_buttons") and words <= _GENERIC:
        return False
    if cue.imperative:
        return bool(content_words(" ".join(_OBJECT.sub("", item).split()[1:])))
    return bool(words)


def _reason(cue: Cue, marked: text.Marked, match: re.Match[str]) -> str | None:
    if cue.field != "mode":
        return None
    left, right = text.clause_around(marked.text, match.start(), match.end())
    return marked.unmark(marked.text[left:right]).strip(" ,-\u2013\u2014") or None
