"""The audit trail on both databases: only admins read it; it lists sensitive changes and who
read notes with personal context; `tacit audit purge` keeps the retention period; and an
erased note leaves no word of itself in any table, index or in-memory vector."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import (
    AuditEvent,
    EmbeddingJob,
    InboundMessage,
    Mention,
    Note,
    NoteFlag,
    NoteRevision,
    NoteView,
    Passage,
    Role,
    Visibility,
)
from app.http.state import state_of
from tests.factories import (
    Person,
    embed_everything,
    every_value_in_the_database,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.integration.test_cli import tacit
from tests.integration.test_inbound_email import deliver, message


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return {
        "alice": make_user(db, "Alice Moreau", team="east", email="alice@tacit.example"),
        "bob": make_user(db, "Bob Lindgren", team="east", email="bob@tacit.example"),
        "carol": make_user(db, "Carol Diaz", team="west", email="carol@tacit.example"),
        "mona": make_user(db, "Mona Field", team="east", role=Role.manager),
        "adam": make_user(db, "Adam Root", team=None, role=Role.admin),
    }


@pytest.fixture
def account(db: Database) -> int:
    return make_account(db, "Bramblewood Bank", domains=["bramblewood.example"])


def trail(client: TestClient, admin: Person, **params: Any) -> list[dict[str, Any]]:
    """Every entry, following the cursor."""
    entries: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(500):
        query = {**params, **({"cursor": cursor} if cursor else {})}
        response = client.get("/v1/audit", params=query, headers=admin.headers)
        assert response.status_code == 200, response.text
        entries += response.json()["items"]
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return entries
    raise AssertionError("the trail does not end")


def test_only_admins_read_the_trail(client: TestClient, people: dict[str, Person]) -> None:
    for who in ("alice", "mona"):
        response = client.get("/v1/audit", headers=people[who].headers)
        assert response.status_code == 403, who
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/audit").status_code == 401
    assert client.get("/v1/audit", headers=people["adam"].headers).status_code == 200
    for bad in (
        {"since": "2026-02-01", "until": "2026-01-01"},
        {"cursor": "garbage"},
        {"limit": 0},
        {"actor": "bob"},
    ):
        response = client.get("/v1/audit", params=bad, headers=people["adam"].headers)
        assert response.status_code == 422, bad
        assert response.headers["content-type"] == "application/problem+json"


def test_trail_lists_who_read_notes_with_personal_context(
    client: TestClient, db: Database, people: dict[str, Person], account: int
) -> None:
    alice, bob, adam = people["alice"], people["bob"], people["adam"]
    marathons = post_note(client, alice, account, "Jill runs marathons.", visibility="company")
    client.put(
        f"/v1/notes/{marathons}/topics", json={"topics": ["personal"]}, headers=alice.headers
    )
    parking = post_note(client, alice, account, "Park behind building C.", visibility="company")
    client.put(f"/v1/notes/{parking}/topics", json={"topics": ["logistics"]}, headers=alice.headers)
    classified = post_note(client, alice, account, "Reggie plays saxophone.", visibility="company")
    corrected = post_note(
        client, alice, account, "Reggie drives a van to the depot.", visibility="company"
    )
    with db.unit_of_work() as session:
        # The classifier's sections count unless the author corrected them.
        session.execute(
            update(Note)
            .where(Note.id.in_([classified, corrected]))
            .values(classified_topics=["personal"])
        )
        session.execute(update(Note).where(Note.id == corrected).values(topics=["logistics"]))
    for note in (marathons, parking, classified, corrected):
        assert client.get(f"/v1/notes/{note}", headers=bob.headers).status_code == 200
    client.get(f"/v1/notes/{marathons}", headers=alice.headers)  # her own: not a reuse view

    reads = trail(client, adam, action="note.read_personal")
    assert [(r["target_id"], r["actor"]["id"]) for r in reads] == [
        (str(classified), bob.id),
        (str(marathons), bob.id),
    ]
    assert reads[0]["source"] == "read" and reads[0]["target_type"] == "note"
    assert reads[0]["details"] == {
        "kind": "opened",
        "via": "api",
        "account_id": account,
        "sensitive": [],
    }
    assert reads[0]["actor"]["name"] == "Bob Lindgren"
    assert reads[0]["at"] >= reads[1]["at"]

    everything = trail(client, adam)
    assert trail(client, adam, limit=1) == everything  # the union pages without gaps
    assert [e for e in everything if e["action"] == "note.read_personal"] == reads
    keys = [(e["at"], e["source"], e["id"]) for e in everything]
    assert keys == sorted(keys, reverse=True)
    assert {e["action"] for e in everything} >= {"user.create", "token.create"}
    by_bob = trail(client, adam, actor=bob.id)
    assert by_bob == reads
    assert trail(client, adam, since=reads[0]["at"], action="note.read_personal") == reads[:1]
    assert trail(client, adam, until=reads[0]["at"], action="note.read_personal") == reads[1:]
    assert trail(client, adam, action="user.create", actor=bob.id) == []


def test_sensitive_changes_are_audited(
    client: TestClient, db: Database, people: dict[str, Person], account: int
) -> None:
    alice, bob, adam = people["alice"], people["bob"], people["adam"]
    wes = make_contact(db, account, "Wes Devlin")
    decide = f"/v1/contacts/{wes}/role-decisions"
    for who, decision in ((alice, "reject"), (adam, "confirm")):  # confirming: a curator's
        response = client.post(
            decide, json={"role": "coach", "decision": decision}, headers=who.headers
        )
        assert response.status_code == 200, response.text
    note = post_note(client, alice, account, "Wes is our coach.", visibility="company")
    patched = client.patch(
        f"/v1/notes/{note}",
        json={"visibility": "team"},
        headers={**alice.headers, "If-Match": '"v1"'},
    )
    assert patched.status_code == 200, patched.text
    for change in ({"role": "manager"}, {"is_active": False}):
        response = client.patch(f"/v1/users/{bob.id}", json=change, headers=adam.headers)
        assert response.status_code == 200, response.text
    assert client.get("/v1/export/notes", headers=alice.headers).status_code == 200

    seen = [
        (e["action"], e["actor"]["id"] if e["actor"] else None, e["target_id"], e["details"])
        for e in reversed(trail(client, adam))
        if e["action"] not in ("user.create", "token.create")
    ]
    assert seen == [
        ("contact.role_decision", alice.id, str(wes), {"role": "coach", "decision": "rejected"}),
        # The same rejection on the influence map, which stops suggesting it too.
        (
            "contact.influence_decision",
            alice.id,
            str(wes),
            {
                "field": "roles",
                "value": "coach",
                "decision": "rejected",
                "objective": None,
                "evidence": [],
            },
        ),
        ("contact.role_decision", adam.id, str(wes), {"role": "coach", "decision": "confirmed"}),
        (
            "contact.buying_role_change",
            adam.id,
            str(wes),
            {"old": "unknown", "new": "coach", "via": "suggestion"},
        ),
        ("note.visibility_change", alice.id, str(note), {"old": "company", "new": "team"}),
        ("user.role_change", adam.id, str(bob.id), {"old": "rep", "new": "manager"}),
        ("user.deactivate", adam.id, str(bob.id), {}),
        ("export", alice.id, None, {"count": 1}),
    ]


def test_purge_deletes_only_what_is_past_the_retention(
    db: Database, db_url: str, tmp_path: Path, people: dict[str, Person], account: int
) -> None:
    now = utcnow()
    with db.unit_of_work() as session:
        note = Note(
            account_id=account,
            author_id=people["alice"].id,
            body="Retention test.",
            visibility=Visibility.company,
            observed_at=now,
        )
        session.add(note)
        session.flush()
        for days in (800, 731, 729, 10):
            at = now - timedelta(days=days)
            session.add(AuditEvent(action=f"test.{days}", target_type="test", at=at))
            session.add(
                NoteView(
                    note_id=note.id, user_id=people["bob"].id, kind="opened", source="api", at=at
                )
            )

    def left() -> tuple[list[str], int]:
        with db.session(write=False) as session:
            actions = session.scalars(
                select(AuditEvent.action).where(AuditEvent.target_type == "test")
            )
            views = session.scalar(select(func.count()).select_from(NoteView)) or 0
            return sorted(actions), views

    result = tacit("audit", "purge", db_url=db_url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "deleted 2 audit event(s) and 2 note view(s) older than 730 days" in result.stdout
    assert left() == (["test.10", "test.729"], 2)

    shorter = tacit("audit", "purge", db_url=db_url, cwd=tmp_path, TACIT_AUDIT_RETENTION_DAYS="30")
    assert shorter.returncode == 0, shorter.stderr
    assert "deleted 1 audit event(s) and 1 note view(s) older than 30 days" in shorter.stdout
    assert left() == (["test.10"], 1)
    with db.session(write=False) as session:
        purges = session.scalars(
            select(AuditEvent.details)
            .where(AuditEvent.action == "audit.purge")
            .order_by(AuditEvent.id)
        ).all()
        assert [(p["events"], p["views"]) for p in purges] == [(2, 2), (1, 1)]
        # Recent events (the users' creation) were kept.
        assert session.scalar(
            select(func.count()).where(AuditEvent.action == "user.create")
        ) == len(people)

    refused = tacit("audit", "purge", db_url=db_url, cwd=tmp_path, TACIT_AUDIT_RETENTION_DAYS="0")
    assert refused.returncode == 1 and "Traceback" not in refused.stderr


# Whole, and as the keyword index keeps them: lower-cased words.
MARKERS = ("quokka-7731", "marmoset-4410", "wombat-5512", "Zanzibar", "quokka", "zanzibar")


def test_erase_leaves_no_word_of_the_note_anywhere(
    client: TestClient,
    db: Database,
    settings: Settings,
    people: dict[str, Person],
    account: int,
) -> None:
    alice, bob, carol, adam = people["alice"], people["bob"], people["carol"], people["adam"]
    jill = make_contact(db, account, "Jill Oyelaran", email="jill@bramblewood.example")
    created = client.post(
        "/v1/notes",
        json={
            "account_id": account,
            "contact_ids": [jill],
            "visibility": "company",
            "body": "Jill Oyelaran told me about her quokka-7731 sanctuary trip to Zanzibar.",
        },
        headers={**alice.headers, "Idempotency-Key": "erase-me-1"},
    )
    assert created.status_code == 201, created.text
    note = created.json()["id"]
    edited = client.patch(
        f"/v1/notes/{note}",
        json={"body": "Jill Oyelaran plans a sanctuary trip to Zanzibar: marmoset-4410."},
        headers={**alice.headers, "If-Match": '"v1"'},
    )
    assert edited.status_code == 200, edited.text
    client.post(f"/v1/notes/{note}/flags", json={"reason": "quokka-7731?"}, headers=bob.headers)
    client.get(f"/v1/notes/{note}", headers=bob.headers)
    mailed = deliver(
        client,
        alice,
        message(
            "Jill wants the wombat-5512 sanctuary tour.",
            sender="Alice Moreau <alice@tacit.example>",
            to="Jill Oyelaran <jill@bramblewood.example>",
            subject="Zanzibar offsite",
        ),
    )
    assert mailed.status_code == 201, mailed.text
    mail_note = mailed.json()["id"]
    older = post_note(client, bob, account, "Jill likes sanctuaries.", visibility="company")
    restating = post_note(
        client, bob, account, "Jill plans a sanctuary trip.", visibility="company"
    )
    embed_everything(db, settings)
    # What the worker would decide and a newer note would flag, set after it ran.
    with db.unit_of_work() as session:
        session.execute(update(Note).where(Note.id == older).values(superseded_by_id=note))
        session.execute(
            update(Note)
            .where(Note.id == restating)
            .values(credit="duplicate", duplicate_of_id=note)
        )
        session.add(NoteFlag(note_id=older, kind="contradicted", by_note_id=note, reason="x"))
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Mention.note_id == note))

    def hits(q: str) -> list[int]:
        response = client.post("/v1/search", json={"q": q}, headers=bob.headers)
        assert response.status_code == 200, response.text
        return [h["note_id"] for h in response.json()["hits"]]

    assert note in hits("sanctuary trip")
    index = state_of(client.app).running().index
    in_memory = getattr(index, "vectors", None)  # SQLite's vectors live in each process
    if in_memory is not None:
        assert note in in_memory._rows_of_note

    assert client.post(f"/v1/notes/{note}/erase", headers=bob.headers).status_code == 403
    assert client.post(f"/v1/notes/{note}/erase", headers=carol.headers).status_code == 403
    team_note = post_note(client, alice, account, "East only.", visibility="team")
    assert client.post(f"/v1/notes/{team_note}/erase", headers=carol.headers).status_code == 404
    erased = client.post(f"/v1/notes/{note}/erase", headers=alice.headers)
    assert erased.status_code == 204, erased.text
    assert client.post(f"/v1/notes/{mail_note}/erase", headers=adam.headers).status_code == 204

    assert client.get(f"/v1/notes/{note}", headers=alice.headers).status_code == 404
    assert client.post(f"/v1/notes/{note}/erase", headers=alice.headers).status_code == 404
    assert note not in hits("sanctuary trip") and mail_note not in hits("sanctuary tour")
    if in_memory is not None:
        assert note not in in_memory._rows_of_note and mail_note not in in_memory._rows_of_note
    dump = every_value_in_the_database(db)
    for marker in MARKERS:
        assert marker not in dump, marker
    with db.session(write=False) as session:
        for model in (NoteRevision, Passage, Mention, NoteFlag, NoteView):
            left = session.scalar(
                select(func.count()).select_from(model).where(model.note_id == note)  # type: ignore[attr-defined]
            )
            assert left == 0, model
        assert session.scalar(select(func.count()).where(NoteFlag.by_note_id == note)) == 0
        old = session.get(Note, older)
        again = session.get(Note, restating)
        assert old is not None and old.superseded_by_id is None
        assert again is not None and (again.duplicate_of_id, again.credit) == (None, None)
        # ...and queued, so that the worker judges it again.
        assert session.scalar(select(EmbeddingJob).where(EmbeddingJob.note_id == restating))
        captured = session.scalar(select(InboundMessage))
        assert captured is not None and captured.note_id is None and captured.resolved_at
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "note.erase").order_by(AuditEvent.id)
        ).all()
        assert [(e.actor_id, e.target_id, e.details) for e in events] == [
            (alice.id, str(note), {"account_id": account, "author_id": alice.id}),
            (adam.id, str(mail_note), {"account_id": account, "author_id": alice.id}),
        ]
    # The same message delivered again is not captured again.
    redelivered = deliver(
        client,
        alice,
        message(
            "Jill wants the wombat-5512 sanctuary tour.",
            sender="Alice Moreau <alice@tacit.example>",
            to="Jill Oyelaran <jill@bramblewood.example>",
            subject="Zanzibar offsite",
        ),
    )
    assert redelivered.status_code == 410


def test_an_admin_erases_notes_they_cannot_read_and_deleted_ones(
    client: TestClient, db: Database, people: dict[str, Person], account: int
) -> None:
    alice, adam = people["alice"], people["adam"]
    private = post_note(client, alice, account, "Private quokka-7731.", visibility="private")
    deleted = post_note(client, alice, account, "Deleted marmoset-4410.", visibility="company")
    assert client.delete(f"/v1/notes/{deleted}", headers=alice.headers).status_code == 204
    assert client.get(f"/v1/notes/{private}", headers=adam.headers).status_code == 404
    for note in (private, deleted):
        response = client.post(f"/v1/notes/{note}/erase", headers=adam.headers)
        assert response.status_code == 204, response.text
    assert client.post("/v1/notes/999999/erase", headers=adam.headers).status_code == 404
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Note.id.in_([private, deleted]))) == 0
    dump = every_value_in_the_database(db)
    assert "quokka-7731" not in dump and "marmoset-4410" not in dump
