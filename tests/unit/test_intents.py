"""Which questions ask for something the influence map knows (``app.search.intents``), and
which do not: a wrong answer above the hits costs more than a missing one."""

from __future__ import annotations

import pytest

from app.search.intents import recognise, states_role

ASKED = [
    ("who signs off on budget at Bramblewood?", "economic_buyer"),
    ("Who has final say on spend at Harbor?", "economic_buyer"),
    ("whose approval do we need to close Vantor?", "economic_buyer"),
    ("which exec controls spending on a project like ours?", "economic_buyer"),
    ("who\u2019s the economic buyer?", "economic_buyer"),  # a typographic apostrophe
    ("who signs at City of Fairhaven", "economic_buyer"),
    ("who is the technical buyer", "technical_buyer"),
    ("who screens vendors at Orrin?", "technical_buyer"),
    ("who signs off on the security review?", "technical_buyer"),
    ("who gives the QA sign-off at Pellucid", "technical_buyer"),
    ("who will use it day to day at Coldwater?", "user_buyer"),
    ("who will run it day to day there", "user_buyer"),
    ("who is our coach at Bramblewood", "coach"),
    ("is anyone there quietly helping us navigate the org?", "coach"),
    ("who's our friendly insider at HFW?", "coach"),
    ("what does Meg care about", "hot_buttons"),
    ("what gets the VP Finance excited?", "hot_buttons"),
    ("what should I avoid with Hugo", "cold_buttons"),
    ("any landmines to steer clear of with Ted Tran?", "cold_buttons"),
    ("what turns Kofi off", "cold_buttons"),
    ("who knows Reggie best", "who_knows"),
    ("who should I ask about Reggie?", "who_knows"),
]
NOT_ASKED = [
    "is the budget frozen at Harbor?",  # about money, asks no one
    "who is the CFO at Harbor",  # a title, not a buying role
    "what is Meg like?",
    "any inside tips from our coach at Summit?",  # tips, not who the coach is
    "what hoops does a purchase go through at Bramblewood?",
    "INC-43399 root cause",
    "what does Meg care about, and what should I avoid?",  # two intents: no one answer
    "who wrote about the outage at Harbor",
]


@pytest.mark.parametrize(("question", "intent"), ASKED)
def test_questions_the_map_answers(question: str, intent: str) -> None:
    asked = recognise(question)
    assert asked is not None and asked.intent == intent


@pytest.mark.parametrize("question", NOT_ASKED)
def test_questions_it_does_not(question: str) -> None:
    assert recognise(question) is None


def test_a_role_question_names_its_role_and_person_questions_say_so() -> None:
    economic, meg = recognise("who signs off at X?"), recognise("what does Meg care about")
    assert economic is not None and economic.role == "economic" and not economic.about_a_person
    assert meg is not None and meg.role is None and meg.about_a_person


def test_sentences_that_state_a_role() -> None:
    assert states_role("Jill (CFO) has final say on anything over $25k.", "economic")
    assert states_role("Reggie screens every vendor and has a veto on anything technical.",
                       "technical")  # fmt: skip
    assert not states_role("Jill runs marathons and loves her training plan.", "economic")
    assert not states_role("Jill has final say on anything over $25k.", "coach")
