"""The influence suggester: each field read from what a sentence says of one person, citing
that sentence, and nothing without a cue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.search.influence import FieldSuggestion, Person, Sentence, suggest
from app.search.influence_read import same_phrase
from app.search.mentions import Person as MentionPerson
from app.search.mentions import find_mentions

PEOPLE = [
    Person(1, "Meg Sorensen", "CFO"),
    Person(2, "Vera Nash", "Terminal Operations Manager"),
    Person(3, "Joanne Valdez", "Safety Manager"),
    Person(4, "Garrett Coyle", "Enterprise Architect"),
    Person(5, "Renee Xiong", "Former CFO"),
]
NOW = datetime(2026, 5, 1, tzinfo=UTC)


def read(*bodies: str) -> list[FieldSuggestion]:
    """Suggestions from notes (newest last here), their sentences found as the worker finds
    them: note ``i`` has id ``100 + i`` and is ``i`` days old less than the one before."""
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


def values(found: list[FieldSuggestion], contact: int, field: str) -> list[str | int]:
    return [s.value for s in found if s.contact_id == contact and s.field == field]


def test_roles_come_from_cues_and_cite_their_sentence() -> None:
    found = read(
        "Meg holds the purse strings, everyone else is advisory.",
        "Joanne has been feeding us good info, our inside guide on the org.",
        "Garrett is the technical gatekeeper - hard reqs are SSO and SOC 2.",
        "Vera's supervisors will live in the app every day.",
    )
    roles = {(s.contact_id, s.value): s for s in found if s.field == "roles"}
    assert set(roles) == {(1, "economic"), (3, "coach"), (4, "technical"), (2, "user")}
    assert [(c.note_id, c.sentence) for c in roles[(1, "economic")].evidence] == [
        (100, "Meg holds the purse strings, everyone else is advisory.")
    ]
    assert roles[(2, "user")].evidence[0].note_id == 103


def test_a_person_may_hold_several_roles_and_rosters_count() -> None:
    found = read(
        "Deal review: EB Meg, TB Garrett (veto), coach Joanne, user Vera.",
        "Joanne runs the incident board in it every day now.",
    )
    assert values(found, 1, "roles") == ["economic"]
    assert values(found, 4, "roles") == ["technical"]
    assert sorted(map(str, values(found, 3, "roles"))) == ["coach", "user"]


def test_a_denied_or_doubted_role_is_not_suggested() -> None:
    assert (
        values(read("Vera does not sign anything, she writes the recommendation."), 2, "roles")
        == []
    )
    assert values(read("Vera might be the EB?"), 2, "roles") == []
    # The newest word on a role decides: "no longer our coach" after "our coach".
    found = read("Joanne is our coach.", "Joanne is no longer our coach, she moved to audit.")
    assert values(found, 3, "roles") == []


def test_a_sign_off_is_the_technical_or_economic_buyers_by_what_it_is_about() -> None:
    found = read(
        "Garrett signs off on anything touching their network.",
        "Meg signs off on anything over $150k.",
        "Vera's sign-off done.",  # about nothing: no evidence
    )
    assert values(found, 4, "roles") == ["technical"]
    assert values(found, 1, "roles") == ["economic"]
    assert values(found, 2, "roles") == []


def test_a_pronoun_carries_the_person_named_before() -> None:
    found = read("Met Meg at the conference. She signs anything over 50k.")
    (economic,) = [s for s in found if s.field == "roles"]
    assert economic.contact_id == 1
    assert economic.evidence[0].sentence == "She signs anything over 50k."
    # After a sentence naming two people, "she" is anyone's guess.
    assert read("Meg and Vera joined. She signs anything over 50k.") == []


def test_a_cue_belongs_to_whom_the_sentence_says_it_of() -> None:
    found = read(
        "Per Joanne: nothing over $250k happens without Meg.",
        "Vera says finance hates surprise fees.",
        "Go through Joanne, not around Vera - she hates being escalated over.",
    )
    assert values(found, 1, "roles") == ["economic"]
    assert values(found, 3, "roles") == []
    assert values(found, 2, "cold_buttons") == ["being escalated over"]


def test_buttons_are_short_phrases_cut_from_the_sentence() -> None:
    found = read(
        "Meg hates surprise fees, esp on renewals.",
        "Vera really cares abt work-life balance for her people, hates last-minute changes.",
        "Don't mention last year's lawsuit around Garrett.",
        "Hot buttons for Joanne: audit readiness, fewer overtime hours.",
    )
    assert values(found, 1, "cold_buttons") == ["surprise fees"]
    assert values(found, 2, "hot_buttons") == ["work-life balance for her people"]
    assert values(found, 2, "cold_buttons") == ["last-minute changes"]
    assert values(found, 4, "cold_buttons") == ["last year's lawsuit"]
    assert sorted(map(str, values(found, 3, "hot_buttons"))) == [
        "audit readiness",
        "fewer overtime hours",
    ]
    cited = next(s for s in found if s.contact_id == 4).evidence
    assert cited[0].sentence == "Don't mention last year's lawsuit around Garrett."


def test_the_same_button_twice_is_one_suggestion_citing_both_notes() -> None:
    found = read("Meg hates surprise fees.", "Reminder: Meg still hates surprise fees on renewals.")
    (cold,) = [s for s in found if s.field == "cold_buttons"]
    assert [c.note_id for c in cold.evidence] == [101, 100] and cold.confidence > 0.5


def test_mode_rating_degree_and_win_result() -> None:
    found = read(
        "Vera is under a lot of pressure since the audit.",
        "Joanne is firmly in our corner.",
        "Garrett is a real skeptic, been burned before.",
        "Meg has the final say, and her bonus is tied to cutting overtime by 10%.",
        "Joanne has not much pull upstairs.",
    )
    (mode,) = [s for s in found if s.field == "mode"]
    assert (mode.contact_id, mode.value) == (2, "trouble")
    assert mode.reason == "Vera is under a lot of pressure since the audit"
    assert values(found, 3, "rating") == [4] and values(found, 4, "rating") == [-2]
    assert values(found, 3, "degree") == ["low"] and values(found, 1, "degree") == ["high"]
    assert values(found, 1, "key_win_result") == ["cutting overtime by 10%"]
    # The economic buyer's degree is high, on the same evidence, unless a note says otherwise.
    (degree,) = [s for s in read("Meg holds the purse strings.") if s.field == "degree"]
    assert degree.value == "high" and degree.evidence[0].note_id == 100
    assert values(read("Garrett is not against us."), 4, "rating") == []
    assert values(read("Garrett is against us."), 4, "rating") == [-3]


@pytest.mark.parametrize(
    ("sentence", "mode"),
    [
        ("Vera wants to add the night terminal next spring.", "growth"),
        ("Vera is stretched thin since two of her planners quit.", "trouble"),
        ("Vera just lost three of her supervisors.", "trouble"),
        ("The spreadsheets work fine for Vera, overtime is a fact of life.", "even_keel"),
        ("Vera prefers her paper board and sees no urgency.", "even_keel"),
        ("Vera thinks her macros already do what we sell.", "overconfident"),
        ("Vera is sure the ERP module will do the job for free.", "overconfident"),
    ],
)
def test_a_mode_is_read_from_how_the_writer_describes_the_person(sentence: str, mode: str) -> None:
    assert values(read(sentence), 2, "mode") == [mode]


def test_a_mood_or_a_plan_of_ours_is_no_mode() -> None:
    assert values(read("Vera was relaxed and friendly at lunch."), 2, "mode") == []
    assert values(read("We want to add Vera to the steering call."), 2, "mode") == []


def test_nothing_without_a_cue_and_nothing_from_an_attendee_list() -> None:
    assert read("Meg is the CFO.", "Lunch with Vera, nice chat about the weather.") == []
    assert read("Attendees: Meg Sorensen (CFO, EB), Vera Nash, Joanne (coach)") == []
    assert read("Attendees: Meg (EB), Vera.") == []


def test_someone_who_left_keeps_no_role() -> None:
    assert values(read("Renee holds the purse strings."), 5, "roles") == []
    found = read("Meg owns the budget.", "Meg resigned last week, nobody replaced her yet.")
    assert values(found, 1, "roles") == []


def test_phrases_match_on_half_the_content_words_of_the_shorter() -> None:
    assert same_phrase("surprise fees", "hates surprise fees on renewals")
    assert same_phrase("being cc'd on everything", "being cc'd on long email threads")
    assert not same_phrase("slide decks", "surprise fees")
