"""Which sentences of a note are about which contact: the attribution everything about people
in the brief rests on."""

from __future__ import annotations

from app.search.mentions import Person, departures, find_mentions

PEOPLE = [
    Person(1, "Jill Oyelaran", "CFO"),
    Person(2, "Wes Devlin", "Training Manager"),
    Person(3, "Wes Hart", "IT Director"),
    Person(4, "Renee Xiong", "Former CFO"),
]


def found(body: str) -> list[tuple[str, tuple[int, ...]]]:
    return [(m.text, m.contact_ids) for m in find_mentions(body, PEOPLE)]


def test_a_unique_first_name_counts_and_a_shared_one_does_not() -> None:
    assert found("Jill has final say on anything over $25k.") == [
        ("Jill has final say on anything over $25k.", (1,))
    ]
    # Two contacts are called Wes: only the full name says which.
    assert found("Wes gave me the inside read on the org.") == []
    assert found("Wes Devlin gave me the inside read.") == [
        ("Wes Devlin gave me the inside read.", (2,))
    ]


def test_last_names_and_titles_with_an_article_count() -> None:
    assert found("Ms. Oyelaran locks the numbers in February.")[0][1] == (1,)
    assert found("The CFO wants the full price up front.")[0][1] == (1,)
    # A former title names nobody current, and a bare word inside another word never matches.
    assert found("the former CFO was a fan of ours") == []
    assert found("Jillian from procurement called back.") == []


def test_each_sentence_and_line_stands_alone() -> None:
    body = (
        "Who's who:\n- Jill (CFO) has final say.\n"
        "- Renee Xiong left in March; nobody replaced her yet."
    )
    assert found(body) == [
        ("Jill (CFO) has final say.", (1,)),
        ("Renee Xiong left in March;", (4,)),
        ("nobody replaced her yet.", (4,)),  # "her": the one person named just before
    ]


def test_an_attendee_list_is_about_nobody_in_particular() -> None:
    body = "Attendees: Jill Oyelaran (CFO), Wes Devlin, Wes Hart (IT) + us."
    assert found(body) == []
    assert found("Jill Oyelaran and Wes Hart disagree on the timeline.")[0][1] == (1, 3)


def test_only_the_person_who_left_their_post_departs() -> None:
    cases = {
        "Big change: Renee Xiong resigned as CFO.": {4},
        "Heads up: Jill left - last day was 3/10.": {1},
        "Jill has just stepped down.": {1},
        "Met Wes Devlin (Training Manager, replaced Jill).": {1},  # not the newcomer
        "Wes Hart took over from Renee Xiong in May.": {4},
        # Somebody else moving, or the person staying put, is no departure.
        "Jill's mom just moved in with them after a fall.": set(),
        "Supervisors no longer rebuild schedules, Jill is thrilled.": set(),
        "Jill is the new CFO.": set(),
    }
    for sentence, left in cases.items():
        assert departures(sentence, PEOPLE) == left, sentence


def test_a_pronoun_continues_the_person_named_alone_before() -> None:
    body = (
        "Met Jill at the summit. She signs anything over $50k. "
        "The rota is a paper binder. She hates surprise fees.\n"
        "Never bring up the audit with her."
    )
    assert [ids for _, ids in found(body)] == [(1,), (1,), (1,), (1,)]
    # She is Jill, and Wes Hart is named too; after two people named together, nobody.
    assert found("Jill called. She warned that Wes Hart will block it.")[1][1] == (1, 3)
    assert found("Jill and Wes Hart joined. She signs anything over 50k.")[1:] == []
    # A capitalised word may be someone who is not a contact: the chain stops there.
    assert found("Jill called us. Tom from IT joined late. He wants SSO.") == [
        ("Jill called us.", (1,))
    ]


def test_a_roster_of_roles_is_kept_though_it_names_several() -> None:
    roster = "Review: EB Jill Oyelaran, coach Wes Devlin, TB Wes Hart (veto)."
    assert found(roster) == [(roster, (1, 2, 3))]
