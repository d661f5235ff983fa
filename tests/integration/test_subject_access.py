"""Subject access on both databases: an admin gets everything held about a contact (notes of
every author and visibility, linked or merely naming them, deleted ones, edited revisions,
role decisions, who read their personal context, searches and e-mail), as JSON and as a zip
archive, and each request is audited; nobody else may ask. `tacit contacts subject-access`
writes the same archive."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Role, Search
from tests.factories import (
    Person,
    deliver_mail,
    make_account,
    make_contact,
    make_user,
    post_note,
    raw_mail,
)
from tests.integration.test_cli import assert_clean_failure, tacit

JILL_EMAIL = "jill@bramblewood.example"


@dataclass
class World:
    people: dict[str, Person]
    jill: int
    held: dict[str, int]  # what the dossier must hold, by name
    not_held: list[int]  # notes that only look alike


def _patch(client: TestClient, who: Person, note_id: int, **fields: Any) -> None:
    response = client.patch(
        f"/v1/notes/{note_id}", json=fields, headers={**who.headers, "If-Match": '"v1"'}
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def world(client: TestClient, db: Database) -> World:
    people = {
        "alice": make_user(db, "Alice Moreau", team="east", email="alice@tacit.example"),
        "bob": make_user(db, "Bob Lindgren", team="east"),
        "carol": make_user(db, "Carol Diaz", team="west"),
        "mona": make_user(db, "Mona Field", team="east", role=Role.manager),
        "adam": make_user(db, "Adam Root", team=None, role=Role.admin),
    }
    alice, bob, carol, mona = (people[k] for k in ("alice", "bob", "carol", "mona"))
    bank = make_account(db, "Bramblewood Bank", domains=["bramblewood.example"])
    harbor = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    jill = make_contact(db, bank, "Jill Oyelaran", title="CFO", email=JILL_EMAIL)
    make_contact(db, bank, "Tariq Haddad", title="COO")
    held = {
        # Three authors, three visibilities; linked, or merely naming her.
        "alice_private_linked": post_note(
            client,
            alice,
            bank,
            "Jill's daughter starts college in the fall.",
            visibility="private",
            contact_ids=[jill],
        ),
        "bob_team_named": post_note(
            client, bob, bank, "Budget talk went well. Jill Oyelaran prefers calls before 9am."
        ),
        "carol_company_edited": post_note(
            client,
            carol,
            bank,
            "Jill is going through a divorce, keep it light.",
            visibility="company",
            contact_ids=[jill],
        ),
        # Another account's notes name her by full name (any case) or e-mail only.
        "carol_other_account": post_note(
            client, carol, harbor, "Met jill  OYELARAN at the Harbor offsite.", visibility="team"
        ),
        "carol_private_email": post_note(
            client,
            carol,
            harbor,
            f"Forwarded the intro to {JILL_EMAIL.upper()}.",
            visibility="private",
        ),
        "alice_deleted": post_note(
            client, alice, bank, "Jill trains for the Boston marathon.", visibility="company"
        ),
    }
    held["bob_unlinked"] = post_note(
        client, bob, bank, "Budget review moved to the 12th.", contact_ids=[jill]
    )
    # The edits take her out of the text and the links: the first versions still hold her.
    _patch(client, carol, held["carol_company_edited"], body="Keep it light.", contact_ids=[])
    _patch(client, bob, held["bob_unlinked"], contact_ids=[])
    assert (
        client.delete(f"/v1/notes/{held['alice_deleted']}", headers=alice.headers).status_code
        == 204
    )
    mail = raw_mail(
        sender="alice@tacit.example",
        to=f"Jill Oyelaran <{JILL_EMAIL}>",
        message_id="<budget-7@mail.tacit.example>",
        body="Thanks for the call; the budget review is on the 12th.",
    )
    captured = deliver_mail(client, alice, mail)
    assert captured.status_code == 201, captured.text
    held["email_capture"] = captured.json()["id"]
    not_held = [
        post_note(client, carol, harbor, "Jillian Oyelarana runs their depot.", visibility="team"),
        post_note(client, bob, bank, "Tariq owns the rollout plan."),
        post_note(client, bob, harbor, f"Wrote to {JILL_EMAIL}.org about nothing."),
    ]
    # Bob's note is personal context; Alice, his teammate, reads it: a read of it to report.
    response = client.put(
        f"/v1/notes/{held['bob_team_named']}/topics",
        json={"topics": ["personal"]},
        headers=bob.headers,
    )
    assert response.status_code == 200, response.text
    assert client.get(f"/v1/notes/{held['bob_team_named']}", headers=alice.headers).is_success
    decided = client.post(
        f"/v1/contacts/{jill}/role-decisions",
        json={"role": "economic", "decision": "confirm", "evidence": [held["bob_team_named"]]},
        headers=mona.headers,
    )
    assert decided.status_code == 200, decided.text
    with db.unit_of_work() as session:
        session.add(
            Search(
                user_id=bob.id,
                query="what does jill oyelaran care about",
                account_id=None,
                hits=1,
                took_ms=3.0,
                at=utcnow(),
            )
        )
    return World(people, jill, held, not_held)


def _dossier(client: TestClient, world: World, **params: str) -> Any:
    admin = world.people["adam"]
    return client.get(
        f"/v1/contacts/{world.jill}/subject-access", params=params, headers=admin.headers
    )


def test_the_dossier_holds_every_planted_item(client: TestClient, world: World) -> None:
    response = _dossier(client, world)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    dossier = response.json()
    people = world.people

    assert dossier["contact"]["id"] == world.jill
    assert dossier["contact"]["email"] == JILL_EMAIL
    assert dossier["contact"]["buying_role"] == "economic"
    assert dossier["generated_by"]["id"] == people["adam"].id
    notes = {n["id"]: n for n in dossier["notes"]}
    assert set(notes) == set(world.held.values())
    assert not set(notes) & set(world.not_held)

    private = notes[world.held["alice_private_linked"]]
    assert (private["visibility"], private["author"]["id"]) == ("private", people["alice"].id)
    assert private["found_by"] == ["linked", "named"]
    assert private["passages"] == ["Jill's daughter starts college in the fall."]
    assert notes[world.held["carol_private_email"]]["visibility"] == "private"
    assert notes[world.held["carol_private_email"]]["found_by"] == ["named"]

    named = notes[world.held["bob_team_named"]]
    assert named["found_by"] == ["named"]
    assert named["passages"] == ["Jill Oyelaran prefers calls before 9am."]
    assert named["personal_context"] is True
    assert notes[world.held["carol_other_account"]]["account"]["name"] == "Harbor Freightways"

    edited = notes[world.held["carol_company_edited"]]
    assert edited["body"] == "Keep it light."
    assert edited["passages"] == []
    assert edited["found_by"] == ["linked", "named"]  # both by its first version
    assert [(r["version"], r["body"]) for r in edited["revisions"]] == [
        (1, "Jill is going through a divorce, keep it light.")
    ]
    assert edited["revisions"][0]["edited_by"]["id"] == people["carol"].id
    assert notes[world.held["alice_deleted"]]["deleted_at"] is not None
    unlinked = notes[world.held["bob_unlinked"]]
    assert unlinked["found_by"] == ["linked"]
    assert [(r["version"], r["contact_ids"]) for r in unlinked["revisions"]] == [(1, [world.jill])]

    mailed = notes[world.held["email_capture"]]
    assert (mailed["source"], mailed["message_id"]) == ("email", "<budget-7@mail.tacit.example>")
    assert mailed["found_by"] == ["linked"]
    for note in notes.values():  # where each item came from
        assert note["author"]["id"] and note["observed_at"] and note["created_at"]

    [decision] = dossier["role_decisions"]
    assert (decision["role"], decision["decision"]) == ("economic", "confirmed")
    assert decision["decided_by"]["id"] == people["mona"].id
    assert decision["evidence"] == [world.held["bob_team_named"]]

    reads = [
        (r["note_id"], r["reader"]["id"], r["kind"], r["personal_context"])
        for r in dossier["reads"]
    ]
    assert reads == [(world.held["bob_team_named"], people["alice"].id, "opened", True)]
    assert [s["query"] for s in dossier["searches"]] == ["what does jill oyelaran care about"]
    [mail] = dossier["emails"]
    assert mail["participant"]["email"] == JILL_EMAIL
    assert mail["note_id"] == world.held["email_capture"]
    actions = [e["action"] for e in dossier["audit"]]
    assert "contact.role_decision" in actions


def test_each_dossier_is_audited_without_content(
    client: TestClient, world: World, db: Database
) -> None:
    assert _dossier(client, world).status_code == 200
    assert _dossier(client, world, format="zip").status_code == 200
    with db.session(write=False) as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "contact.subject_access")
            .order_by(AuditEvent.id)
        ).all()
    assert [(e.actor_id, e.target_id, e.details["format"]) for e in events] == [
        (world.people["adam"].id, str(world.jill), "json"),
        (world.people["adam"].id, str(world.jill), "zip"),
    ]
    assert set(events[0].details) == {"format", "via", "notes", "reads"}
    assert events[0].details["notes"] == len(world.held)
    # The second dossier lists the first request among the contact's audit events.
    later = _dossier(client, world).json()
    assert [e["action"] for e in later["audit"]].count("contact.subject_access") == 2


def test_the_archive_holds_the_same_items(client: TestClient, world: World) -> None:
    response = _dossier(client, world, format="zip")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"].startswith(
        f'attachment; filename="subject-access-contact-{world.jill}-'
    )
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = set(archive.namelist())
    expected = {f"notes/note-{i}.md" for i in world.held.values()}
    assert names == {"README.txt", "subject-access.json", *expected}
    readme = archive.read("README.txt").decode()
    assert "Jill Oyelaran" in readme and f"notes: {len(world.held)} (2 private, 1 deleted" in readme
    dossier = json.loads(archive.read("subject-access.json"))
    assert {n["id"] for n in dossier["notes"]} == set(world.held.values())
    private = archive.read(f"notes/note-{world.held['alice_private_linked']}.md").decode()
    assert "Jill's daughter starts college in the fall." in private
    assert "- Visibility: private" in private and "Alice Moreau" in private
    edited = archive.read(f"notes/note-{world.held['carol_company_edited']}.md").decode()
    assert "## Version 1, by Carol Diaz" in edited and "going through a divorce" in edited


def test_only_admins_may_ask(client: TestClient, world: World) -> None:
    for who in ("alice", "mona"):
        for contact in (world.jill, 999_999):
            response = client.get(
                f"/v1/contacts/{contact}/subject-access", headers=world.people[who].headers
            )
            assert response.status_code == 403, (who, contact)
            assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"/v1/contacts/{world.jill}/subject-access").status_code == 401
    missing = client.get("/v1/contacts/999999/subject-access", headers=world.people["adam"].headers)
    assert missing.status_code == 404
    bad = _dossier(client, world, format="pdf")
    assert bad.status_code == 422


def test_the_command_writes_the_archive_and_is_audited(
    client: TestClient, world: World, db: Database, db_url: str, tmp_path: Path
) -> None:
    target = tmp_path / "jill.zip"
    result = tacit(
        "contacts", "subject-access", JILL_EMAIL, "--out", str(target), db_url=db_url, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    archive = zipfile.ZipFile(target)
    dossier = json.loads(archive.read("subject-access.json"))
    assert {n["id"] for n in dossier["notes"]} == set(world.held.values())
    assert dossier["generated_by"] is None

    as_json = tmp_path / "jill.json"
    result = tacit(
        "contacts",
        "subject-access",
        str(world.jill),
        "--out",
        str(as_json),
        db_url=db_url,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(as_json.read_text())["contact"]["id"] == world.jill
    with db.session(write=False) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "contact.subject_access")
        ).all()
    assert [(e.actor_id, e.details["via"], e.details["format"]) for e in events] == [
        (None, "cli", "zip"),
        (None, "cli", "json"),
    ]

    result = tacit(
        "contacts",
        "subject-access",
        "nobody@x.example",
        "--out",
        str(target),
        db_url=db_url,
        cwd=tmp_path,
    )
    assert_clean_failure(result, "no contact")
