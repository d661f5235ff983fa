"""Erasing a person, on both databases: a marker name planted as a contact and in notes by three
authors (private, team, company), an edited revision, a search, an e-mail capture and an
idempotent reply is found nowhere afterwards (no column of any table, not the keyword index,
not the SQLite file nor its log); a semantic search for the marked sentence finds the redacted
notes only; a re-import of the original data is refused for that person until an admin lifts
the suppression. Only admins erase."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.config import Settings
from app.db.engine import Database
from app.db.models import Contact, Note, NoteRevision, Passage, Role
from app.http.state import state_of
from tests.factories import (
    Person,
    deliver_mail,
    embed_everything,
    every_value_in_the_database,
    import_csv,
    make_user,
    raw_mail,
)
from tests.integration.test_cli import tacit

# The marker: nothing else in the base says any of these.
MARKERS = ("zephyrine", "quabbledorf", "867-5309", "zq owns")
EMAIL = "zephyrine.quabbledorf@harbor.example"
SENTENCE = "Zephyrine Quabbledorf mentioned her daughter starts at Lisbon university in May."


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return {
        "alice": make_user(db, "Alice Moreau", team="east", external_id="u-alice"),
        "bob": make_user(db, "Bob Lindgren", team="east", external_id="u-bob"),
        "carol": make_user(db, "Carol Diaz", team="west", external_id="u-carol"),
        "mona": make_user(db, "Mona Field", team="east", role=Role.manager),
        "adam": make_user(db, "Adam Root", team=None, role=Role.admin),
    }


def jsonl(*records: dict[str, Any]) -> bytes:
    return "\n".join(json.dumps(r) for r in records).encode()


# The original data: the person as a contact, and notes by three authors in three visibilities.
ORIGINAL = {
    "accounts.jsonl": jsonl(
        {"id": "acc-harbor", "name": "Harbor Freightways", "domains": ["harbor.example"]}
    ),
    "contacts.jsonl": jsonl(
        {"id": "c-zq", "account_id": "acc-harbor", "name": "Zephyrine Quabbledorf", "email": EMAIL},
        {"id": "c-tomas", "account_id": "acc-harbor", "name": "Tomas Reyes", "title": "IT lead"},
    ),
    "notes.jsonl": jsonl(
        {
            "id": "n-private",
            "account_id": "acc-harbor",
            "author_id": "u-alice",
            "created_at": "2026-01-05T10:00:00Z",
            "visibility": "private",
            "contact_ids": ["c-zq"],
            "body": f"{SENTENCE} Renewal is due in Q3. The pilot covered 40 seats.",
        },
        {
            "id": "n-team",
            "account_id": "acc-harbor",
            "author_id": "u-bob",
            "created_at": "2026-01-06T10:00:00Z",
            "visibility": "team",
            "body": "Budget review moved to June. Zephyrine said procurement wants three quotes. "
            "The security questionnaire is done.",
        },
        {
            "id": "n-company",
            "account_id": "acc-harbor",
            "author_id": "u-carol",
            "created_at": "2026-01-07T10:00:00Z",
            "visibility": "company",
            "body": "ZQ owns the vendor shortlist. Tomas Reyes runs the data platform. "
            f"Reach Quabbledorf at {EMAIL} or +1 (555) 867-5309. Competitor is Acme. "
            "Freight volumes doubled since 2024.",
        },
        {
            "id": "n-personal",
            "account_id": "acc-harbor",
            "author_id": "u-alice",
            "created_at": "2026-01-08T10:00:00Z",
            "visibility": "company",
            "body": "Zephyrine Quabbledorf is going through a divorce. "
            "She prefers calls after 4pm.",
        },
    ),
}


def upload(client: TestClient, admin: Person, files: dict[str, bytes]) -> Any:
    return client.post(
        "/v1/imports",
        headers=admin.headers,
        files=[("files", (name, data, "application/x-ndjson")) for name, data in files.items()],
    )


def ids_by_external(db: Database) -> dict[str, int]:
    with db.session(write=False) as session:
        return {
            ext: nid
            for ext, nid in session.execute(select(Note.external_id, Note.id))
            if ext is not None
        }


def contact_id(db: Database, external_id: str) -> int:
    with db.session(write=False) as session:
        found = session.scalar(select(Contact.id).where(Contact.external_id == external_id))
    assert found is not None
    return found


def raw_files(db: Database) -> dict[str, bytes]:
    """The SQLite database file and its write-ahead log, as bytes on disk."""
    path = Path(db.engine.url.database or "")
    return {p.name: p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()}


def plant(client: TestClient, db: Database, people: dict[str, Person]) -> dict[str, int]:
    alice, bob, carol, adam = people["alice"], people["bob"], people["carol"], people["adam"]
    assert upload(client, adam, ORIGINAL).status_code == 201
    notes = ids_by_external(db)
    zq = contact_id(db, "c-zq")
    # An edited revision: carol's note now says less, its first version still more.
    edited = client.patch(
        f"/v1/notes/{notes['n-company']}",
        json={
            "body": "ZQ owns the vendor shortlist. Tomas Reyes runs the data platform. "
            "Competitor is Acme. Freight volumes doubled since 2024."
        },
        headers={**carol.headers, "If-Match": '"v1"'},
    )
    assert edited.status_code == 200, edited.text
    # An idempotent reply, kept for retries.
    replied = client.post(
        "/v1/notes",
        json={
            "account": "harbor.example",
            "visibility": "company",
            "body": "Met Zephyrine Quabbledorf and Tomas Reyes at the offsite. The timeline "
            "slips a quarter. Legal review is pending.",
        },
        headers={**alice.headers, "Idempotency-Key": "offsite-1"},
    )
    assert replied.status_code == 201, replied.text
    notes["replied"] = replied.json()["id"]
    # An e-mail capture with them among the participants.
    mailed = deliver_mail(
        client,
        alice,
        raw_mail(
            sender="Alice Moreau <alice.moreau@tacit.example>",
            to=f"Zephyrine Quabbledorf <{EMAIL}>",
            message_id="<quote-7@mail.tacit.example>",
            body="Hi Zephyrine, attached is the quote.\n\nThe board meets Thursday. Our SE "
            "will join. Pricing holds until March. Shipping terms are unchanged.",
        ),
    )
    assert mailed.status_code == 201, mailed.text
    notes["mailed"] = mailed.json()["id"]
    # A search naming them, a reader's flag naming them, a rejected role suggestion.
    assert client.post("/v1/search", json={"q": "Quabbledorf shortlist"}, headers=bob.headers)
    flagged = client.post(
        f"/v1/notes/{notes['n-company']}/flags",
        json={"reason": "Is Quabbledorf still on the shortlist?"},
        headers=bob.headers,
    )
    assert flagged.status_code == 201, flagged.text
    decided = client.post(
        f"/v1/contacts/{zq}/role-decisions",
        json={"role": "coach", "decision": "reject"},
        headers=alice.headers,
    )
    assert decided.status_code == 200, decided.text
    return notes


def test_an_erased_person_is_found_nowhere_and_kept_out(
    client: TestClient,
    db: Database,
    settings: Settings,
    people: dict[str, Person],
    tmp_path: Path,
) -> None:
    alice, mona, adam = people["alice"], people["mona"], people["adam"]
    notes = plant(client, db, people)
    embed_everything(db, settings)
    zq = contact_id(db, "c-zq")
    with db.session(write=False) as session:
        old_vector = session.scalar(
            select(Passage.embedding).where(Passage.note_id == notes["n-private"])
        )
    assert old_vector is not None
    dump = every_value_in_the_database(db).lower()
    assert all(marker in dump for marker in MARKERS)
    if db.dialect == "sqlite":  # what the file check below looks for is there to find
        assert any(b"quabbledorf" in data.lower() for data in raw_files(db).values())
    index = state_of(client.app).running().index
    vectors = getattr(index, "vectors", None)  # SQLite's, in memory
    old = np.asarray(old_vector, dtype=np.float32)
    assert client.post("/v1/search", json={"q": "renewal"}, headers=alice.headers)
    if vectors is not None:
        assert held_in_memory(vectors, old)

    reason = {"reason": "DSAR 4411 from Zephyrine Quabbledorf"}
    for who in (alice, mona):
        refused = client.post(f"/v1/contacts/{zq}/erase", json=reason, headers=who.headers)
        assert refused.status_code == 403, refused.text
    missing = client.post("/v1/contacts/999999/erase", json=reason, headers=adam.headers)
    assert missing.status_code == 404
    erased = client.post(f"/v1/contacts/{zq}/erase", json=reason, headers=adam.headers)
    assert erased.status_code == 200, erased.text
    redacted = {notes[k] for k in ("n-private", "n-team", "n-company", "replied", "mailed")}
    assert erased.json() == {
        "contact_id": zq,
        "account_id": erased.json()["account_id"],
        "notes_redacted": len(redacted),
        "notes_erased": 1,
        "suppression_id": erased.json()["suppression_id"],
    }
    if db.dialect == "sqlite":  # the log was emptied after the erasure
        assert raw_files(db).get("tacit.db-wal", b"") == b""
    embed_everything(db, settings)  # the vectors, from the redacted text

    dump = every_value_in_the_database(db).lower()
    for marker in MARKERS:
        assert marker not in dump, marker
    for name, data in raw_files(db).items():
        for marker in (b"zephyrin", b"quabbledorf", b"867-5309"):
            assert marker not in data.lower(), (name, marker)
    with db.session(write=False) as session:
        kept = {n.id: n for n in session.scalars(select(Note).where(Note.id.in_(redacted)))}
        assert set(kept) == redacted
        assert "[erased person] mentioned her daughter" in kept[notes["n-private"]].body
        assert "[erased person] said procurement" in kept[notes["n-team"]].body
        first = session.scalar(
            select(NoteRevision.body).where(
                NoteRevision.note_id == notes["n-company"], NoteRevision.version == 1
            )
        )
        assert first is not None and "Reach [erased person] at [erased person] or" in first
        assert session.get(Note, notes["n-personal"]) is None
        assert session.get(Contact, zq) is None
    if db.dialect == "postgresql":
        assert vacuumed(db, "notes") and vacuumed(db, "searches")

    hits = client.post("/v1/search", json={"q": SENTENCE}, headers=alice.headers)
    assert hits.status_code == 200, hits.text
    found = [h["note_id"] for h in hits.json()["hits"]]
    assert found and found[0] == notes["n-private"] and set(found) <= redacted
    assert not any("quabbledorf" in h["snippet"].lower() for h in hits.json()["hits"])
    if vectors is not None:
        assert not held_in_memory(vectors, old)

    trail = client.get("/v1/audit", params={"action": "contact.erase"}, headers=adam.headers)
    [entry] = trail.json()["items"]
    assert entry["details"] == {
        "account_id": erased.json()["account_id"],
        "notes_redacted": len(redacted),
        "notes_erased": 1,
        "suppression_id": erased.json()["suppression_id"],
    }
    assert_kept_out(client, db, people, suppression=erased.json()["suppression_id"])


def held_in_memory(vectors: Any, vector: np.ndarray) -> bool:
    rows = vectors._rows
    return bool(np.any(np.all(np.isclose(rows.matrix[: rows.size], vector), axis=1)))


def vacuumed(db: Database, table: str) -> bool:
    """Whether PostgreSQL has VACUUMed ``table`` (its statistics arrive a moment later)."""
    for _ in range(50):
        with db.engine.connect() as conn:
            last = conn.execute(
                text("SELECT last_vacuum FROM pg_stat_user_tables WHERE relname = :t"),
                {"t": table},
            ).scalar()
        if last is not None:
            return True
        time.sleep(0.1)
    return False


def assert_kept_out(
    client: TestClient, db: Database, people: dict[str, Person], *, suppression: int
) -> None:
    alice, adam = people["alice"], people["adam"]
    again = upload(client, adam, ORIGINAL)
    assert again.status_code == 422, again.text
    problems = {(p["file"], p["line"]) for p in again.json()["problems"]}
    # The contact, and the notes naming them in full or by address (a first name alone is
    # anyone's): nothing of the import is written.
    assert problems == {
        ("contacts.jsonl", 1),
        ("notes.jsonl", 1),
        ("notes.jsonl", 3),
        ("notes.jsonl", 4),
    }
    assert "suppression" in again.json()["problems"][0]["problem"]
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Note.body.contains("Quabbledorf"))) == 0

    row = {
        "activity_date": "2026-02-01",
        "owner_email": "alice.moreau@tacit.example",
        "company": "Harbor Freightways",
        "body": "Lunch with Zephyrine Quabbledorf.",
    }
    csv = import_csv(client, alice, [row], dry_run=False)
    assert csv.status_code == 422 and csv.json()["problems"][0]["column"] == "body"
    forwarded = deliver_mail(
        client,
        alice,
        raw_mail(
            sender="Alice Moreau <alice.moreau@tacit.example>",
            to=f"Z <{EMAIL}>",
            message_id="<again-1@mail.tacit.example>",
            body="Following up on the quote.",
        ),
    )
    assert forwarded.status_code == 409, forwarded.text
    assert forwarded.json()["type"].endswith("/suppressed")
    assert forwarded.json()["suppression_id"] == suppression
    # Nor may a message about them wait in the inbox for an account.
    unfiled = raw_mail(
        sender="Alice Moreau <alice.moreau@tacit.example>",
        to="Pat <pat@elsewhere.example>",
        message_id="<again-2@mail.tacit.example>",
        body="Zephyrine Quabbledorf called about the quote.",
    )
    assert deliver_mail(client, alice, unfiled).status_code == 409
    contact = {"account": "harbor.example", "name": "zephyrine  QUABBLEDORF"}
    refused = client.post("/v1/contacts", json=contact, headers=alice.headers)
    assert refused.status_code == 409 and refused.json()["type"].endswith("/suppressed")

    assert client.get("/v1/suppressions", headers=alice.headers).status_code == 403
    listed = client.get("/v1/suppressions", headers=adam.headers).json()["items"]
    assert [(s["id"], s["reason"]) for s in listed] == [
        (suppression, "DSAR 4411 from [erased person]")
    ]
    assert set(listed[0]) == {"id", "account_id", "reason", "created_at"}
    lift = f"/v1/suppressions/{suppression}"
    assert client.delete(lift, headers=alice.headers).status_code == 403
    assert client.delete(lift, headers=adam.headers).status_code == 204
    assert client.delete(lift, headers=adam.headers).status_code == 404
    assert client.post("/v1/contacts", json=contact, headers=alice.headers).status_code == 201


def test_the_command_erases_by_address_and_leaves_ids_unused(
    client: TestClient, db: Database, db_url: str, people: dict[str, Person], tmp_path: Path
) -> None:
    assert upload(client, people["adam"], ORIGINAL).status_code == 201
    notes = ids_by_external(db)
    top = max(notes.values())
    result = tacit(
        "contacts", "erase", EMAIL.upper(), "--reason", "ticket 9", "--yes",
        db_url=db_url, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["notes_erased"] == 1
    assert notes["n-personal"] == top  # the highest id was erased...
    created = client.post(
        "/v1/notes",
        json={"account": "harbor.example", "body": "Rates hold until March."},
        headers=people["bob"].headers,
    )
    assert created.json()["id"] > top  # ...and is not handed out again
    unknown = tacit("contacts", "erase", "nobody@x.example", "--reason", "r", "--yes",
                    db_url=db_url, cwd=tmp_path)  # fmt: skip
    assert unknown.returncode == 1 and "no contact" in unknown.stderr
    if db.dialect == "sqlite":
        with db.engine.connect() as conn:
            schema = conn.execute(text("SELECT sql FROM sqlite_master WHERE name='contacts'"))
            assert "AUTOINCREMENT" in schema.scalar_one()


def test_only_admins_erase_and_lift(
    client: TestClient, db: Database, people: dict[str, Person]
) -> None:
    assert upload(client, people["adam"], ORIGINAL).status_code == 201
    zq = contact_id(db, "c-zq")
    body = {"reason": "request"}
    for who in ("alice", "mona"):
        for target in (zq, 999999):
            response = client.post(
                f"/v1/contacts/{target}/erase", json=body, headers=people[who].headers
            )
            assert response.status_code == 403, (who, target)
            assert response.headers["content-type"] == "application/problem+json"
    assert client.post(f"/v1/contacts/{zq}/erase", json={"reason": ""},
                       headers=people["adam"].headers).status_code == 422  # fmt: skip
    assert client.post(f"/v1/contacts/{zq}/erase", json=body).status_code == 401
    assert client.get(f"/v1/contacts/{zq}", headers=people["alice"].headers).status_code == 200
    for who in ("alice", "mona"):
        lifted = client.delete("/v1/suppressions/1", headers=people[who].headers)
        assert lifted.status_code == 403
    assert client.delete("/v1/suppressions/999", headers=people["adam"].headers).status_code == 404


def test_at_another_account_only_the_full_name_address_and_phone_count(
    client: TestClient, db: Database, people: dict[str, Person]
) -> None:
    alice = people["alice"]
    assert upload(client, people["adam"], ORIGINAL).status_code == 201
    elsewhere = client.post(
        "/v1/accounts", json={"name": "Vantor Labs", "domains": ["vantor.example"]},
        headers=alice.headers,
    )  # fmt: skip
    body = (
        "Zephyrine Quabbledorf introduced us to their CFO. Zephyrine Ng runs procurement "
        "here. ZQ wants a demo. The renewal is in May."
    )
    note = client.post(
        "/v1/notes",
        json={"account_id": elsewhere.json()["id"], "body": body, "visibility": "private"},
        headers=alice.headers,
    )
    zq = contact_id(db, "c-zq")
    erased = client.post(
        f"/v1/contacts/{zq}/erase", json={"reason": "r"}, headers=people["adam"].headers
    )
    assert erased.status_code == 200, erased.text
    kept = client.get(f"/v1/notes/{note.json()['id']}", headers=alice.headers).json()["body"]
    # A first name or initials at another account may be anyone's.
    assert kept == body.replace("Zephyrine Quabbledorf", "[erased person]")
