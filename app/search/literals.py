"""The literal text a regular expression cannot match without: a cheap test before running it.

The influence suggester runs a few hundred cue patterns over every sentence that names a
contact, and most sentences hold none of them. ``required(pattern)`` reads the pattern's parse
tree and returns a set of strings, one of which every match contains ("owns the budget" needs
"budget"; "signs? off" needs "off"), so a sentence holding none of them is skipped without
running the pattern. This is the trigram prefilter of code search (Russ Cox, "Regular
Expression Matching with a Trigram Index"), kept to whole literals: no index, just ``in``.

Cases are folded (``fold``) on both sides, so a pattern compiled with ``re.IGNORECASE`` (or
without it) is never skipped on a sentence it matches. Lookarounds give no literal: a pattern
whose only literals are inside one is always run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import product
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

_MAX_SET = 64  # exact strings kept per node; past it the node only constrains
_MAX_CLASS = 8  # "[=:]" is two exact strings; a larger class is any character
# Under re.IGNORECASE "i" matches the dotless "ı", which ``str.casefold`` keeps apart.  # noqa: RUF003
_FOLDS = str.maketrans({"\u0131": "i"})


def fold(text: str) -> str:
    """``text`` as ``required``'s strings are written: case-folded."""
    return text.translate(_FOLDS).casefold()


@dataclass(frozen=True)
class _Info:
    exact: frozenset[str] | None  # every string the node matches, when few and known
    need: frozenset[str] | None  # one of these is in every match (None: no constraint)


def _need_of(exact: frozenset[str] | None) -> frozenset[str] | None:
    if not exact or "" in exact:
        return None
    return exact


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two constraints: longer shortest string, then fewer strings."""
    if a is None:
        return b
    if b is None:
        return a

    def rank(s: frozenset[str]) -> tuple[int, int]:
        return (min(map(len, s)), -len(s))

    return a if rank(a) >= rank(b) else b


def _sequence(items: Any) -> _Info:
    run: frozenset[str] | None = frozenset([""])
    need: frozenset[str] | None = None
    whole = True  # every item so far had exact strings
    for op, av in items:
        node = _node(op, av)
        if node.exact is not None and run is not None:
            joined = frozenset(a + b for a, b in product(run, node.exact))
            if len(joined) <= _MAX_SET:
                run = joined
                continue
        # the run of exact strings ends here: it is one constraint among the sequence's
        need = _better(need, _need_of(run))
        whole = False
        if node.exact is not None:
            run = node.exact
        else:
            need = _better(need, node.need)
            run = frozenset([""])
    need = _better(need, _need_of(run))
    return _Info(run if whole else None, need)


def _node(op: Any, av: Any) -> _Info:
    if op is sre.LITERAL:
        return _Info(frozenset([fold(chr(av))]), None)
    if op is sre.AT or op in (sre.ASSERT, sre.ASSERT_NOT):
        return _Info(frozenset([""]), None)
    if op is sre.IN:
        if len(av) <= _MAX_CLASS and all(kind is sre.LITERAL for kind, _ in av):
            return _Info(frozenset(fold(chr(c)) for _, c in av), None)
        return _Info(None, None)
    if op is sre.SUBPATTERN:
        return _sequence(av[-1])
    if op is getattr(sre, "ATOMIC_GROUP", None):
        return _sequence(av)
    if op is sre.BRANCH:
        branches = [_sequence(b) for b in av[1]]
        exact: frozenset[str] | None = None
        if all(b.exact is not None for b in branches):
            exact = frozenset().union(*(b.exact for b in branches if b.exact is not None))
            if len(exact) > _MAX_SET:
                exact = None
        needs = [_need_of(b.exact) if b.exact is not None else b.need for b in branches]
        if any(n is None for n in needs):
            return _Info(exact, None)
        return _Info(exact, frozenset().union(*(n for n in needs if n is not None)))
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", None)):
        low, high, body = av
        sub = _sequence(body)
        if low == 0:
            if high == 1 and sub.exact is not None:
                return _Info(sub.exact | {""}, None)
            return _Info(None, None)
        if low == high == 1:
            return sub
        return _Info(None, _need_of(sub.exact) if sub.exact is not None else sub.need)
    return _Info(None, None)  # any character, a class, a back-reference


def required(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Strings (folded by ``fold``), one of which every match of ``pattern`` contains; None
    when the pattern needs no literal (it must always run)."""
    top = _sequence(sre_parse.parse(pattern.pattern, pattern.flags))
    need = _need_of(top.exact) if top.exact is not None else top.need
    return need


class LiteralIndex:
    """Which of many literals a text holds, in one scan: a regular expression shaped as a trie
    of the literals finds, at each position, the longest one starting there, and the shorter
    literals that start there are its prefixes. Checking a thousand literals one by one costs
    ten times as much."""

    def __init__(self, literals: frozenset[str]) -> None:
        root: dict[str, Any] = {}
        for literal in literals:
            node = root
            for char in literal:
                node = node.setdefault(char, {})
            node[""] = {}  # a literal ends here
        self._scan = re.compile(f"(?=({_render(root)}))", re.DOTALL)
        self._prefixes = {
            literal: frozenset(
                literal[:end] for end in range(1, len(literal) + 1) if literal[:end] in literals
            )
            for literal in literals
        }

    def present(self, folded: str) -> set[str]:
        """The literals ``folded`` holds."""
        found: set[str] = set()
        for match in self._scan.finditer(folded):
            if match.group(1):
                found |= self._prefixes[match.group(1)]
        return found


def _render(node: dict[str, Any]) -> str:
    branches = [re.escape(char) + _render(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
    # greedy: the longer literal first, so that each position yields the longest
    return f"(?:{body})?" if "" in node else body
