"""Which sensitive categories a note states about a person.

The special categories of GDPR Art. 9 and the criminal data of Art. 10 are always detected;
``family`` and ``financial_distress`` are a second list a deployment turns on. A category is
found when one of its patterns (word forms and short phrases, see ``patterns.py``) matches and
no veto of the same category covers the match: vetoes hold the business senses ("healthcare
vertical", "office politics", "union with the parent company", "criminally low") that reps
write far more often than the personal ones.

Patterns rather than a model or a library: the detector runs on every capture, bulk imports
included, so it must be cheap and give the same answer every time, and no maintained library
covers these categories in sales English (PII tools find names and numbers, not a buyer's
chemotherapy or union card). Its quality is measured on a labelled set,
``scripts/sensitive_eval.py``, which also times it (about 0.1 ms for a typical 60-word note;
the first call builds the rules, about half a second, so an app may call it once at start-up).
Two things keep it cheap: one scan for the words each alternative of the patterns needs
(``literals.py``) leaves only the few alternatives a note could match, and those run on the
lower-cased note without ``re.IGNORECASE``.

Negation is deliberately not an exception: "she is not religious" still tells a reader
something about her beliefs, and a data-protection officer wants it kept narrow too.
"""

from __future__ import annotations

import difflib
import functools
import re
import string
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from app.privacy import patterns
from app.privacy.literals import required_literals, split_alternatives, trie_pattern, words_only

HEALTH = "health"
RELIGION = "religion"
POLITICS = "politics"
SEXUAL_ORIENTATION = "sexual_orientation"
ETHNICITY = "ethnicity"
TRADE_UNION = "trade_union"
CRIMINAL = "criminal"
FAMILY = "family"
FINANCIAL_DISTRESS = "financial_distress"

SPECIAL_CATEGORIES: tuple[str, ...] = (
    HEALTH,
    RELIGION,
    POLITICS,
    SEXUAL_ORIENTATION,
    ETHNICITY,
    TRADE_UNION,
    CRIMINAL,
)
OPTIONAL_CATEGORIES: tuple[str, ...] = (FAMILY, FINANCIAL_DISTRESS)
# Results and reports follow this order, whatever order the patterns matched in.
ALL_CATEGORIES: tuple[str, ...] = SPECIAL_CATEGORIES + OPTIONAL_CATEGORIES
DEFAULT_CATEGORIES: frozenset[str] = frozenset(SPECIAL_CATEGORIES)


class UnknownCategory(ValueError):
    """A category name that the detector does not know."""


@dataclass(frozen=True, slots=True)
class _Finding:
    """Alternatives of a category's patterns compiled together: one alone, or all of them.

    Most run on the lower-cased note without ``re.IGNORECASE``, which lets ``re`` reject an
    alternative on its first letter and is twice as fast; those with a case-sensitive part
    ("Labour", "Black") run case-insensitively on the note as written.
    """

    category: str
    source: str
    pattern: re.Pattern[str]
    cased: bool

    def spans(self, text: str, lowered: str) -> Iterator[tuple[int, int]]:
        for match in self.pattern.finditer(text if self.cased else lowered):
            yield match.span()


# Past this many candidate alternatives in one category, one pass of all its patterns together
# is cheaper than one pass for each.
_MAX_SEPARATE_PASSES = 3


@dataclass(frozen=True, slots=True)
class _Rules:
    # (category, alternative) for every alternative of every category's patterns; each is
    # compiled the first time a note could match it.
    sources: tuple[tuple[str, str], ...]
    vetoes: dict[str, tuple[_Finding, ...]]
    # The words each alternative cannot match without (``literals.py``). One scan for them
    # tells which few alternatives a note could match at all; only those run. Nearly all of
    # the words begin a word, and one scan from each space finds them; the rest are looked up
    # one by one.
    word_starts: re.Pattern[str]
    inside_words: tuple[tuple[str, frozenset[int]], ...]
    alternatives_of: dict[str, frozenset[int]]
    compiled: dict[int, _Finding] = field(default_factory=dict)

    def alternative(self, index: int) -> _Finding:
        if index not in self.compiled:
            category, source = self.sources[index]
            self.compiled[index] = _compile(category, [source])
        return self.compiled[index]

    def candidates(self, lowered: str) -> set[int]:
        """The alternatives (indices into ``sources``) whose words ``lowered`` contains."""
        words = words_only(lowered)
        found: set[int] = set()
        for match in self.word_starts.finditer(words):
            # The scan reports the longest literal after a space; the shorter ones found there
            # are its prefixes.
            longest = match.group(1)
            for end in range(1, len(longest) + 1):
                found.update(self.alternatives_of.get(" " + longest[:end], ()))
        for literal, indices in self.inside_words:
            if literal in words:
                found.update(indices)
        return found


# An alternative starts a word, or starts with the apostrophe of "'s" ("she's straight").
_START = r"(?:(?<!\w)|(?='))"


def _compile(category: str, alternatives: list[str]) -> _Finding:
    cased = any("(?-i:" in alternative for alternative in alternatives)
    for alternative in alternatives:
        if not cased and any(char.isupper() for char in re.sub(r"\\.", "", alternative)):
            # It would run on lower-cased text and never match.
            raise ValueError(f"upper case outside (?-i:...) in {alternative!r}")
    source = "|".join(f"(?:{alternative})" for alternative in alternatives)
    pattern = re.compile(rf"{_START}(?:{source})(?!\w)", re.IGNORECASE if cased else 0)
    return _Finding(category, source, pattern, cased)


@functools.cache
def _all_of(category: str) -> tuple[_Finding, ...]:
    """Every alternative of ``category`` in one pattern (two: as written and lower-cased)."""
    return _together(category, patterns.FOUND[category])


def _together(category: str, entries: Iterable[str]) -> tuple[_Finding, ...]:
    alternatives = [alternative for entry in entries for alternative in split_alternatives(entry)]
    plain = [alternative for alternative in alternatives if "(?-i:" not in alternative]
    cased = [alternative for alternative in alternatives if "(?-i:" in alternative]
    return tuple(_compile(category, group) for group in (plain, cased) if group)


@functools.cache
def _rules() -> _Rules:
    # Built on first use, not at import: importing the app costs nothing for it.
    sources = [
        (category, alternative)
        for category in ALL_CATEGORIES
        for entry in patterns.FOUND[category]
        for alternative in split_alternatives(entry)
    ]
    alternatives_of: dict[str, set[int]] = {}
    for index, (_, alternative) in enumerate(sources):
        for literal in required_literals(alternative):
            alternatives_of.setdefault(literal, set()).add(index)
    starting = [literal[1:] for literal in alternatives_of if literal.startswith(" ")]
    return _Rules(
        sources=tuple(sources),
        vetoes={
            category: _together(category, patterns.VETOED.get(category, ()))
            for category in ALL_CATEGORIES
        },
        word_starts=re.compile(f" (?=({trie_pattern(starting)}))"),
        inside_words=tuple(
            (literal, frozenset(indices))
            for literal, indices in sorted(alternatives_of.items())
            if not literal.startswith(" ")
        ),
        alternatives_of={
            literal: frozenset(indices) for literal, indices in alternatives_of.items()
        },
    )


# Curly quotes from phones and word processors would otherwise defeat every "'s" pattern.
_PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_COMBINING_MARKS = re.compile("[\u0300-\u036f]+")


def _plain(text: str) -> str:
    text = text.translate(_PUNCTUATION)
    if text.isascii():
        return text
    # "Māori", "Tomás" and "fiancée" are written both ways: match them without their accents.
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text))


def detect(text: str, *, categories: frozenset[str] = DEFAULT_CATEGORIES) -> list[str]:
    """The sensitive categories among ``categories`` that ``text`` states, in ALL_CATEGORIES order.

    Deterministic and pure: the same text and categories always give the same list.
    """
    _check(categories)
    rules = _rules()
    normalised = " ".join(_plain(text).split())
    lowered = normalised.lower()
    if len(lowered) != len(normalised):
        # A few characters lower-case to two ("İ"): spans must line up between the two texts.
        lowered = normalised.translate(_ASCII_LOWER)
    candidates: dict[str, list[_Finding]] = {}
    for index in sorted(rules.candidates(lowered)):
        category = rules.sources[index][0]
        if category in categories:
            candidates.setdefault(category, []).append(rules.alternative(index))
    return [
        category
        for category in ALL_CATEGORIES
        if category in candidates
        and _states(
            candidates[category]
            if len(candidates[category]) <= _MAX_SEPARATE_PASSES
            else _all_of(category),
            rules.vetoes[category],
            normalised,
            lowered,
        )
    ]


def _states(
    findings: Iterable[_Finding], vetoes: Iterable[_Finding], text: str, lowered: str
) -> bool:
    vetoed: list[tuple[int, int]] | None = None
    for finding in findings:
        for start, end in finding.spans(text, lowered):
            if vetoed is None:
                # Only computed for the few notes where a finding matched.
                vetoed = [span for veto in vetoes for span in veto.spans(text, lowered)]
            if not any(v_start <= start and end <= v_end for v_start, v_end in vetoed):
                return True
    return False


def parse_categories(value: str) -> frozenset[str]:
    """The categories to detect, from a setting such as ``"family, financial_distress"``.

    The special categories are always included: they are defined by law, so a setting can add
    the second list but never switch them off. Names are case-insensitive; an empty value means
    the special categories alone. An unknown name raises ``UnknownCategory`` naming it, the
    nearest known name and every valid one.
    """
    names = [name.strip().lower() for name in value.split(",")]
    _check(name for name in names if name)
    return DEFAULT_CATEGORIES | {name for name in names if name}


def _check(names: Iterable[str]) -> None:
    for name in names:
        if name not in ALL_CATEGORIES:
            close = difflib.get_close_matches(name, ALL_CATEGORIES, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise UnknownCategory(
                f"unknown sensitive category {name!r}{hint}; "
                f"known categories: {', '.join(ALL_CATEGORIES)}"
            )
