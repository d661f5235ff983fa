"""The outbox: every change writes exactly one event of its type, naming its subject, in the
change's own transaction, and no event carries a word of a note (both databases)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.db.engine import Database
from app.db.models import Event, EventDelivery, Role, User
from app.domain import notes
from app.domain.access import SYSTEM
from app.domain.transfer.dataset_import import import_dataset
from app.schemas.notes import NoteCreate
from app.worker import deliveries
from tests.factories import (
    Person,
    deliver_mail,
    import_csv,
    make_account,
    make_contact,
    make_user,
    post_note,
    raw_mail,
)
from tests.integration.test_transfer import write_dataset

# Goes into every note body; must never reach the events table.
MARKER = "ZEBRA-LANTERN-7731"


@dataclass(frozen=True)
class Seen:
    type: str
    subject_type: str
    note_id: int | None
    account_id: int | None
    contact_id: int | None
    user_id: int | None
    actor_id: int | None


class Stream:
    """Reads what a step added to the events table."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.last = self._top()

    def _top(self) -> int:
        with self.db.session(write=False) as session:
            return int(session.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0)

    def new(self) -> list[Seen]:
        with self.db.session(write=False) as session:
            rows = session.scalars(select(Event).where(Event.id > self.last).order_by(Event.id))
            seen = [
                Seen(
                    e.type,
                    e.subject_type,
                    e.note_id,
                    e.account_id,
                    e.contact_id,
                    e.user_id,
                    e.actor_id,
                )
                for e in rows
            ]
        self.last = self._top()
        return seen

    def one(self, step: Callable[[], Any]) -> Seen:
        """Run ``step``; it must have written exactly one event."""
        step()
        written = self.new()
        assert len(written) == 1, written
        return written[0]


def note_event(type_: str, note_id: int, account_id: int, actor: int | None) -> Seen:
    return Seen(type_, "note", note_id, account_id, None, None, actor)


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return {
        "ana": make_user(db, "Ana", team="east", email="ana@tacit.example"),
        "max": make_user(db, "Max", team="east", role=Role.manager),
        "root": make_user(db, "Root", team=None, role=Role.admin),
    }


@pytest.fixture
def harbor(db: Database) -> int:
    return make_account(db, "Harbor Freightways", domains=["harborfreightways.example"])


def assert_no_marker(db: Database) -> None:
    """No column of any event or delivery row holds a note's words."""
    with db.engine.connect() as conn:
        for table in ("events", "event_deliveries"):
            for row in conn.execute(text(f"SELECT * FROM {table}")):
                assert all(MARKER not in str(value) for value in row), (table, row)


def test_each_change_to_a_note_writes_one_event(
    client: TestClient, db: Database, people: dict[str, Person], harbor: int
) -> None:
    ana, max_, root = people["ana"], people["max"], people["root"]
    mesa = make_account(db, "Mesa Health")
    with db.unit_of_work() as session:
        deliveries.register(session, "mirror")  # every event is then owed to it too
    stream = Stream(db)
    created: list[int] = []

    def create() -> None:
        created.append(post_note(client, ana, harbor, f"Gus signs over $25k. {MARKER}"))

    assert stream.one(create) == note_event("note.created", created[0], harbor, ana.id)
    note = created[0]

    def patch(**fields: Any) -> Callable[[], None]:
        def step() -> None:
            version = client.get(f"/v1/notes/{note}", headers=ana.headers).json()["version"]
            response = client.patch(
                f"/v1/notes/{note}",
                json=fields,
                headers={**ana.headers, "If-Match": f'"v{version}"'},
            )
            assert response.status_code == 200, response.text

        return step

    updated = note_event("note.updated", note, harbor, ana.id)
    assert stream.one(patch(body=f"Gus signs over $30k. {MARKER}")) == updated
    assert stream.one(patch(visibility="company")) == updated

    def put_topics() -> None:
        response = client.put(
            f"/v1/notes/{note}/topics", json={"topics": ["personal"]}, headers=ana.headers
        )
        assert response.status_code == 200, response.text

    assert stream.one(put_topics) == updated

    def reassign() -> None:
        response = client.post(
            f"/v1/notes/{note}/reassign", json={"account_id": mesa}, headers=max_.headers
        )
        assert response.status_code == 200, response.text

    assert stream.one(reassign) == note_event("note.updated", note, mesa, max_.id)

    def create_on_mesa() -> None:
        created.append(
            post_note(client, ana, mesa, f"Mesa renews in May. {MARKER}", visibility="company")
        )

    stream.one(create_on_mesa)
    newer = created[1]

    def merge() -> None:
        response = client.post(
            "/v1/curation/merge", json={"into": newer, "notes": [note]}, headers=max_.headers
        )
        assert response.status_code == 200, response.text

    assert stream.one(merge) == note_event("note.updated", note, mesa, max_.id)

    def archive() -> None:
        response = client.post(f"/v1/notes/{newer}/archive", headers=max_.headers)
        assert response.status_code == 204, response.text

    assert stream.one(archive) == note_event("note.deleted", newer, mesa, max_.id)

    def delete() -> None:
        response = client.delete(f"/v1/notes/{note}", headers=ana.headers)
        assert response.status_code == 204, response.text

    assert stream.one(delete) == note_event("note.deleted", note, mesa, ana.id)

    def erase() -> None:
        response = client.post(f"/v1/notes/{note}/erase", headers=root.headers)
        assert response.status_code == 204, response.text

    assert stream.one(erase) == note_event("note.erased", note, mesa, root.id)
    with db.session(write=False) as session:
        owed = session.scalars(select(EventDelivery.event_id).order_by(EventDelivery.event_id))
        assert list(owed) == list(session.scalars(select(Event.id).order_by(Event.id)))
    assert_no_marker(db)


def test_contacts_accounts_and_users_write_one_event_each(
    client: TestClient, db: Database, people: dict[str, Person], harbor: int
) -> None:
    ana, max_, root = people["ana"], people["max"], people["root"]
    meg = make_contact(db, harbor, "Meg Ortiz")
    stream = Stream(db)

    def ok(response: Any) -> None:
        assert response.status_code == 200, response.text

    assert stream.one(
        lambda: ok(client.patch(f"/v1/contacts/{meg}", json={"title": "CFO"}, headers=ana.headers))
    ) == Seen("contact.updated", "contact", None, harbor, meg, None, ana.id)
    assert stream.one(
        lambda: ok(
            client.post(
                f"/v1/contacts/{meg}/role-decisions",
                json={"role": "economic", "decision": "confirm"},
                headers=max_.headers,
            )
        )
    ) == Seen("contact.role_confirmed", "contact", None, harbor, meg, None, max_.id)
    # A rejection changes nothing on the contact: no event.
    ok(
        client.post(
            f"/v1/contacts/{meg}/role-decisions",
            json={"role": "technical", "decision": "reject"},
            headers=ana.headers,
        )
    )
    assert stream.new() == []
    assert stream.one(
        lambda: ok(
            client.patch(f"/v1/accounts/{harbor}", json={"industry": "ports"}, headers=ana.headers)
        )
    ) == Seen("account.updated", "account", None, harbor, None, None, ana.id)
    assert stream.one(
        lambda: ok(
            client.patch(f"/v1/users/{ana.id}", json={"is_active": False}, headers=root.headers)
        )
    ) == Seen("user.deactivated", "user", None, None, None, ana.id, root.id)
    # Activating again is not a deactivation.
    ok(client.patch(f"/v1/users/{ana.id}", json={"is_active": True}, headers=root.headers))
    assert stream.new() == []


def test_captured_and_filed_mail_writes_note_created(
    client: TestClient, db: Database, people: dict[str, Person], harbor: int
) -> None:
    ana = people["ana"]
    stream = Stream(db)
    raw = raw_mail(
        sender="Ana <ana@tacit.example>",
        to="Meg <meg@harborfreightways.example>",
        message_id="<m1@tacit.example>",
        body=f"Meg wants 60 days. {MARKER}",
    )
    response = deliver_mail(client, ana, raw)
    assert response.status_code == 201, response.text
    assert stream.new() == [note_event("note.created", response.json()["id"], harbor, ana.id)]
    # The same message again is a replay: nothing new happened.
    assert deliver_mail(client, ana, raw).status_code == 200
    assert stream.new() == []

    unfiled = raw_mail(
        sender="Ana <ana@tacit.example>",
        to="someone@nowhere.example",
        message_id="<m2@tacit.example>",
        body=f"Who is this? {MARKER}",
    )
    kept = deliver_mail(client, ana, unfiled)
    assert kept.status_code == 202, kept.text
    item = kept.json()
    assert stream.new() == []  # kept in the inbox, no note
    filed = client.post(
        f"/v1/inbound/{item['id']}/file", json={"account_id": harbor}, headers=ana.headers
    )
    assert filed.status_code == 201, filed.text
    (event,) = stream.new()
    assert (event.type, event.account_id, event.actor_id) == ("note.created", harbor, ana.id)
    assert_no_marker(db)


def test_csv_import_writes_an_event_per_note_and_a_dry_run_none(
    client: TestClient, db: Database, people: dict[str, Person], harbor: int
) -> None:
    ana = people["ana"]  # her own notes: an admin's upload may not change them
    stream = Stream(db)
    rows = [
        {
            "external_id": f"crm-{i}",
            "activity_date": "2025-03-04",
            "owner_email": "ana@tacit.example",
            "company": "Harbor Freightways",
            "visibility": "team",
            "body": f"Call {i}. {MARKER}",
        }
        for i in range(3)
    ]
    assert import_csv(client, ana, rows, dry_run=True).status_code == 200
    assert stream.new() == []
    assert import_csv(client, ana, rows, dry_run=False).status_code == 201
    written = stream.new()
    assert [(e.type, e.account_id, e.actor_id) for e in written] == [
        ("note.created", harbor, ana.id)
    ] * 3
    assert len({e.note_id for e in written}) == 3
    rows[1]["body"] = f"Call 1, revised. {MARKER}"
    assert import_csv(client, ana, rows, dry_run=False).status_code in (200, 201)
    (event,) = stream.new()
    assert (event.type, event.note_id) == ("note.updated", written[1].note_id)
    assert_no_marker(db)


def test_dataset_import_writes_events_by_the_system(db: Database, tmp_path: Path) -> None:
    from tests.integration.test_transfer import DATASET

    stream = Stream(db)
    with db.unit_of_work() as session:
        import_dataset(session, write_dataset(tmp_path / "one"), actor=SYSTEM)
    written = stream.new()
    assert [e.type for e in written] == ["note.created"] * len(DATASET["notes"])
    assert all(e.actor_id is None and e.note_id is not None for e in written)

    changed = {kind: [dict(r) for r in rows] for kind, rows in DATASET.items()}
    changed["accounts"][0]["industry"] = "ports"
    changed["contacts"][2]["title"] = "CTO"
    changed["contacts"][0]["reports_to"] = None  # changed in the second pass only
    changed["notes"][0]["body"] = f"Gus signs over $30k. {MARKER}"
    with db.unit_of_work() as session:
        import_dataset(session, write_dataset(tmp_path / "two", changed), actor=SYSTEM)
    kinds = sorted((e.type, e.subject_type) for e in stream.new())
    assert kinds == [
        ("account.updated", "account"),
        ("contact.updated", "contact"),
        ("contact.updated", "contact"),
        ("note.updated", "note"),
    ]
    assert_no_marker(db)


def test_a_rolled_back_change_writes_no_event(
    client: TestClient, db: Database, people: dict[str, Person], harbor: int
) -> None:
    stream = Stream(db)
    with pytest.raises(RuntimeError), db.unit_of_work() as session:
        author = session.get_one(User, people["ana"].id)
        notes.create_note(session, author, NoteCreate(account_id=harbor, body=f"No. {MARKER}"))
        session.flush()
        assert session.scalar(select(func.count()).select_from(Event)) == 1
        raise RuntimeError("the request failed after the write")
    assert stream.new() == []
    # A refused request (a stale If-Match) writes none either.
    note = post_note(client, people["ana"], harbor, "Gus signs over $25k.")
    stream.new()
    stale = client.patch(
        f"/v1/notes/{note}",
        json={"body": "changed"},
        headers={**people["ana"].headers, "If-Match": '"v7"'},
    )
    assert stale.status_code == 412
    assert stream.new() == []
