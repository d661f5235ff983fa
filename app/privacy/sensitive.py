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
``scripts/sensitive_eval.py``, which also times it (about 0.1 ms for a typical 60-word note).
Two things keep it cheap: one scan for the words each category's patterns need
(``literals.py``) rules out most categories before any of their patterns run, and the patterns
run on the lower-cased note without ``re.IGNORECASE``.

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
from dataclasses import dataclass

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
class _Matcher:
    """A category's patterns, split by whether they need the note's own case.

    Most run on the lower-cased note without ``re.IGNORECASE``, which lets ``re`` skip a
    pattern's alternatives on their first letter and is twice as fast; the few with a
    case-sensitive part ("Labour", "Black") run case-insensitively on the note as written.
    """

    plain: re.Pattern[str] | None
    cased: re.Pattern[str] | None

    def spans(self, text: str, lowered: str) -> Iterator[tuple[int, int]]:
        if self.plain is not None:
            yield from (match.span() for match in self.plain.finditer(lowered))
        if self.cased is not None:
            yield from (match.span() for match in self.cased.finditer(text))


@dataclass(frozen=True, slots=True)
class _Rule:
    found: _Matcher
    vetoed: _Matcher | None


@dataclass(frozen=True, slots=True)
class _Rules:
    by_category: dict[str, _Rule]
    # The words some pattern of a category cannot match without (``literals.py``): most
    # notes contain none of a category's words, and its patterns are never run on them. Nearly
    # all begin a word, and one scan from each space finds them; the rest are looked up one by
    # one.
    word_starts: re.Pattern[str]
    inside_words: tuple[tuple[str, frozenset[str]], ...]
    categories_of: dict[str, frozenset[str]]

    def candidates(self, text: str) -> set[str]:
        """The categories ``text`` could state, judged by their words alone."""
        words = words_only(text)
        found: set[str] = set()
        for match in self.word_starts.finditer(words):
            # The scan reports the longest literal after a space; the shorter ones found there
            # are its prefixes.
            longest = match.group(1)
            for end in range(1, len(longest) + 1):
                found.update(self.categories_of.get(" " + longest[:end], ()))
        for literal, categories in self.inside_words:
            if literal in words:
                found.update(categories)
        return found


# An alternative starts a word, or starts with the apostrophe of "'s" ("she's straight").
_START = r"(?:(?<!\w)|(?='))"


def _matcher(entries: Iterable[str]) -> _Matcher:
    alternatives = [alternative for entry in entries for alternative in split_alternatives(entry)]
    plain = [alternative for alternative in alternatives if "(?-i:" not in alternative]
    cased = [alternative for alternative in alternatives if "(?-i:" in alternative]
    for alternative in plain:
        if any(char.isupper() for char in re.sub(r"\\.", "", alternative)):
            # It would run on lower-cased text and never match.
            raise ValueError(f"upper case outside (?-i:...) in {alternative!r}")
    return _Matcher(plain=_compile(plain, 0), cased=_compile(cased, re.IGNORECASE))


def _compile(alternatives: list[str], flags: int) -> re.Pattern[str] | None:
    if not alternatives:
        return None
    body = "|".join(f"(?:{alternative})" for alternative in alternatives)
    return re.compile(rf"{_START}(?:{body})(?!\w)", flags)


@functools.cache
def _rules() -> _Rules:
    # Built on first use, not at import: importing the app costs nothing for it.
    categories_of: dict[str, set[str]] = {}
    for category in ALL_CATEGORIES:
        for entry in patterns.FOUND[category]:
            for alternative in split_alternatives(entry):
                for literal in required_literals(alternative):
                    categories_of.setdefault(literal, set()).add(category)
    return _Rules(
        by_category={
            category: _Rule(
                found=_matcher(patterns.FOUND[category]),
                vetoed=_matcher(patterns.VETOED[category])
                if patterns.VETOED.get(category)
                else None,
            )
            for category in ALL_CATEGORIES
        },
        word_starts=re.compile(
            f" (?=({trie_pattern(lit[1:] for lit in categories_of if lit.startswith(' '))}))"
        ),
        inside_words=tuple(
            (literal, frozenset(owners))
            for literal, owners in sorted(categories_of.items())
            if not literal.startswith(" ")
        ),
        categories_of={literal: frozenset(owners) for literal, owners in categories_of.items()},
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
    candidates = rules.candidates(lowered)
    return [
        category
        for category in ALL_CATEGORIES
        if category in categories
        and category in candidates
        and _states(rules.by_category[category], normalised, lowered)
    ]


def _states(rule: _Rule, text: str, lowered: str) -> bool:
    vetoes: list[tuple[int, int]] | None = None
    for start, end in rule.found.spans(text, lowered):
        if rule.vetoed is None:
            return True
        if vetoes is None:
            # Only computed for the few notes that match at all.
            vetoes = list(rule.vetoed.spans(text, lowered))
        if not any(v_start <= start and end <= v_end for v_start, v_end in vetoes):
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
