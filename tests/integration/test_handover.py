"""When someone leaves: the handover report (counts, never text; only-source accounts;
contacts only they documented; stale facts only they can verify), who may read it, the
leaver's bulk share of their private notes, and TACIT_PRIVATE_NOTES_ON_DEPARTURE at
deactivation. Both databases.

The history: Rita (a rep in east) is the only source on Harbor and Quay; on Shore her
colleague Cole (east) and Wes (west, company notes) write too."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Note, Role
from app.db.outbox import Event
from app.main import create_app
from tests.factories import Person, make_account, make_contact, make_user, post_note

LONG_AGO = (utcnow() - timedelta(days=400)).isoformat()


@dataclass
class History:
    rita: Person
    cole: Person
    mona: Person  # manager of east, Rita's team
    wes: Person
    wanda: Person  # manager of west
    ada: Person  # admin, in ops
    harbor: int
    quay: int
    shore: int
    meg: int  # on Harbor: only Rita's notes link her
    pat: int  # on Quay: Rita's note and Wes's private one link her
    sam: int  # on Shore: Rita's and Cole's notes link him
    private: dict[str, list[int]]  # Rita's private notes by account name
    wes_private: int
    bodies: list[str]


@pytest.fixture
def history(db: Database, client: TestClient) -> History:
    rita, cole = make_user(db, "Rita", team="east"), make_user(db, "Cole", team="east")
    mona = make_user(db, "Mona", team="east", role=Role.manager)
    wes = make_user(db, "Wes", team="west")
    wanda = make_user(db, "Wanda", team="west", role=Role.manager)
    ada = make_user(db, "Ada", team="ops", role=Role.admin)
    harbor, quay, shore = (make_account(db, n) for n in ("Harbor", "Quay", "Shore"))
    meg, pat, sam = (
        make_contact(db, harbor, "Meg"),
        make_contact(db, quay, "Pat"),
        make_contact(db, shore, "Sam"),
    )
    bodies: list[str] = []

    def note(author: Person, account: int, visibility: str, **fields: object) -> int:
        body = f"secret-{len(bodies)} about account {account}"
        bodies.append(body)
        return post_note(client, author, account, body, visibility=visibility, **fields)

    private = {
        "harbor": [note(rita, harbor, "private", contact_ids=[meg]) for _ in range(2)],
        "quay": [note(rita, quay, "private")],
        "shore": [note(rita, shore, "private", observed_at=LONG_AGO)],
    }
    stale = [
        note(rita, harbor, "team", observed_at=LONG_AGO),
        note(rita, shore, "team", observed_at=LONG_AGO, contact_ids=[sam]),
        *private["shore"],
    ]
    for _ in range(2):
        note(rita, harbor, "team")
    note(rita, harbor, "company")
    note(rita, quay, "team", contact_ids=[pat])
    note(rita, quay, "team")
    wes_private = note(wes, quay, "private", contact_ids=[pat])
    for _ in range(2):
        note(cole, shore, "team", contact_ids=[sam])
        note(wes, shore, "company")
    with db.unit_of_work() as session:
        session.execute(
            update(Note).where(Note.id.in_(stale)).values(stale_after=utcnow() - timedelta(days=1))
        )
    return History(
        rita, cole, mona, wes, wanda, ada, harbor, quay, shore, meg, pat, sam, private,
        wes_private, bodies,
    )  # fmt: skip


def report(client: TestClient, viewer: Person, user: Person) -> dict[str, Any]:
    response = client.get(f"/v1/users/{user.id}/handover", headers=viewer.headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_the_report_counts_their_notes_names_their_only_sources_and_shows_no_text(
    client: TestClient, history: History
) -> None:
    h = history
    body = report(client, h.mona, h.rita)
    by_name = {row["account"]["name"]: row for row in body["accounts"]}
    assert by_name["Harbor"]["notes"] == {"private": 2, "team": 3, "company": 1}
    assert by_name["Quay"]["notes"] == {"private": 1, "team": 2, "company": 0}
    assert by_name["Shore"]["notes"] == {"private": 1, "team": 1, "company": 0}
    assert [r["account"]["name"] for r in body["accounts"] if r["only_source"]] == [
        "Harbor",
        "Quay",
    ]
    assert body["only_source_accounts"] == 2
    # Harbor: her old team note (nobody wrote since); Shore: her private one only (Cole wrote
    # after her stale team note, so he can check it); Quay has nothing stale.
    assert {n: r["stale_only_they_can_verify"] for n, r in by_name.items()} == {
        "Harbor": 1,
        "Quay": 0,
        "Shore": 1,
    }
    # Pat: Wes's private note is nobody's to ask about; Sam: Cole documented him too.
    assert [c["id"] for c in body["contacts_only_they_documented"]] == [h.meg, h.pat]
    assert body["private_notes_on_departure"] == "keep"
    raw = client.get(f"/v1/users/{h.rita.id}/handover", headers=h.ada.headers).text
    assert not any(text in raw for text in h.bodies)


def test_only_admins_and_the_users_manager_see_a_handover(
    client: TestClient, history: History
) -> None:
    h = history
    assert report(client, h.ada, h.rita)["user"]["id"] == h.rita.id
    assert report(client, h.mona, h.cole)["user"]["id"] == h.cole.id
    for viewer in (h.cole, h.wanda, h.wes, h.rita):
        response = client.get(f"/v1/users/{h.rita.id}/handover", headers=viewer.headers)
        assert response.status_code == 403, viewer
    assert client.get("/v1/users/999999/handover", headers=h.ada.headers).status_code == 404
    assert client.get(f"/v1/users/{h.rita.id}/handover").status_code == 401


def test_the_bulk_share_moves_only_the_callers_own_private_notes_on_one_account(
    client: TestClient, db: Database, history: History
) -> None:
    h = history
    for note_id in h.private["harbor"]:
        assert client.get(f"/v1/notes/{note_id}", headers=h.cole.headers).status_code == 404
    response = client.post(
        "/v1/me/handover/share",
        headers=h.rita.headers,
        json={"account_id": h.harbor, "visibility": "team"},
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"account_id": h.harbor, "visibility": "team", "shared": 2}
    for note_id in h.private["harbor"]:
        got = client.get(f"/v1/notes/{note_id}", headers=h.cole.headers)
        assert got.status_code == 200 and got.json()["visibility"] == "team"
        assert client.get(f"/v1/notes/{note_id}", headers=h.wes.headers).status_code == 404
    # Her private note on Quay stays, and Wes's own private note there is not hers to share.
    assert (
        client.get(f"/v1/notes/{h.private['quay'][0]}", headers=h.cole.headers).status_code == 404
    )
    shared = client.post(
        "/v1/me/handover/share",
        headers=h.mona.headers,
        json={"account_id": h.quay, "visibility": "company"},
    )
    assert shared.json()["shared"] == 0
    assert client.get(f"/v1/notes/{h.wes_private}", headers=h.mona.headers).status_code == 404
    with db.session(write=False) as session:
        trail = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "handover.share").order_by(AuditEvent.id)
        ).all()
        changes = session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == "note.visibility_change")
        ).all()
    assert [(e.actor_id, e.target_id, e.details["notes"]) for e in trail] == [
        (h.rita.id, str(h.harbor), 2),
        (h.mona.id, str(h.quay), 0),
    ]
    assert sorted(c or "" for c in changes) == sorted(str(n) for n in h.private["harbor"])
    refused = client.post(
        "/v1/me/handover/share",
        headers=h.rita.headers,
        json={"account_id": h.harbor, "visibility": "private"},
    )
    assert refused.status_code == 422


@pytest.fixture
def team_rule_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    team = settings.model_copy(update={"private_notes_on_departure": "team"})
    with TestClient(create_app(team), raise_server_exceptions=False) as test_client:
        yield test_client


def deactivate(client: TestClient, admin: Person, user: Person) -> None:
    response = client.patch(
        f"/v1/users/{user.id}", headers=admin.headers, json={"is_active": False}
    )
    assert response.status_code == 200, response.text


def departures(db: Database) -> list[tuple[str, int | None]]:
    with db.session(write=False) as session:
        events = session.execute(
            select(Event.type, Event.user_id).where(Event.type == "user.deactivated")
        ).all()
        trail = session.execute(
            select(AuditEvent.action, AuditEvent.details).where(
                AuditEvent.action == "user.departure_share"
            )
        ).all()
    return [(t, u) for t, u in events] + [(a, d["notes"]) for a, d in trail]


def test_keep_leaves_a_leavers_private_notes_private(
    client: TestClient, db: Database, history: History
) -> None:
    h = history
    deactivate(client, h.ada, h.rita)
    for ids in h.private.values():
        for note_id in ids:
            assert client.get(f"/v1/notes/{note_id}", headers=h.mona.headers).status_code == 404
    assert departures(db) == [("user.deactivated", h.rita.id)]


def test_team_makes_a_leavers_private_notes_their_teams_at_deactivation(
    team_rule_client: TestClient, db: Database, history: History
) -> None:
    h, client = history, team_rule_client
    assert report(client, h.mona, h.rita)["private_notes_on_departure"] == "team"
    deactivate(client, h.ada, h.rita)
    for ids in h.private.values():
        for note_id in ids:
            got = client.get(f"/v1/notes/{note_id}", headers=h.cole.headers)
            assert got.status_code == 200 and got.json()["visibility"] == "team"
            assert client.get(f"/v1/notes/{note_id}", headers=h.wes.headers).status_code == 404
    assert client.get(f"/v1/notes/{h.wes_private}", headers=h.wanda.headers).status_code == 404
    assert departures(db) == [("user.deactivated", h.rita.id), ("user.departure_share", 4)]


def test_authors_are_told_the_departure_rule_where_they_choose_private(
    client: TestClient, team_rule_client: TestClient
) -> None:
    for test_client, said in ((client, "keep): they stay private"), (team_rule_client, "team)")):
        schemas = test_client.get("/openapi.json").json()["components"]["schemas"]
        for name in ("NoteCreate", "NoteUpdate"):
            description = schemas[name]["properties"]["visibility"]["description"]
            assert f"TACIT_PRIVATE_NOTES_ON_DEPARTURE={said}" in description, name
