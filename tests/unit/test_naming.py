"""The rule by which subject access finds texts naming a person (``app.search.naming``), and the
words that let SQL narrow the sentences the departure test reads."""

from __future__ import annotations

import pytest

from app.search.mentions import DEPARTURE_WORDS, Person, departures
from app.search.naming import naming

JILL = Person(1, "Jill Oyelaran", "CFO")
ACCOUNT = [JILL, Person(2, "Tariq Haddad", "COO"), Person(3, "Jill Moss", None)]
RULE = naming(JILL, "jill@bramblewood.example", ACCOUNT)


@pytest.mark.parametrize(
    "text",
    [
        "Jill Oyelaran prefers calls.",
        "met JILL OYELARAN at the offsite",
        "Met Jill\n  Oyelaran there",
        "Write to jill@bramblewood.example.",
        "Write to Jill@Bramblewood.Example today",
        "(Jill Oyelaran)",
    ],
)
def test_full_name_or_email_names_her_anywhere(text: str) -> None:
    assert RULE.names(text, at_account=False)
    assert RULE.names(text, at_account=True)


@pytest.mark.parametrize(
    "text",
    [
        "Jillian Oyelarana runs the depot.",
        "Write to jill@bramblewood.example.org",
        "Write to xjill@bramblewood.example",
        "Jill signs off.",  # a first name alone, outside her account
        "Oyelaran signs off.",
    ],
)
def test_other_texts_do_not_name_her_elsewhere(text: str) -> None:
    assert not RULE.names(text, at_account=False)


def test_short_forms_count_at_her_account_only_when_hers_alone() -> None:
    assert RULE.names("Oyelaran signs off.", at_account=True)
    assert RULE.names("The CFO signs off.", at_account=True)
    # Another Jill at the account: the first name is nobody's alone.
    assert not RULE.names("Jill signs off.", at_account=True)
    assert not RULE.names("oyelaran signs off.", at_account=True)  # short forms as written
    alone = naming(JILL, None, [JILL, ACCOUNT[1]])
    assert alone.names("Jill signs off.", at_account=True)
    assert alone.sentences("Budget is fine. Jill signs off; Tariq waits.", at_account=True) == [
        "Jill signs off;"
    ]


def test_a_one_word_name_counts_only_as_written() -> None:
    will = naming(Person(9, "Will"), None, [Person(9, "Will")])
    assert will.names("Met Will at the fair.", at_account=False)
    assert not will.names("We will see.", at_account=False)


def test_hints_are_in_every_text_that_names_her_anywhere() -> None:
    assert RULE.hints == ("oyelaran", "jill@bramblewood.example")
    accented = naming(Person(4, "Zoë Ångström"), None, [])
    assert accented.hints == ("ngstr",)  # SQLite's lower() folds only ASCII
    assert accented.names("Lunch with ZOË ÅNGSTRÖM", at_account=False)


# Sentences of each kind the departure test accepts.
LEFT = [
    "Rosa resigned as COO.",
    "Rosa has left the company.",
    "Rosa retired in May.",
    "Rosa departed last week.",
    "Rosa stepped down.",
    "Rosa moved on.",
    "Rosa is leaving in June.",
    "Rosa is retiring.",
    "Rosa is out.",
    "Rosa is gone.",
    "Rosa is no longer there.",
    "Rosa was let go.",
    "Rosa was laid off.",
    "Rosa was replaced.",
    "Rosa was fired.",
    "Rosa was promoted.",
    "Rosa was moved to Ops.",
    "Tariq replaced Rosa.",
    "Tariq is replacing Rosa.",
    "Tariq succeeded Rosa.",
    "Tariq is the successor to Rosa.",
    "Tariq took over from Rosa.",
    "Tariq is taking over from Rosa.",
    "Tariq, in place of Rosa, signs.",
]


@pytest.mark.parametrize("sentence", LEFT)
def test_every_departure_sentence_holds_a_departure_word(sentence: str) -> None:
    people = [Person(1, "Rosa Quint"), Person(2, "Tariq Haddad")]
    assert departures(sentence, people) == {1}
    assert any(word in sentence.lower() for word in DEPARTURE_WORDS)
