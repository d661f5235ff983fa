"""The sensitive-facts detector: what it flags about people, what business language it leaves
alone, how its categories are configured, and its quality on the held-out labelled set."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.privacy import (
    ALL_CATEGORIES,
    DEFAULT_CATEGORIES,
    FAMILY,
    FINANCIAL_DISTRESS,
    SPECIAL_CATEGORIES,
    UnknownCategory,
    detect,
    parse_categories,
    sensitive,
)
from app.privacy.evaluation import read_labelled, score
from app.privacy.literals import (
    UnsupportedPattern,
    required_literals,
    trie_pattern,
    words_only,
)

EVERYTHING = frozenset(ALL_CATEGORIES)
HELDOUT = Path(__file__).resolve().parents[2] / "scripts" / "data" / "sensitive" / "heldout.tsv"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dana is out next week for knee surgery", ["health"]),
        ("Marcus is type 1 diabetic, keep the lunch on time", ["health"]),
        ("heads up, he's been off sick with long covid", ["health"]),
        ("Yusuf observes Ramadan, no lunch meetings in March", ["religion"]),
        ("She's not religious at all, skip the nativity card", ["religion"]),
        ("Greg is a deacon at his church", ["religion"]),
        ("Avoid politics with Dave, hardcore MAGA guy", ["politics"]),
        ("Frank is running for city council in November", ["politics"]),
        ("Chris came out as gay to the team last year", ["sexual_orientation"]),
        ("Morgan is trans and uses they/them", ["sexual_orientation"]),
        ("He's of Korean descent", ["ethnicity"]),
        ("Ngozi is Nigerian-American, grew up in Houston", ["ethnicity"]),
        ("Brenda is the shop steward for the warehouse", ["trade_union"]),
        ("Mark's a Teamsters member, drove trucks before ops", ["trade_union"]),
        ("Former CFO was convicted of embezzlement in 2019", ["criminal"]),
        ("Heard Tony got a DUI last month", ["criminal"]),
        ("Kid's soccer tournament this weekend, Marco is out", ["family"]),
        ("going through a divorce, Helen is moving", ["family"]),
        ("He's underwater on his mortgage", ["financial_distress"]),
        ("Ted took out a payday loan to cover his car repair", ["financial_distress"]),
    ],
)
def test_each_category_is_found_in_a_reps_note(text: str, expected: list[str]) -> None:
    assert detect(text, categories=EVERYTHING) == expected


def test_several_categories_come_back_in_one_stable_order() -> None:
    text = "Alex and his husband just adopted; he is recovering from hip surgery"
    assert detect(text, categories=EVERYTHING) == ["health", "sexual_orientation", "family"]
    assert detect(text.upper(), categories=EVERYTHING) == detect(text, categories=EVERYTHING)


@pytest.mark.parametrize(
    "text",
    [
        "Healthcare vertical is their biggest segment",
        "Account health score dropped to amber after the outage",
        "Their CFO is a stickler, religiously checks the SLA report",
        "Mia is our biggest evangelist internally",
        "Lots of office politics between IT and finance",
        "We'd go through a third party reseller",
        "Merged with their union partner last year",
        "Their union with the parent company closed in March",
        "She's a member of the procurement council",
        "Credit union with 60k members",
        "Give her a straight answer on pricing",
        "BI team runs Tableau, bi-weekly syncs with the PMO",
        "Black Friday is their peak; sent the white paper",
        "Our pricing is criminally low, says their CFO",
        "They were victims of a ransomware attack last year",
        "Product family: they use the whole Analytics family",
        "Married to their old vendor for 12 years",
        "The company is in financial trouble, layoffs announced",
        "Filed for Chapter 11, contracts under review",
    ],
)
def test_business_senses_of_sensitive_words_are_not_flagged(text: str) -> None:
    assert detect(text, categories=EVERYTHING) == []


def test_the_second_list_is_only_detected_when_asked_for() -> None:
    text = "Kate is going through a divorce and is behind on her rent"
    assert detect(text) == []
    assert detect(text, categories=DEFAULT_CATEGORIES | {FAMILY}) == ["family"]
    assert detect(text, categories=EVERYTHING) == ["family", "financial_distress"]


def test_curly_quotes_and_line_breaks_do_not_hide_a_fact() -> None:
    assert detect("Ben\u2019s dad passed away", categories=EVERYTHING) == ["family"]
    assert detect("she is hard\nof   hearing", categories=EVERYTHING) == ["health"]


def test_the_setting_adds_to_the_special_categories_and_never_removes_them() -> None:
    assert parse_categories("") == DEFAULT_CATEGORIES == frozenset(SPECIAL_CATEGORIES)
    assert parse_categories(" Family , financial_distress,") == EVERYTHING
    assert parse_categories("health") == DEFAULT_CATEGORIES


def test_an_unknown_category_is_refused_with_the_names_that_exist() -> None:
    with pytest.raises(UnknownCategory) as refused:
        parse_categories("family,finances")
    message = str(refused.value)
    assert "'finances'" in message
    assert "financial_distress" in message
    assert all(name in message for name in ALL_CATEGORIES)
    with pytest.raises(UnknownCategory):
        detect("anything", categories=frozenset({"gossip"}))


def test_the_held_out_set_meets_the_quality_target() -> None:
    # A quality gate, not a timing. The held-out file was written and committed before the
    # patterns, and its errors are never read while tuning them.
    rows = read_labelled(HELDOUT)
    assert len(rows) >= 240
    scores = score(rows)
    assert scores.recall() >= 0.90, scores.recall()
    assert scores.precision() >= 0.85, scores.precision()
    assert {FINANCIAL_DISTRESS, *SPECIAL_CATEGORIES} <= set(scores.labelled)


def test_the_word_prefilter_changes_no_answer() -> None:
    # The prefilter (literals.py) only skips work: on every labelled sentence, running every
    # pattern of every category gives the same categories as detect().
    rules = sensitive._rules()
    for path in sorted(HELDOUT.parent.glob("*.tsv")):
        for row in read_labelled(path):
            text = " ".join(sensitive._plain(row.text).split())
            lowered = text.lower()
            exhaustive = [
                category
                for category in ALL_CATEGORIES
                if sensitive._states(
                    sensitive._all_of(category), rules.vetoes[category], text, lowered
                )
            ]
            assert detect(row.text, categories=EVERYTHING) == exhaustive, row.text


def test_required_literals_are_whole_words_where_the_pattern_starts_or_ends_a_word() -> None:
    assert required_literals("pastor") == {" pastor "}
    assert required_literals("surg[eu]r(?:y|ies)") == {
        " surgery ",
        " surgury ",
        " surgeries ",
        " surguries ",
    }
    assert required_literals("sick(?! of)") == {" sick "}
    assert required_literals(r"(?:is|'s) straight") == {" is straight ", " s straight "}
    assert required_literals(r"\w+ectomy") == {"ectomy "}
    assert words_only("Dana's  KNEE-surgery.") == " dana s knee surgery "


def test_a_pattern_without_a_literal_is_refused_when_the_rules_are_built() -> None:
    with pytest.raises(UnsupportedPattern):
        required_literals(r"\w+ \w+")
    with pytest.raises(UnsupportedPattern):
        required_literals(r"(?P<name>x)")


def test_the_trie_finds_the_longest_literal_at_a_position() -> None:
    pattern = re.compile(trie_pattern(["son", "sons", "sister"]))
    assert [m.group() for m in pattern.finditer("sons sister son")] == ["sons", "sister", "son"]
