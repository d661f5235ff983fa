"""The account brief, meeting brief, role suggestions and currency, on both databases with the
real model: what a reader sees is checked against the notes written here, and what they may
not read must contribute nothing, not even a count."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import AuditEvent, NoteVerification, Role
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.worlds import Site, world_template

# key: (author, visibility, observed, contacts, body)
NOTES: dict[str, tuple[str, str, str, tuple[str, ...], str]] = {
    "final_say": ("alice", "company", "2026-10-01", ("jill",),
                  "Jill has final say on anything over $25k."),
    "coach": ("alice", "company", "2026-10-02", ("wes",),
              "Wes gave me the inside read on the org; he is the one to call when we are unsure "
              "how to proceed."),
    "marathon": ("bob", "company", "2026-09-20", ("jill",),
                 "Jill runs marathons and loves talking about her training plan."),
    "veto": ("bob", "team", "2026-08-11", ("reggie",),
             "Reggie screens every vendor and has a veto on anything technical."),
    "jazz_private": ("carol", "private", "2026-10-05", ("reggie",),
                     "Reggie Zielinski plays saxophone in a jazz band on weekends."),
    "old_cfo": ("bob", "company", "2025-03-01", ("renee",),
                "Renee Xiong signs off on all vendor spend."),
    "cfo_left": ("bob", "company", "2026-07-01", ("renee", "jill"),
                 "Renee Xiong left the company. Jill Oyelaran is the new CFO."),
    "freeze": ("alice", "company", "2026-01-10", (),
               "Budget for new scheduling software is frozen until spring."),
}  # fmt: skip


@dataclass
class World:
    people: dict[str, Person]
    account: int
    other_account: int
    contacts: dict[str, int]
    notes: dict[str, int]

    def brief(self, client: TestClient, viewer: str) -> dict[str, Any]:
        response = client.get(
            f"/v1/accounts/{self.account}/brief", headers=self.people[viewer].headers
        )
        assert response.status_code == 200, response.text
        return response.json()


@world_template
def world(site: Site) -> World:
    """Four people in two teams, two accounts, four contacts and nine notes, embedded."""
    db, client = site.db, site.client
    people = {
        "alice": make_user(db, "Alice Moreau", team="east", email="alice@tacit.example"),
        "bob": make_user(db, "Bob Lindgren", team="east"),
        "carol": make_user(db, "Carol Diaz", team="west"),
        "wen": make_user(db, "Wen Okafor", team="west", role=Role.manager),
    }
    account = make_account(db, "Bramblewood Bank", domains=["bramblewood.example"])
    other = make_account(db, "Coldwater College", domains=["coldwater.edu"])
    contacts = {
        "jill": make_contact(
            db, account, "Jill Oyelaran", title="CFO", buying_role="economic",
            email="jill@bramblewood.example",
        ),
        "wes": make_contact(db, account, "Wes Devlin", title="Training Manager"),
        "reggie": make_contact(db, account, "Reggie Zielinski", title="CIO",
                               buying_role="technical"),
        "renee": make_contact(db, account, "Renee Xiong", title="Former CFO"),
    }  # fmt: skip
    notes = {
        key: post_note(
            client,
            people[author],
            account,
            body,
            visibility=visibility,
            observed_at=f"{observed}T12:00:00Z",
            contact_ids=[contacts[c] for c in names],
        )
        for key, (author, visibility, observed, names, body) in NOTES.items()
    }
    notes["thaw"] = post_note(
        client,
        people["alice"],
        account,
        "The budget freeze is lifted; funds for scheduling software are released.",
        visibility="company",
        observed_at="2026-10-10T12:00:00Z",
        supersedes=[notes["freeze"]],
    )
    embed_everything(db, site.settings)
    return World(people, account, other, contacts, notes)


def note_ids_in(brief: dict[str, Any]) -> set[int]:
    """Every note id the brief shows or cites, anywhere."""
    ids = {i for b in brief["buying_influences"] for i in b["evidence"]}
    for items in [*brief["topics"].values(), brief["changes"], brief["stale"]]:
        ids |= {item["id"] for item in items}
    return ids


def test_buying_influences_name_the_right_people_with_evidence(
    world: World, client: TestClient
) -> None:
    brief = world.brief(client, "alice")
    by_role = {(b["role"], b["contact"]["id"]): b for b in brief["buying_influences"]}
    economic = by_role[("economic", world.contacts["jill"])]
    assert economic["confirmed"] is True
    assert world.notes["final_say"] in economic["evidence"]
    assert economic["contact"] == {
        "id": world.contacts["jill"],
        "external_id": None,
        "name": "Jill Oyelaran",
        "title": "CFO",
    }
    coach = by_role[("coach", world.contacts["wes"])]
    assert coach["confirmed"] is False  # suggested by the notes, not yet confirmed
    assert coach["evidence"] == [world.notes["coach"]]
    assert {"kind": "unconfirmed_role", "role": "coach"}.items() <= next(
        g for g in brief["gaps"] if g["role"] == "coach"
    ).items()
    missing = [g for g in brief["gaps"] if g["kind"] == "missing_role"]
    assert missing == [
        {
            "kind": "missing_role",
            "role": "user",
            "contact_id": None,
            "message": "no user buyer known",
        }
    ]
    people = {b["contact"]["id"] for b in brief["buying_influences"]}
    assert world.contacts["renee"] not in people  # she left: her old role suggests nothing
    chart = {c["id"]: c for c in brief["contacts"]}
    assert chart[world.contacts["wes"]]["suggested_role"] == "coach"
    assert chart[world.contacts["wes"]]["buying_role"] == "unknown"


def test_the_chart_puts_each_contact_under_their_manager(db: Database, client: TestClient) -> None:
    alice = make_user(db, "Alice Moreau", team="east")
    account = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    meg = make_contact(db, account, "Meg Ortiz")
    tom = make_contact(db, account, "Tom Reyes", reports_to_id=meg)
    ann = make_contact(db, account, "Ann Lee")
    sam = make_contact(db, account, "Sam Park", reports_to_id=tom)

    response = client.get(f"/v1/accounts/{account}/brief", headers=alice.headers)

    assert response.status_code == 200, response.text
    chart = [(place["contact_id"], place["depth"]) for place in response.json()["chart"]]
    assert chart == [(meg, 0), (tom, 1), (sam, 2), (ann, 0)]


def test_a_note_the_reader_cannot_see_contributes_nothing(world: World, client: TestClient) -> None:
    alice, carol = world.brief(client, "alice"), world.brief(client, "carol")
    hidden_from_alice = {world.notes["jazz_private"]}
    hidden_from_carol = {world.notes["veto"]}  # east's team note
    assert not note_ids_in(alice) & hidden_from_alice
    assert "saxophone" not in json.dumps(alice)
    assert not note_ids_in(carol) & hidden_from_carol
    assert alice["notes"] == len(world.notes) - 1
    assert carol["notes"] == len(world.notes) - 1
    # Carol knows Reggie's hobby; for Alice that personal context is missing.
    personal_gap = {
        "kind": "no_personal_context",
        "role": "technical",
        "contact_id": world.contacts["reggie"],
        "message": "no personal context on the technical buyer Reggie Zielinski",
    }
    assert personal_gap in alice["gaps"]
    assert personal_gap not in carol["gaps"]
    assert not any(
        g["kind"] == "no_personal_context" and g["contact_id"] == world.contacts["jill"]
        for g in alice["gaps"]
    )
    # Whom to ask: counted over visible notes only.
    experts = {e["user"]["id"]: e["notes"] for e in alice["experts"]}
    assert experts == {world.people["alice"].id: 4, world.people["bob"].id: 4}
    carol_experts = {e["user"]["id"]: e["notes"] for e in carol["experts"]}
    assert carol_experts == {
        world.people["alice"].id: 4,
        world.people["bob"].id: 3,
        world.people["carol"].id: 1,
    }


def test_superseded_and_contradicted_notes_are_marked_and_ranked_lower(
    world: World, client: TestClient
) -> None:
    brief = world.brief(client, "alice")
    stale = {item["id"]: item for item in brief["stale"]}
    freeze = stale[world.notes["freeze"]]
    assert freeze["superseded"] is True
    assert freeze["reason"] == f"superseded by note #{world.notes['thaw']}"
    old_cfo = stale[world.notes["old_cfo"]]
    assert old_cfo["flagged"] is True and old_cfo["stale"] is True
    assert f"#{world.notes['cfo_left']}" in old_cfo["reason"]
    assert world.notes["thaw"] not in stale and world.notes["final_say"] not in stale
    changes = {item["id"]: item for item in brief["changes"]}
    assert changes[world.notes["thaw"]]["reason"] == "replaces an older note"

    hits = client.post(
        "/v1/search",
        json={"q": "is the scheduling budget frozen", "account_id": world.account},
        headers=world.people["alice"].headers,
    ).json()["hits"]
    order = [h["note_id"] for h in hits]
    assert order.index(world.notes["thaw"]) < order.index(world.notes["freeze"])
    marks = {h["note_id"]: h for h in hits}
    assert marks[world.notes["freeze"]]["superseded"] is True
    assert marks[world.notes["thaw"]]["superseded"] is False

    note = client.get(
        f"/v1/notes/{world.notes['freeze']}", headers=world.people["bob"].headers
    ).json()
    assert note["superseded_by_id"] == world.notes["thaw"]


def test_verifying_restarts_the_clock_and_closes_the_flag(
    world: World, client: TestClient, db: Database
) -> None:
    old = world.notes["old_cfo"]
    before = client.get(f"/v1/notes/{old}", headers=world.people["bob"].headers).json()
    assert before["stale"] is True and before["verified_at"] is None
    # A rep who is not its author may not vouch for it (and so close others' flags); a manager
    # who can read it may.
    refused = client.post(f"/v1/notes/{old}/verify", headers=world.people["carol"].headers)
    assert refused.status_code == 403, refused.text
    response = client.post(f"/v1/notes/{old}/verify", headers=world.people["wen"].headers)
    assert response.status_code == 200, response.text
    after = response.json()
    assert after["stale"] is False
    assert after["verified_by_id"] == world.people["wen"].id
    assert after["stale_after"] > after["verified_at"]
    assert old not in {item["id"] for item in world.brief(client, "alice")["stale"]}
    with db.session(write=False) as session:
        who = session.scalars(
            select(NoteVerification.user_id).where(NoteVerification.note_id == old)
        )
        assert list(who) == [world.people["wen"].id]
    hidden = world.notes["jazz_private"]
    refused = client.post(f"/v1/notes/{hidden}/verify", headers=world.people["alice"].headers)
    assert refused.status_code == 404


def test_supersede_rules(world: World, client: TestClient) -> None:
    alice = world.people["alice"]
    elsewhere = post_note(
        client, alice, world.other_account, "Coldwater is on spring break.", visibility="company"
    )
    private = post_note(
        client, alice, world.account, "Jill may retire next year.", visibility="private"
    )
    newer = world.notes["thaw"]
    cases = [
        (world.notes["final_say"], elsewhere, alice, 422),  # another account
        (world.notes["final_say"], private, alice, 422),  # fewer readers than the old note
        (world.notes["final_say"], newer, world.people["bob"], 403),  # not bob's note
        (world.notes["jazz_private"], newer, alice, 404),  # alice cannot read it
        (world.notes["final_say"], world.notes["final_say"], alice, 422),
    ]
    for old, by, person, status in cases:
        response = client.post(
            f"/v1/notes/{old}/supersede", json={"by": by}, headers=person.headers
        )
        assert response.status_code == status, (old, by, response.text)
    ok = client.post(
        f"/v1/notes/{world.notes['coach']}/supersede", json={"by": newer}, headers=alice.headers
    )
    assert ok.status_code == 200 and ok.json()["superseded_by_id"] == newer


def test_topics_are_classified_and_the_author_can_correct_them(
    world: World, client: TestClient
) -> None:
    alice, bob = world.people["alice"], world.people["bob"]
    url = f"/v1/notes/{world.notes['marathon']}"
    note = client.get(url, headers=alice.headers).json()
    assert note["topics"] == ["personal"] and note["topics_corrected"] is False
    not_hers = client.put(f"{url}/topics", json={"topics": ["logistics"]}, headers=alice.headers)
    assert not_hers.status_code == 403
    unknown = client.put(f"{url}/topics", json={"topics": ["weather"]}, headers=bob.headers)
    assert unknown.status_code == 422
    corrected = client.put(f"{url}/topics", json={"topics": ["logistics"]}, headers=bob.headers)
    assert corrected.json()["topics"] == ["logistics"] and corrected.json()["topics_corrected"]
    brief = world.brief(client, "alice")
    assert world.notes["marathon"] in {i["id"] for i in brief["topics"]["logistics"]}
    assert world.notes["marathon"] not in {i["id"] for i in brief["topics"]["personal"]}
    undone = client.put(f"{url}/topics", json={"topics": []}, headers=bob.headers).json()
    assert undone["topics"] == ["personal"] and undone["topics_corrected"] is False


def test_role_suggestions_are_confirmed_or_rejected(
    world: World, client: TestClient, db: Database
) -> None:
    alice = world.people["alice"]
    url = f"/v1/accounts/{world.account}/role-suggestions"
    suggestions = client.get(url, headers=alice.headers).json()
    assert [(s["contact"]["id"], s["role"], s["evidence"]) for s in suggestions] == [
        (world.contacts["wes"], "coach", [world.notes["coach"]])
    ]
    wes = world.contacts["wes"]
    rejected = client.post(
        f"/v1/contacts/{wes}/role-decisions",
        json={"role": "coach", "decision": "reject"},
        headers=alice.headers,
    )
    assert rejected.status_code == 200 and rejected.json()["buying_role"] == "unknown"
    assert client.get(url, headers=alice.headers).json() == []
    # A rep's rejection is theirs: a colleague is still asked.
    bob = world.people["bob"]
    assert [s["role"] for s in client.get(url, headers=bob.headers).json()] == ["coach"]
    decision = {"role": "coach", "decision": "confirm", "evidence": [world.notes["coach"]]}
    refused = client.post(f"/v1/contacts/{wes}/role-decisions", json=decision, headers=bob.headers)
    assert refused.status_code == 403, refused.text
    confirmed = client.post(
        f"/v1/contacts/{wes}/role-decisions", json=decision, headers=world.people["wen"].headers
    )
    assert confirmed.json()["buying_role"] == "coach"
    coach = [b for b in world.brief(client, "alice")["buying_influences"] if b["role"] == "coach"]
    assert [(b["contact"]["id"], b["confirmed"]) for b in coach] == [(wes, True)]
    with db.session(write=False) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == str(wes))
        ).all()
    assert "contact.buying_role_change" in actions


def test_a_curators_rejection_hides_the_suggestion_for_everyone(
    world: World, client: TestClient
) -> None:
    url = f"/v1/accounts/{world.account}/role-suggestions"
    wes = world.contacts["wes"]
    rejected = client.post(
        f"/v1/contacts/{wes}/role-decisions",
        json={"role": "coach", "decision": "reject"},
        headers=world.people["wen"].headers,
    )
    assert rejected.status_code == 200, rejected.text
    for reader in ("alice", "bob", "wen"):
        suggested = client.get(url, headers=world.people[reader].headers).json()
        assert [s for s in suggested if s["contact"]["id"] == wes] == [], reader


INVITATION = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nSUMMARY:Budget review\r\n"
    "DTSTART:20261201T150000Z\r\n"
    "ORGANIZER;CN=Alice Moreau:mailto:alice@tacit.example\r\n"
    'ATTENDEE;CN="Wes Devlin":mailto:wes.devlin@bramblewood.example\r\n'
    "END:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_meeting_brief_knows_each_attendee(world: World, client: TestClient) -> None:
    response = client.post(
        "/v1/briefs/meeting",
        json={"attendees": ["Jill Oyelaran <jill@bramblewood.example>"], "invitation": INVITATION},
        headers=world.people["alice"].headers,
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["meeting"]["summary"] == "Budget review"
    assert result["account_brief"]["account"]["id"] == world.account
    people = {a["email"]: a for a in result["attendees"]}
    assert people["alice@tacit.example"]["colleague"] is True
    jill = people["jill@bramblewood.example"]
    assert jill["contact"]["id"] == world.contacts["jill"]
    assert world.notes["marathon"] in {n["id"] for n in jill["personal"]}
    wes = people["wes.devlin@bramblewood.example"]  # found by name: the contact has no e-mail
    assert wes["contact"]["id"] == world.contacts["wes"]
    assert world.notes["coach"] in {n["id"] for n in wes["notes"]}

    unknown = client.post(
        "/v1/briefs/meeting",
        json={"attendees": ["someone@nowhere.example"]},
        headers=world.people["alice"].headers,
    ).json()
    assert unknown["account_brief"] is None and unknown["account_problem"]
    for bad in ({"attendees": []}, {"invitation": "not a calendar"}, {"attendees": ["jill@"]}):
        reply = client.post("/v1/briefs/meeting", json=bad, headers=world.people["alice"].headers)
        assert reply.status_code == 422, bad


def test_brief_errors(world: World, client: TestClient) -> None:
    assert client.get(f"/v1/accounts/{world.account}/brief").status_code == 401
    missing = client.get("/v1/accounts/999999/brief", headers=world.people["alice"].headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
