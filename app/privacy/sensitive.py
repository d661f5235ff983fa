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
``scripts/sensitive_eval.py``.

Negation is deliberately not an exception: "she is not religious" still tells a reader
something about her beliefs, and a data-protection officer wants it kept narrow too.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from app.privacy import patterns

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
class _Rule:
    found: re.Pattern[str]
    vetoed: re.Pattern[str] | None


def _compile(alternatives: Iterable[str]) -> re.Pattern[str]:
    # Lookarounds rather than \b, so that an alternative may begin or end with punctuation
    # ("teachers' union") and still not match inside a longer word.
    body = "|".join(f"(?:{alternative})" for alternative in alternatives)
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)", re.IGNORECASE)


@functools.cache
def _rules() -> dict[str, _Rule]:
    # Compiled on first use, not at import: importing the app costs nothing for it.
    return {
        category: _Rule(
            found=_compile(patterns.FOUND[category]),
            vetoed=_compile(patterns.VETOED[category]) if patterns.VETOED.get(category) else None,
        )
        for category in ALL_CATEGORIES
    }


# Curly quotes from phones and word processors would otherwise defeat every "'s" pattern.
_PUNCTUATION = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})


def detect(text: str, *, categories: frozenset[str] = DEFAULT_CATEGORIES) -> list[str]:
    """The sensitive categories among ``categories`` that ``text`` states, in ALL_CATEGORIES order.

    Deterministic and pure: the same text and categories always give the same list.
    """
    _check(categories)
    rules = _rules()
    normalised = " ".join(text.translate(_PUNCTUATION).split())
    return [
        category
        for category in ALL_CATEGORIES
        if category in categories and _states(rules[category], normalised)
    ]


def _states(rule: _Rule, text: str) -> bool:
    vetoes: list[tuple[int, int]] | None = None
    for match in rule.found.finditer(text):
        if rule.vetoed is None:
            return True
        if vetoes is None:
            # Only computed for the few notes that match at all.
            vetoes = [veto.span() for veto in rule.vetoed.finditer(text)]
        start, end = match.span()
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
