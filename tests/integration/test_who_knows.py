"""``GET /v1/who-knows`` on both databases: colleagues ranked by what they wrote on it (recency,
count, helpful marks, meetings), counting only the notes the asker may read, so that nobody
learns who holds private notes on it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from tests.factories import Person, make_account, make_contact, make_user, post_note
from tests.worlds import Site, world_template

SAME_DAY = "2026-09-01T12:00:00Z"


@dataclass
class World:
    people: dict[str, Person]
    account: int
    contacts: dict[str, int]
    notes: dict[str, int]


@world_template
def world(site: Site) -> World:
    """Five colleagues in two teams, one account, two contacts; notes about Reggie that differ
    only in what makes one count more: a meeting, helpful marks, privacy."""
    db, client = site.db, site.client
    people = {
        "asker": make_user(db, "Ada Asker", team="east"),
        "bob": make_user(db, "Bob Notes", team="east"),
        "cy": make_user(db, "Cy Meets", team="east"),
        "dee": make_user(db, "Dee Private", team="west"),
        "eli": make_user(db, "Eli Team", team="west"),
    }
    account = make_account(db, "Bramblewood Bank", domains=["bramblewood.example"])
    contacts = {
        "reggie": make_contact(db, account, "Reggie Zielinski", title="CIO"),
        "jill": make_contact(db, account, "Jill Oyelaran", title="CFO"),
    }

    def note(author: str, body: str, visibility: str = "company", **fields: Any) -> int:
        return post_note(
            client,
            people[author],
            account,
            body,
            visibility=visibility,
            observed_at=SAME_DAY,
            contact_ids=[contacts["reggie"]],
            **fields,
        )

    notes = {
        "bob": note("bob", "Reggie Zielinski wants every vendor to pass a SOC 2 review first."),
        "cy": note("cy", "Met Reggie on site about the SSO rollout: he wants SAML, not OIDC."),
        # Dee wrote the most on Reggie, all of it private: nobody else may learn she did.
        "dee_1": note("dee", "Reggie Zielinski plays saxophone in a jazz band.", "private"),
        "dee_2": note("dee", "Reggie Zielinski distrusts vendors that oversell AI.", "private"),
        "dee_3": note("dee", "Lunch with Reggie: his daughter starts college in May.", "private"),
        # West's team note: west reads it, east does not.
        "eli": note("eli", "Reggie Zielinski runs a weekly architecture board.", "team"),
        "asker": note("asker", "Reggie Zielinski signs off on every integration."),
    }
    return World(people, account, contacts, notes)


def who_knows(client: TestClient, person: Person, **params: str) -> dict[str, Any]:
    response = client.get("/v1/who-knows", headers=person.headers, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ranked(answer: dict[str, Any]) -> list[str]:
    return [p["user"]["name"] for p in answer["people"]]


def test_a_meeting_outranks_a_note_and_the_reason_is_shown(
    world: World, client: TestClient
) -> None:
    known = who_knows(client, world.people["asker"], contact=str(world.contacts["reggie"]))
    # Cy met Reggie; Bob only wrote about him, the same day: the meeting counts double.
    assert ranked(known) == ["Cy Meets", "Bob Notes"]
    cy, bob = known["people"]
    assert (cy["notes"], cy["meetings"], cy["helpful"]) == (1, 1, 0)
    assert (bob["notes"], bob["meetings"], bob["helpful"]) == (1, 0, 0)
    assert abs(cy["score"] - 2 * bob["score"]) <= 0.002
    assert cy["why"].startswith("1 note, 1 of them a meeting; the last ")
    assert known["notes"] == 2


def test_helpful_marks_change_the_ranking(world: World, client: TestClient) -> None:
    for marker in ("eli", "dee", "asker"):
        marked = client.post(
            f"/v1/notes/{world.notes['bob']}/helpful", headers=world.people[marker].headers
        )
        assert marked.status_code == 204, marked.text
    known = who_knows(client, world.people["asker"], contact=str(world.contacts["reggie"]))
    # Three readers vouched for Bob's note: 1 + 3 x 0.5 outweighs Cy's meeting (1 + 1).
    assert ranked(known) == ["Bob Notes", "Cy Meets"]
    assert known["people"][0]["helpful"] == 3
    assert "3 helpful marks" in known["people"][0]["why"]


def test_only_readable_notes_count_and_private_holders_stay_hidden(
    world: World, client: TestClient
) -> None:
    reggie = str(world.contacts["reggie"])
    east = who_knows(client, world.people["asker"], contact=reggie)
    assert "Dee Private" not in ranked(east) and "Eli Team" not in ranked(east)
    by_account = who_knows(client, world.people["asker"], account="Bramblewood Bank")
    assert ranked(by_account) == ["Cy Meets", "Bob Notes"] and by_account["notes"] == 2
    # Eli (west) is left out of his own; he reads Ada's company note, not Dee's private ones.
    assert set(ranked(who_knows(client, world.people["eli"], contact=reggie))) == {
        "Cy Meets",
        "Bob Notes",
        "Ada Asker",
    }
    dee = who_knows(client, world.people["dee"], contact=reggie)
    assert set(ranked(dee)) == {"Cy Meets", "Bob Notes", "Eli Team", "Ada Asker"}
    assert dee["notes"] == 4
    # A word only Dee's private notes hold finds nobody, for anyone but Dee.
    assert who_knows(client, world.people["asker"], q="saxophone")["people"] == []
    assert who_knows(client, world.people["eli"], q="saxophone")["notes"] == 0


def test_q_and_topic_name_the_same_thing(world: World, client: TestClient) -> None:
    asker = world.people["asker"]
    by_q = who_knows(client, asker, account="bramblewood.example", q="SSO")
    by_topic = who_knows(client, asker, account="bramblewood.example", topic="SSO")
    assert ranked(by_q) == ranked(by_topic) == ["Cy Meets"]
    assert by_q["topic"] == "SSO"
    both = client.get("/v1/who-knows", headers=asker.headers, params={"q": "SSO", "topic": "SOC 2"})
    assert both.status_code == 422 and "once" in both.json()["detail"]
    assert client.get("/v1/who-knows", headers=asker.headers, params={"q": ""}).status_code == 422


def test_a_new_note_counts_at_once(world: World, client: TestClient) -> None:
    # The mention finder reads names only once a note is embedded; linked contacts count at once.
    post_note(
        client,
        world.people["bob"],
        world.account,
        "Jill Oyelaran has final say on anything over $25k.",
        visibility="company",
        contact_ids=[world.contacts["jill"]],
    )
    known = who_knows(client, world.people["asker"], contact="Jill Oyelaran")
    assert ranked(known) == ["Bob Notes"] and known["contact"]["name"] == "Jill Oyelaran"
