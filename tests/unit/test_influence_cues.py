"""The influence suggester's cue families, one class of phrasing each, in words written for
these tests (not taken from an evaluation set): who a sentence is about, the roles, the
buttons."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.search.influence import FieldSuggestion, Person, Sentence, suggest
from app.search.mentions import Person as MentionPerson
from app.search.mentions import find_mentions

PEOPLE = [
    Person(1, "Odile Marchetti", "CFO"),
    Person(2, "Bill Okonkwo", "Head of IT"),
    Person(3, "Priya Lindqvist", "Dispatch Manager"),
    Person(4, "Tomas Ferreira", "Shift Lead"),
    Person(5, "Hannelore Visser", "Plant Manager"),
]
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def read(*bodies: str) -> list[FieldSuggestion]:
    people = [MentionPerson(p.id, p.name, p.title) for p in PEOPLE]
    sentences = [
        Sentence(
            pid, 100 + i, m.text, NOW - timedelta(days=len(bodies) - i), named=len(m.contact_ids)
        )
        for i, body in enumerate(bodies)
        for m in find_mentions(body, people)
        for pid in m.contact_ids
    ]
    sentences.sort(key=lambda s: s.observed_at, reverse=True)
    return suggest(PEOPLE, sentences)


def roles(*bodies: str) -> set[tuple[int, str]]:
    return {(s.contact_id, str(s.value)) for s in read(*bodies) if s.field == "roles"}


def buttons(body: str, kind: str) -> list[tuple[int, str]]:
    return [(s.contact_id, str(s.value)) for s in read(body) if s.field == kind]


def about(body: str) -> list[tuple[int, ...]]:
    people = [MentionPerson(p.id, p.name, p.title) for p in PEOPLE]
    return [m.contact_ids for m in find_mentions(body, people)]


# --- who a sentence is about ---------------------------------------------------------------


def test_a_writer_who_does_not_capitalise_names_people_in_lower_case() -> None:
    assert roles("quick sync. odile signed the renewal herself, no board.") == {(1, "economic")}
    # ...but a name that is also a word stays a word in lower case
    assert about("bill goes to finance at month end, not before.") == []
    assert about("Bill goes to finance with the numbers.") == [(2,)]


def test_a_he_or_she_anywhere_goes_on_about_the_person_named_before() -> None:
    body = "Lunch with Odile Marchetti. When I put the overtime chart down she nodded. She decides."
    assert about(body) == [(1,), (1,), (1,)]
    assert (1, "economic") in roles(body)


def test_a_source_or_a_newcomer_does_not_take_the_pronoun() -> None:
    # "as Priya suggested": Priya is the source; "she" is still Odile
    body = "Met Odile Marchetti. Brought a printed deck, as Priya suggested. She signs the PO."
    assert about(body)[-1] == (1,)
    # a second person brought in: "she" may be either, so nobody
    assert about("Odile set up a call with Priya. She decides.") == [(1, 3)]


def test_what_someone_says_of_she_is_theirs_only_when_nobody_else_is_named() -> None:
    assert roles("Intro to Odile (CFO) - Priya says she signs.") == set()
    assert roles("Priya told me she signs the PO.") == {(3, "economic")}


def test_a_description_goes_on_about_the_person_before_it() -> None:
    body = "Met Hannelore Visser. Blunt, ex-Navy. She holds the plant budget."
    assert about(body) == [(5,), (5,)]
    assert (5, "economic") in roles(body)


def test_short_role_labels_and_lists_under_one_label_count() -> None:
    assert roles("User Tomas.") == {(4, "user")}
    assert roles("Tomas coach.") == {(4, "coach")}
    assert roles("Priya = user, Tomas coach.") == {(3, "user"), (4, "coach")}
    assert roles("TB: Bill (identity) + Hannelore (plant safety).") == {
        (2, "technical"),
        (5, "technical"),
    }
    # another label starts another list
    assert roles("EB Odile, TB Bill, user Priya.") == {
        (1, "economic"),
        (2, "technical"),
        (3, "user"),
    }


# --- roles ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "sentence",
    [
        "Odile signed the two-year fleet renewal on Friday.",
        "Odile signed for all nine depots.",
        "Odile signs every purchase order over 40k herself.",
        "The person who decides is Odile.",
        "Odile is the one who makes the call.",
        "Odile decides alone.",
        "Odile will decide by the end of the quarter.",
        "If we want the depots too, that's Odile's call.",
        "Odile has the budget for the depots.",
        "Odile approves all contracts for the warehouse systems.",  # about contracts
    ],
)
def test_approving_money_in_any_words_is_the_economic_buyers(sentence: str) -> None:
    assert roles(sentence) == {(1, "economic")}


@pytest.mark.parametrize(
    "sentence",
    [
        "Bill must verify the licence checks before go-live.",
        "Bill has to approve anything we install on their network.",
        "Bill sits on the architecture review board.",
        "Bill signed the security checklist for the pilot.",
        "If it touches their identity setup, it's Bill's call.",
        "Bill: no scheduling tool goes live unless the badge data stays on site.",
        "Bill's gotta say yes on the Google login and the kiosks.",
    ],
)
def test_a_gate_on_systems_safety_or_compliance_is_the_technical_buyers(sentence: str) -> None:
    assert roles(sentence) == {(2, "technical")}


@pytest.mark.parametrize(
    "sentence",
    [
        "Priya lives in the dispatch board every morning.",
        "Her planners will have to live with it every day, Priya says.",
        "Priya builds the weekend rota (40 drivers) every Thursday.",
        "Priya handles the daily route adjustments.",
        "Priya started using the new scheduler after the outage.",
        "Priya is still our best user.",
        "Priya reassigns shifts herself in the app now.",
        "Priya is in the scheduler literally all day.",
        "Priya's on it every shift since the pilot.",
        "Priya will be building the driver week in the tool every Monday.",
        "Priya is making the depot schedule in the app daily.",
        "Priya has become a heavy user.",
    ],
)
def test_using_it_or_doing_its_work_every_day_is_the_user_buyers(sentence: str) -> None:
    assert roles(sentence) == {(3, "user")}


@pytest.mark.parametrize(
    "sentence",
    [
        "Tomas is our man inside.",
        "Tomas? He's our guy.",
        "Tomas gave us a good tip on the timing.",
        "Tomas offered to get us in front of the COO.",
        "Tomas will ping us when the board meets.",
        "Tomas is our biggest champion inside the company.",
        "Tomas explained to us how the approval works.",
        "Tomas told you who will resist, so he is coaching you now.",
    ],
)
def test_helping_us_from_inside_is_the_coachs(sentence: str) -> None:
    assert (4, "coach") in roles(sentence)


def test_a_strong_supporter_is_no_coach_by_that_alone() -> None:
    assert roles("Tomas is our strongest advocate in the building.") == set()


# --- buttons -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Hannelore insists on a single view of overtime per line.", "single view of overtime"),
        ("Hannelore listens to scrap rates, nothing else.", "scrap rates"),
        ("Hannelore is loving the self sign-up on phones.", "self sign-up on phones"),
        ("Night-shift coverage matters to her, Hannelore said.", "Night-shift coverage"),
        ("Big thing for Hannelore is fair weekend rotas.", "fair weekend rotas"),
        ("Hannelore will not sign without a fixed go-live date.", "fixed go-live date"),
    ],
)
def test_what_someone_wants_from_it_is_a_hot_button(sentence: str, phrase: str) -> None:
    found = buttons(sentence, "hot_buttons")
    assert [c for c, _ in found] == [5]
    assert found[0][1].startswith(phrase)


@pytest.mark.parametrize(
    "sentence",
    [
        "Hannelore wants the other two plants on it next.",  # a rollout plan
        "Hannelore wants all sites live by March.",
        "Hannelore asked for our SOC 2 letter.",  # something we send
        "Hannelore loves the idea.",  # a word on us, not a button
        "Hannelore wants 10% off.",  # a price ask
        # a bare "wants" is as often a request or the deal's terms as what moves the person
        "Hannelore wants the connector on their own server.",
        "Hannelore approved it with one condition: a named support engineer.",
        "Hannelore is pushing for a discount before year end.",
    ],
)
def test_a_plan_a_request_or_a_nod_is_no_hot_button(sentence: str) -> None:
    assert buttons(sentence, "hot_buttons") == []


@pytest.mark.parametrize(
    ("sentence", "phrase"),
    [
        ("Hannelore wants no per-seat pricing.", "per-seat pricing"),
        ("Hannelore won't accept a cloud-only option.", "cloud-only option"),
        ("Hannelore refused the annual uplift clause.", "annual uplift clause"),
        ("Hannelore is strict on data leaving the EU.", "data leaving the EU"),
        ("Her rule: no changes during the shutdown, Hannelore says.", "no changes during"),
        ("Hannelore's only real worry is union pushback.", "union pushback"),
    ],
)
def test_what_someone_rules_out_is_a_cold_button(sentence: str, phrase: str) -> None:
    found = buttons(sentence, "cold_buttons")
    assert [c for c, _ in found] == [5]
    assert found[0][1].startswith(phrase)


def test_no_cold_button_from_a_condition_or_a_bare_verb() -> None:
    assert buttons("Hannelore will not sign without a fixed go-live date.", "cold_buttons") == []
    assert buttons("Met Hannelore Visser. Don't push her.", "cold_buttons") == []
    # advice on our tactics, whose "her" may be anyone in the thread, is not her button
    assert buttons("Hannelore Visser joined. Don't send her the deck.", "cold_buttons") == []
    # what a system refuses is not what the person refuses
    found = buttons("Hannelore likes that the system refuses a double shift.", "cold_buttons")
    assert found == []


def test_of_a_source_and_a_subject_the_pronoun_after_is_the_subject() -> None:
    body = "Per Priya: nothing over $90k moves without Odile. She is the one who signs."
    assert [set(ids) for ids in about(body)] == [{1, 3}, {1}]
    assert roles(body) == {(1, "economic")}


@pytest.mark.parametrize(
    "sentence",
    [
        "Bill has the final veto on anything hosted.",
        "Bill = network veto, friendly enough.",
        "Bill will say no if the audit logs are missing.",
        "Bill reviews anything touching the payroll interface.",
        "Bill will validate the data flows before pilot.",
        "Bill blocked a kiosk rollout last spring.",
        "Bill = firmware gatekeeper.",
    ],
)
def test_a_veto_a_screen_or_a_validation_in_broader_words_is_technical(sentence: str) -> None:
    assert roles(sentence) == {(2, "technical")}


@pytest.mark.parametrize(
    "sentence",
    [
        "Tomas wants us in, the current vendor wore everyone out.",
        "Tomas told me exactly how to win the panel.",
        "Tomas tells us what happens in the steering group.",
        "Tomas briefed us ahead of the budget review.",
        "Tomas is still our inside line.",
    ],
)
def test_an_insider_who_wants_us_to_win_is_a_coach(sentence: str) -> None:
    assert (4, "coach") in roles(sentence)


def test_keeping_the_budget_is_the_economic_buyers() -> None:
    assert roles("Odile keeps the capital budget for the plant.") == {(1, "economic")}


def test_no_broader_role_from_a_denial_or_a_doubt() -> None:
    assert roles("Bill cannot say no to this one, it is not his area.") == set()
    assert roles("Bill might validate the data flows?") == set()
