"""Questions that ask for a list (``app.search.listing``) and the confidence of a hit
(``app.domain.results.confidence``): pure functions, no database."""

from __future__ import annotations

import pytest

from app.domain.results import CONFIDENT, Features, confidence
from app.search.listing import recognise_list, topic_of

LISTS = [
    "which accounts froze spending in 2024?",
    "Which customers have had SSO problems?",
    "every account where ShiftGrid Pro is the incumbent",
    "all objections raised at Kessler-Dunn in 2025",
    "list every customer go-live in 2025",
    "at which accounts might our champion be leaving?",
    "who holds the purse strings at each of our healthcare accounts?",
    "every time a rival undercut us on price",
    "show me all renewals due this quarter",
    "which deals did we lose, and why?",
    "how many of our customers run SAP?",
]
NOT_LISTS = [
    "who signs off on spend at Harbor?",
    "which exec at Brightwell controls spending?",
    "what does Meg care about?",
    "hobbies of Jill Oyelaran",
    "INC-40412",
    "what time is the onsite meeting?",
    "is their checkbook open again?",
    "what system are they using today and when is it up for renewal?",
]


@pytest.mark.parametrize("question", LISTS)
def test_list_questions_are_recognised(question: str) -> None:
    assert recognise_list(question, text=question, accounts=0) is not None


@pytest.mark.parametrize("question", NOT_LISTS)
def test_other_questions_are_not_lists(question: str) -> None:
    assert recognise_list(question, text=question, accounts=0) is None


def test_a_list_at_one_account_is_of_incidents_elsewhere_of_accounts() -> None:
    q = "list all support incidents at Red Mesa"
    assert recognise_list(q, text=q, accounts=1).per == "incident"  # type: ignore[union-attr]
    assert recognise_list(q, text=q, accounts=0).per == "account"  # type: ignore[union-attr]
    assert recognise_list(q, text=q, accounts=2).per == "account"  # type: ignore[union-attr]


def test_where_at_one_named_account_asks_for_a_place_not_a_list() -> None:
    q = "where is the meeting room?"
    assert recognise_list(q, text=q, accounts=1) is None
    assert recognise_list("where is a competitor pitching payroll?", text="", accounts=0)


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("which accounts froze spending in 2024?", "froze spending in 2024"),
        ("every account where ShiftGrid Pro is the incumbent", "ShiftGrid Pro is the incumbent"),
        ("list every customer go-live in 2025", "customer go-live in 2025"),
        ("which healthcare accounts require a signed BAA", "require a signed BAA"),
        ("every time a rival undercut us on price", "a rival undercut us on price"),
        ("which accounts?", "which accounts?"),  # nothing left: the question stays whole
    ],
)
def test_the_topic_is_the_question_less_its_list_frame(question: str, topic: str) -> None:
    assert topic_of(question) == topic


def _features(**given: float) -> Features:
    values = {"dense": 0.3, "contrast": 0.1, "lexical": 0.0, "identifier": 0.0, "rank": 1.0}
    values.update(given)
    return Features(
        dense=values["dense"],
        contrast=values["contrast"],
        lexical=values["lexical"],
        identifier=bool(values["identifier"]),
        rank=values["rank"],
    )


def test_confidence_rises_with_what_bears_a_match_out() -> None:
    base = confidence(_features())
    for more in ({"contrast": 0.3}, {"lexical": 1.0}, {"rank": 1.0}, {"identifier": 1.0}):
        assert confidence(_features(**more)) >= base
    assert confidence(_features(rank=0.1)) < base
    assert 0 < base < 1


def test_a_flat_field_with_no_shared_word_is_not_confident() -> None:
    # What "zzzqqq xylophone" finds: the first note barely above the rest, no word in common.
    assert confidence(_features(contrast=0.06, lexical=0.0, rank=1.0)) < CONFIDENT
    # What a paraphrase that is answered finds: the answer well above the rest.
    assert confidence(_features(contrast=0.3, lexical=0.25, rank=1.0)) >= CONFIDENT


def test_a_note_not_yet_embedded_is_judged_by_its_words() -> None:
    unembedded = Features(dense=None, contrast=0.0, lexical=1.0, identifier=True, rank=1.0)
    assert confidence(unembedded) >= CONFIDENT
    wordless = Features(dense=None, contrast=0.0, lexical=0.0, identifier=False, rank=0.2)
    assert confidence(wordless) < CONFIDENT
