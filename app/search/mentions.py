"""Finding the sentences of a note that name one of its account's contacts.

Notes name people the way colleagues talk: the full name once ("Jill Oyelaran (CFO)"), then the
first name ("Jill has final say"), sometimes the title alone ("the CFO wants..."). A first or
last name counts only when no other contact of the account shares it, and a title only when it
belongs to one current contact: a wrong attribution would put a fact on the wrong person.
A sentence naming three or more contacts is an attendee list, not a fact about anyone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")
_MAX_NAMED = 2
_MIN_CHARS = 12  # "call w/ Jill." says nothing about Jill
_TITLE_WORDS = 4
# "Rosa resigned as COO", "Wade has stepped down": the named person left their post...
_LEFT = (
    r"(?:\s+(?:has|had|just|recently|already|apparently|finally|officially))*\s+(?:resigned|left|"
    r"retired|departed|stepped down|moved on|is leaving|is retiring|is out|is gone|is no longer|"
    r"no longer|was (?:let go|laid off|replaced|fired|promoted|moved))\b"
)
# ...or someone took it: "Met Tariq (COO, replaced Rosa)", "took over from Wade".
_TOOK_FROM = (
    r"\b(?:replaced|replacing|replaces|succeeded|succeeding|successor to|took over from|"
    r"taking over from|in place of)\s+"
)
# A word of every sentence those two match, in lower case: lets SQL narrow the sentences that
# ``departures`` must read (``app.domain.retention``). Keep it in step with them.
DEPARTURE_WORDS = (
    "resign",
    "left",
    "retir",
    "depart",
    "stepped down",
    "moved",
    "leaving",
    "is out",
    "gone",
    "no longer",
    "let go",
    "laid off",
    "replac",
    "fired",
    "promoted",
    "succe",
    "took over",
    "taking over",
    "in place of",
)


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    title: str | None = None


@dataclass(frozen=True)
class SentenceMention:
    ordinal: int
    text: str
    contact_ids: tuple[int, ...]


def sentences(body: str) -> list[str]:
    return [s.strip(" -*•\t") for s in _SENTENCES.split(body) if s.strip(" -*•\t")]


def _patterns(people: Sequence[Person]) -> dict[int, re.Pattern[str]]:
    parts = [p.name.split() for p in people]
    firsts = Counter(words[0].lower() for words in parts if words)
    lasts = Counter(words[-1].lower() for words in parts if len(words) > 1)
    titles = Counter((p.title or "").strip().lower() for p in people)
    patterns: dict[int, re.Pattern[str]] = {}
    for person, words in zip(people, parts, strict=True):
        if not words:
            continue
        names = [re.escape(person.name.strip())]
        if firsts[words[0].lower()] == 1 and len(words[0]) > 2:
            names.append(re.escape(words[0]))
        if len(words) > 1 and lasts[words[-1].lower()] == 1 and len(words[-1]) > 2:
            names.append(re.escape(words[-1]))
        alternatives = [rf"\b(?:{'|'.join(names)})\b"]
        title = (person.title or "").strip()
        if (
            title
            and titles[title.lower()] == 1
            and len(title.split()) <= _TITLE_WORDS
            and not title.lower().startswith("former")
        ):
            # "the CFO", "our VP Finance": a title stands for its holder only with an article.
            alternatives.append(rf"\b(?i:the|their|our|new)\s+{re.escape(title)}\b")
        patterns[person.id] = re.compile("|".join(alternatives))
    return patterns


def departures(sentence: str, people: Sequence[Person]) -> set[int]:
    """The people ``sentence`` says have left their post. Only the one who left: in "Met Tariq
    (replaced Rosa)" Tariq's older notes still hold, Rosa's role is history."""
    return {
        pid
        for pid, pattern in _patterns(people).items()
        if re.search(rf"(?:{pattern.pattern}){_LEFT}|{_TOOK_FROM}(?:{pattern.pattern})", sentence)
    }


def find_mentions(body: str, people: Sequence[Person]) -> list[SentenceMention]:
    """The sentences of ``body`` that name one or two of ``people``, in order."""
    patterns = _patterns(people)
    found = []
    for ordinal, sentence in enumerate(sentences(body)):
        if len(sentence) < _MIN_CHARS:
            continue
        named = tuple(pid for pid, pattern in patterns.items() if pattern.search(sentence))
        if 0 < len(named) <= _MAX_NAMED:
            found.append(SentenceMention(ordinal, sentence[:1000], named))
    return found


def name_patterns(people: Sequence[Person]) -> dict[int, re.Pattern[str]]:
    """Per person, the pattern by which a sentence names them among ``people`` (the module's
    docstring says which forms count)."""
    return _patterns(people)
