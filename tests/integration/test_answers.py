"""Direct answers in search, on both databases with the real model: a question the influence
map can answer gets the fact, the people and the evidence above the hits, the evidence first
among the hits; without a confident answer there is none; and no answer names a fact, cites a
note or counts a colleague the asker may not read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from app.db.models import Role
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.worlds import Site, world_template

PASSWORD = "correct horse battery"  # as tests.integration.test_web_pages signs in

# key: (author, visibility, account, contacts, body)
NOTES: dict[str, tuple[str, str, str, tuple[str, ...], str]] = {
    "final_say": ("alice", "company", "bramblewood", ("jill",),
                  "Jill has final say on anything over $25k."),
    "desk": ("bob", "company", "bramblewood", (),
             "Sign in at the security desk with a photo ID; the visitor lobby is upstairs."),
    "marathon": ("bob", "company", "bramblewood", ("jill",),
                 "Jill runs marathons and loves talking about her training plan."),
    "coach": ("alice", "company", "bramblewood", ("wes",),
              "Wes gave me the inside read on the org; he is the one to call when we are "
              "unsure how to proceed."),
    "veto": ("bob", "team", "bramblewood", ("reggie",),
             "Reggie screens every vendor and has a veto on anything technical."),
    "tom_private": ("carol", "private", "coldwater", ("tom",),
                    "Tom Baxter gave me the inside read on their committee; he is the one to "
                    "call when we are unsure how to proceed."),
    "registrar": ("alice", "company", "coldwater", ("ana",),
                  "Ana Ruiz runs the registrar's office and prefers e-mail to calls."),
}  # fmt: skip


@dataclass
class World:
    people: dict[str, Person]
    accounts: dict[str, int]
    contacts: dict[str, int]
    notes: dict[str, int]

    def ask(self, client: TestClient, who: str, q: str, **filters: Any) -> dict[str, Any]:
        response = client.post(
            "/v1/search", headers=self.people[who].headers, json={"q": q, **filters}
        )
        assert response.status_code == 200, response.text
        return response.json()


@world_template
def world(site: Site) -> World:
    """Five colleagues in two teams; Bramblewood with a recorded economic and technical buyer
    and a coach the notes suggest; Coldwater with no role known but in Carol's private note."""
    db, client = site.db, site.client
    people = {
        "alice": make_user(db, "Alice Moreau", team="east", password=PASSWORD),
        "bob": make_user(db, "Bob Lindgren", team="east"),
        "mia": make_user(db, "Mia Ford", team="east", role=Role.manager),
        "carol": make_user(db, "Carol Diaz", team="west"),
        "wen": make_user(db, "Wen Okafor", team="west", role=Role.manager),
    }
    accounts = {
        "bramblewood": make_account(db, "Bramblewood Bank", domains=["bramblewood.example"]),
        "coldwater": make_account(db, "Coldwater College", domains=["coldwater.edu"]),
    }
    bramblewood, coldwater = accounts["bramblewood"], accounts["coldwater"]
    contacts = {
        "jill": make_contact(db, bramblewood, "Jill Oyelaran", title="CFO",
                             buying_role="economic"),
        "wes": make_contact(db, bramblewood, "Wes Devlin", title="Training Manager"),
        "reggie": make_contact(db, bramblewood, "Reggie Zielinski", title="CIO",
                               buying_role="technical"),
        "tom": make_contact(db, coldwater, "Tom Baxter", title="Dean of Students"),
        "ana": make_contact(db, coldwater, "Ana Ruiz", title="Registrar"),
    }  # fmt: skip
    notes = {
        key: post_note(
            client,
            people[author],
            accounts[account],
            body,
            visibility=visibility,
            observed_at="2026-10-01T12:00:00Z",
            contact_ids=[contacts[c] for c in named],
        )
        for key, (author, visibility, account, named, body) in NOTES.items()
    }
    embed_everything(db, site.settings)
    return World(people, accounts, contacts, notes)


def test_a_role_question_names_the_person_with_evidence_first(
    world: World, client: TestClient
) -> None:
    found = world.ask(client, "alice", "who signs off on budget at Bramblewood?")
    answer = found["answer"]
    assert answer["intent"] == "economic_buyer" and answer["basis"] == "recorded"
    assert [p["id"] for p in answer["people"]] == [world.contacts["jill"]]
    assert answer["people"][0]["title"] == "CFO"
    assert answer["text"] == "Jill Oyelaran (CFO) is the economic buyer at Bramblewood Bank."
    assert [e["note_id"] for e in answer["evidence"]] == [world.notes["final_say"]]
    assert answer["evidence"][0]["passage"] == "Jill has final say on anything over $25k."
    assert answer["as_of"].startswith("2026-10-01") and answer["confirmed_at"] is None
    # The evidence leads the hits; the security desk and the marathons do not answer it.
    first = found["hits"][0]
    assert first["note_id"] == world.notes["final_say"] and first["evidence"] is True
    assert not any(h["evidence"] for h in found["hits"][1:])


def test_a_confirmed_role_is_dated_by_its_confirmation(world: World, client: TestClient) -> None:
    confirmed = client.post(
        f"/v1/contacts/{world.contacts['jill']}/influence/decisions",
        headers=world.people["mia"].headers,
        json={
            "field": "roles",
            "value": "economic",
            "decision": "confirm",
            "evidence": [
                {
                    "note_id": world.notes["final_say"],
                    "sentence": "Jill has final say on anything over $25k.",
                }
            ],
        },
    )
    assert confirmed.status_code == 200, confirmed.text
    answer = world.ask(client, "bob", "who has the final say at Bramblewood Bank?")["answer"]
    assert answer["basis"] == "confirmed" and answer["confirmed_at"] is not None
    assert answer["as_of"] == answer["confirmed_at"]  # newer than the note it cites
    assert [p["name"] for p in answer["people"]] == ["Jill Oyelaran"]
    assert [e["note_id"] for e in answer["evidence"]] == [world.notes["final_say"]]


def test_the_technical_buyer_is_cited_only_from_notes_the_reader_may_read(
    world: World, client: TestClient
) -> None:
    question = "who is the technical buyer at Bramblewood?"
    east = world.ask(client, "alice", question)
    assert [p["name"] for p in east["answer"]["people"]] == ["Reggie Zielinski"]
    assert [e["note_id"] for e in east["answer"]["evidence"]] == [world.notes["veto"]]
    assert east["hits"][0]["note_id"] == world.notes["veto"]
    # West may not read Bob's team note: the recorded role stands, with no evidence.
    west = world.ask(client, "carol", question)
    assert [p["name"] for p in west["answer"]["people"]] == ["Reggie Zielinski"]
    assert west["answer"]["evidence"] == []
    assert world.notes["veto"] not in {h["note_id"] for h in west["hits"]}


def test_a_suggested_coach_is_said_to_be_a_suggestion(world: World, client: TestClient) -> None:
    answer = world.ask(client, "bob", "who is our coach at Bramblewood?")["answer"]
    assert answer["intent"] == "coach" and answer["basis"] == "suggested"
    assert [p["name"] for p in answer["people"]] == ["Wes Devlin"]
    assert (
        answer["text"].startswith("The notes suggest Wes Devlin")
        and "not confirmed" in (answer["text"])
    )
    assert [e["note_id"] for e in answer["evidence"]] == [world.notes["coach"]]


def test_a_private_fact_is_answered_to_its_author_only(world: World, client: TestClient) -> None:
    question = "who is our coach at Coldwater College?"
    author = world.ask(client, "carol", question)["answer"]
    assert author is not None and [p["name"] for p in author["people"]] == ["Tom Baxter"]
    assert [e["note_id"] for e in author["evidence"]] == [world.notes["tom_private"]]
    for other in ("alice", "wen", "mia"):  # a manager of her team gets no more
        found = world.ask(client, other, question)
        assert found["answer"] is None, other
        assert world.notes["tom_private"] not in {h["note_id"] for h in found["hits"]}
        assert "Tom" not in str(found["hits"])


def test_no_confident_answer_means_none(world: World, client: TestClient) -> None:
    for question in (
        "what is the weather like in Lisbon?",  # unrelated
        "who signs off on budget?",  # no account named
        "who signs off at Coldwater College?",  # an account with no role known
        "is the budget frozen at Bramblewood?",  # about money, not asking who
        "who signs off at Bramblewood Bank and Coldwater College?",  # two accounts
    ):
        found = world.ask(client, "alice", question)
        assert found["answer"] is None, question
        assert not any(h["evidence"] for h in found["hits"]), question


def test_the_search_filters_win_over_the_question(world: World, client: TestClient) -> None:
    scoped = world.ask(client, "alice", "who has final budget authority?",
                       account_id=world.accounts["bramblewood"])  # fmt: skip
    assert [p["name"] for p in scoped["answer"]["people"]] == ["Jill Oyelaran"]
    # Evidence outside the filters is named in the answer, not forced into the hits.
    by_bob = world.ask(client, "alice", "who signs off at Bramblewood?",
                       author_id=world.people["bob"].id)  # fmt: skip
    assert [e["note_id"] for e in by_bob["answer"]["evidence"]] == [world.notes["final_say"]]
    assert world.notes["final_say"] not in {h["note_id"] for h in by_bob["hits"]}


def test_confirmed_buttons_answer_what_a_person_cares_about(
    world: World, client: TestClient
) -> None:
    edited = client.patch(
        f"/v1/contacts/{world.contacts['jill']}/influence",
        headers=world.people["alice"].headers,
        json={"hot_buttons": ["cost per branch", "marathon training"],
              "key_win_result": "a board win on branch costs"},
    )  # fmt: skip
    assert edited.status_code == 200, edited.text
    answer = world.ask(client, "carol", "what does Jill Oyelaran care about?")["answer"]
    assert answer["intent"] == "hot_buttons" and answer["basis"] == "confirmed"
    assert answer["facts"] == ["cost per branch", "marathon training"]
    assert answer["text"] == (
        "Jill Oyelaran (CFO) cares about: cost per branch; marathon training. "
        "What they want personally: a board win on branch costs."
    )
    assert answer["confirmed_at"] is not None
    # Nothing confirmed or suggested about what puts her off: no answer.
    assert world.ask(client, "carol", "what should I avoid with Jill Oyelaran?")["answer"] is None


def test_who_knows_a_person_counts_only_readable_notes(world: World, client: TestClient) -> None:
    question = "who knows Reggie Zielinski best?"
    east = world.ask(client, "alice", question)["answer"]
    assert east["intent"] == "who_knows" and east["basis"] == "notes"
    assert [c["user"]["name"] for c in east["colleagues"]] == ["Bob Lindgren"]
    assert east["text"] == "Bob Lindgren knows Reggie Zielinski best: 1 note."
    assert [e["note_id"] for e in east["evidence"]] == [world.notes["veto"]]
    assert not any(h["evidence"] for h in world.ask(client, "alice", question)["hits"])
    # West reads no note on Reggie: nobody is named, not even that someone knows.
    assert world.ask(client, "carol", question)["answer"] is None


def test_the_mcp_search_and_the_web_page_show_the_answer(world: World, client: TestClient) -> None:
    from tests.integration.test_web_pages import sign_in

    assert sign_in(client, world.people["alice"], password=PASSWORD).status_code == 303
    page = client.get("/", params={"q": "who signs off on budget at Bramblewood?"})
    assert page.status_code == 200
    assert 'class="answer"' in page.text and "Jill Oyelaran" in page.text
    assert f'href="/notes/{world.notes["final_say"]}"' in page.text
    plain = client.get("/", params={"q": "what is the weather like in Lisbon?"})
    assert 'class="answer"' not in plain.text
