"""The words a pattern cannot match without, for a prefilter that skips most patterns.

Python's ``re`` tries every alternative of a large pattern at every word of a note. One scan for
plain words first (``trie_pattern`` over every alternative's literals) tells ``detect`` which few
alternatives a note could match at all. This reads the subset of regular-expression syntax that
``patterns.py`` uses (literals, escapes, classes, groups, lookarounds, quantifiers, ``|``) and
refuses anything else, so that a pattern the prefilter would misjudge fails when the rules are
built instead of silently missing facts.

Both sides are compared in the form ``words_only`` gives: lower case, every run of other
characters one space, a space at each end. An alternative matches from a word boundary to a
word boundary, so a literal at either end of it is padded with a space: "son" is required as
`` son `` and is not found in "person".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# Beyond this many spellings, a run of literals is cut rather than multiplied out, and an
# alternation is no longer spelled out.
_MAX_SPELLINGS = 64
_MAX_ALTERNATIVES = 512
_NON_WORD = re.compile(r"[^a-z0-9]+")
_ESCAPED_LITERALS = set(".-'\\/()[]{}|?*+^$&,;: ")
_CHAR_CLASSES = set("wWsSdD")
_LOOKAROUNDS = ("?!", "?=", "?<!", "?<=")
_GROUPS = ("?:", "?-i:", "?i:")


class UnsupportedPattern(ValueError):
    """A pattern using syntax the prefilter does not read, or with no literal to look for."""


def words_only(text: str) -> str:
    """``text`` as the prefilter reads it (see the module's docstring)."""
    return f" {_NON_WORD.sub(' ', text.lower()).strip()} "


def split_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` (``a|(b|c)`` gives ``a`` and ``(b|c)``)."""
    parts, depth, start, index, in_class = [], 0, 0, 0, False
    while index < len(pattern):
        char = pattern[index]
        if char == "\\":
            index += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(pattern[start:index])
            start = index + 1
        index += 1
    parts.append(pattern[start:])
    return parts


def required_literals(alternative: str) -> frozenset[str]:
    """Strings one of which ``words_only(text)`` contains whenever ``alternative`` matches
    ``text`` from a word boundary to a word boundary."""
    parser = _Parser(alternative)
    nodes = parser.nodes()
    if parser.index != len(alternative):
        raise UnsupportedPattern(f"'|' or unbalanced ')' in {alternative!r}")
    required = _as_required(_concatenate([_BOUNDARY, *nodes, _BOUNDARY]))
    if not required:
        raise UnsupportedPattern(f"no literal every match of {alternative!r} contains")
    return frozenset(_NON_WORD.sub(" ", literal) for literal in required)


def trie_pattern(literals: Iterable[str]) -> str:
    """One regular expression matching the longest of ``literals`` at a position.

    Alternatives that share a prefix share it in the pattern, so ``re`` tests each position
    against a few first characters instead of every literal.
    """
    tree: _Trie = {}
    for literal in literals:
        node = tree
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}
    return _emit(tree)


_Trie = dict[str, "_Trie"]


def _emit(node: _Trie) -> str:
    branches = [re.escape(char) + _emit(child) for char, child in sorted(node.items()) if char]
    if not branches:
        return ""
    body = f"(?:{'|'.join(branches)})" if len(branches) > 1 or "" in node else branches[0]
    # Greedy: the longer literal is tried first, so a match is the longest one here.
    return f"{body}?" if "" in node else body


@dataclass(frozen=True, slots=True)
class _Node:
    # Every string the node can match, when that is a short list (else None).
    spellings: frozenset[str] | None
    # Strings one of which every match contains (None: nothing is certain).
    required: frozenset[str] | None


_EMPTY = _Node(frozenset({""}), None)
_ANYTHING = _Node(None, None)
# Where an alternative starts or ends: a space in the ``words_only`` form.
_BOUNDARY = _Node(frozenset({" "}), None)


def _as_required(node: _Node) -> frozenset[str] | None:
    if node.spellings is not None and _literal(node.spellings):
        return node.spellings
    return node.required


def _literal(run: frozenset[str]) -> frozenset[str] | None:
    # A literal must hold a letter or digit: a lone space or hyphen rules nothing out.
    return run if all(_NON_WORD.sub("", spelling) for spelling in run) else None


def _common_suffix(run: frozenset[str]) -> str:
    suffix = min(run, key=len)
    while suffix and not all(spelling.endswith(suffix) for spelling in run):
        suffix = suffix[1:]
    return suffix


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    # Longer shortest strings rule out more notes; then fewer strings are cheaper to look for.
    if a is None or b is None:
        return a if b is None else b
    key_a, key_b = (min(map(len, a)), -len(a)), (min(map(len, b)), -len(b))
    return a if key_a >= key_b else b


def _concatenate(nodes: Iterable[_Node]) -> _Node:
    best: frozenset[str] | None = None
    # The spellings of the current run of nodes whose spellings are known: "ab" then "(?:c|d)"
    # is the run {"abc", "abd"}.
    run: frozenset[str] = frozenset({""})
    exact = True
    for node in nodes:
        if node.spellings is not None:
            joined = frozenset(a + b for a in run for b in node.spellings)
            if len(joined) <= _MAX_SPELLINGS:
                run = joined
                continue
            best = _better(best, _literal(run))
            # Keep what every spelling ends with ("is " and "was " both end a word), so that
            # the next literal still starts one.
            suffix = _common_suffix(run)
            run, exact = frozenset(suffix + spelling for spelling in node.spellings), False
            continue
        best = _better(_better(best, _literal(run)), node.required)
        run, exact = frozenset({""}), False
    return _Node(run if exact else None, _better(best, _literal(run)))


def _alternatives(branches: list[_Node]) -> _Node:
    spellings: frozenset[str] | None = frozenset()
    required: frozenset[str] | None = frozenset()
    for branch in branches:
        if spellings is not None and branch.spellings is not None:
            spellings |= branch.spellings
        else:
            spellings = None
        branch_required = _as_required(branch)
        if required is not None and branch_required:
            required |= branch_required
        else:
            required = None
    if spellings is not None and len(spellings) > _MAX_ALTERNATIVES:
        spellings = None
    return _Node(spellings, required)


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.index = 0

    def peek(self) -> str:
        return self.pattern[self.index] if self.index < len(self.pattern) else ""

    def alternation(self) -> _Node:
        branches = [self.sequence()]
        while self.peek() == "|":
            self.index += 1
            branches.append(self.sequence())
        return branches[0] if len(branches) == 1 else _alternatives(branches)

    def sequence(self) -> _Node:
        return _concatenate(self.nodes())

    def nodes(self) -> list[_Node]:
        nodes = []
        while self.peek() not in ("", "|", ")"):
            nodes.append(self.quantified(self.atom()))
        return nodes

    def quantified(self, node: _Node) -> _Node:
        char = self.peek()
        if char == "?":
            self.index += 1
            node = _Node(None if node.spellings is None else node.spellings | {""}, None)
        elif char in ("*", "+"):
            self.index += 1
            node = _Node(None, _as_required(node) if char == "+" else None)
        elif char == "{":
            end = self.pattern.index("}", self.index)
            least = self.pattern[self.index + 1 : end].split(",")[0]
            self.index = end + 1
            node = _Node(None, _as_required(node) if least and int(least) > 0 else None)
        if char in ("?", "*", "+", "{") and self.peek() == "?":
            self.index += 1
        return node

    def atom(self) -> _Node:
        char = self.peek()
        self.index += 1
        if char == "(":
            return self.group()
        if char == "[":
            return self.char_class()
        if char == "\\":
            escaped = self.peek()
            self.index += 1
            if escaped in "bB":
                return _EMPTY
            if escaped in _CHAR_CLASSES:
                return _ANYTHING
            if escaped in _ESCAPED_LITERALS:
                return _Node(frozenset({escaped}), None)
            raise UnsupportedPattern(f"escape \\{escaped} in {self.pattern!r}")
        if char == ".":
            return _ANYTHING
        if char in ("^", "$"):
            return _EMPTY
        return _Node(frozenset({char.lower()}), None)

    def group(self) -> _Node:
        lookaround = next((p for p in _LOOKAROUNDS if self.pattern.startswith(p, self.index)), "")
        plain = next((p for p in _GROUPS if self.pattern.startswith(p, self.index)), "")
        if self.peek() == "?" and not (lookaround or plain):
            raise UnsupportedPattern(f"group at {self.index} in {self.pattern!r}")
        self.index += len(lookaround or plain)
        node = self.alternation()
        if self.peek() != ")":
            raise UnsupportedPattern(f"unclosed group in {self.pattern!r}")
        self.index += 1
        # A lookaround consumes nothing, and a negative one promises nothing.
        return _EMPTY if lookaround else node

    def char_class(self) -> _Node:
        end = self.pattern.index("]", self.index + 1)
        members = self.pattern[self.index : end]
        self.index = end + 1
        if members.startswith("^") or "\\" in members or "-" in members.strip("-"):
            return _ANYTHING
        return _Node(frozenset(members.lower()), None)
