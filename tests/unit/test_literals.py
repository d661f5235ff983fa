"""The literal prefilter of the influence cues: a pattern is skipped only on a text it cannot
match, so the suggestions are the same with it as without it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from app.search import influence
from app.search import influence_text as text
from app.search.influence import CUES, Person, Sentence, read_sentence
from app.search.literals import LiteralIndex, fold, required
from app.search.mentions import Person as MentionPerson
from app.search.mentions import name_patterns


def test_a_literal_run_with_options_gives_each_spelling() -> None:
    assert required(re.compile(r"\bowns? the budget\b", re.I)) == {
        "own the budget",
        "owns the budget",
    }


def test_the_longest_run_of_a_sequence_is_kept() -> None:
    # "\s+" breaks the run: "approves" is shorter than "the budget"
    assert required(re.compile(r"\bapproves\s+the budget\b")) == {"the budget"}


def test_each_branch_must_give_a_literal() -> None:
    assert required(re.compile(r"(?:veto|can say no)\b")) == {"veto", "can say no"}
    assert required(re.compile(r"(?:veto|\w+ly)\b")) == {"veto", "ly"}
    assert required(re.compile(r"(?:veto|\w+)\b")) is None


def test_an_optional_or_unbounded_part_gives_nothing_alone() -> None:
    assert required(re.compile(r"(?:final )?say")) == {"say", "final say"}
    assert required(re.compile(r"(?:final )?\w+")) is None
    assert required(re.compile(r"(?:ab)+c")) == {"ab"}


def test_a_lookaround_is_no_literal() -> None:
    assert required(re.compile(r"(?<!not )signs")) == {"signs"}
    assert required(re.compile(r"\w+(?=budget)")) is None


def test_cases_are_folded_on_both_sides() -> None:
    pattern = re.compile(r"(?-i:\bEB\b)|Budget", re.I)
    assert required(pattern) == {"eb", "budget"}
    # "ı" matches "i" under IGNORECASE; casefold alone keeps it apart  # noqa: RUF003
    assert re.search("sign", "SıGN", re.I) and "sign" in fold("SıGN")  # noqa: RUF001


def test_the_index_finds_overlapping_and_nested_literals() -> None:
    literals = frozenset({"eb", "eb.", "b.", "owns", "own", "budget", "get"})
    index = LiteralIndex(literals)
    for sample in ("meg = eb. owns budget", "the eb", "nothing here", "b.b.eb.own"):
        assert index.present(sample) == {lit for lit in literals if lit in sample}


@pytest.mark.parametrize("cue", CUES, ids=lambda c: f"{c.field}:{c.pattern.pattern[:40]}")
def test_every_match_of_a_cue_holds_one_of_its_literals(cue: influence.Cue) -> None:
    @settings(max_examples=4, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.from_regex(cue.pattern))
    def holds(sample: str) -> None:
        assert cue.literals is None or any(lit in fold(sample) for lit in cue.literals)

    try:
        holds()
    except Unsatisfiable:
        pytest.skip("hypothesis cannot write a match of this pattern")


PEOPLE = [Person(1, "Meg Sorensen", "CFO"), Person(2, "Tom Ruiz", "IT Director")]
SAMPLES = [
    "Meg holds the purse strings and signs off on anything over $40k.",
    "Tom runs the security review; he can say no to any vendor.",
    "meg is our inside guide, tom doesn't sign",
    "EB = Meg, TB: Tom (veto).",
    "Meg hates surprise fees and loves a clean payback story.",
    "Don't mention the outage around Tom.",
    "Tom's team will live in the app every day.",
    "Meg might be the EB? Not sure.",
    "Lunch with Meg, nothing on the deal.",
    "SıGNS OFF: MEG",  # noqa: RUF001
]


def test_the_readings_are_the_same_with_every_cue_run(monkeypatch: pytest.MonkeyPatch) -> None:
    people = [MentionPerson(p.id, p.name, p.title) for p in PEOPLE]
    at = datetime(2026, 5, 1, tzinfo=UTC)

    def readings() -> list[list[influence.Reading]]:
        out = []
        for i, body in enumerate(SAMPLES):
            case = body[:1].islower()
            for person in PEOPLE:
                marked = text.mark(body, name_patterns(people, lowercase=case), person.id)
                out.append(read_sentence(Sentence(person.id, i, body, at), marked))
        return out

    filtered = readings()
    monkeypatch.setattr(influence._CueIndex, "may_match", lambda self, _text: list(self.cues))
    unfiltered = readings()
    assert filtered == unfiltered
    assert sum(map(len, unfiltered)) > 10  # the samples do read something
