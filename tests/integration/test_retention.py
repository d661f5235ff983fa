"""The retention review of personal context on both databases: off by default (the queue
kind is refused, naming the setting); on, it lists personal context about people who left
their post, older than the period, of every visibility and deleted notes too, for admins
only; erase and keep are audited, and a kept note comes back after another period."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, select, update

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Mention, Note, RetentionDecision, Role
from app.main import create_app
from tests.factories import Person, make_account, make_contact, make_user, post_note

PERIOD = 365
OLD = "2023-01-10T09:00:00Z"


@dataclass
class World:
    people: dict[str, Person]
    rosa: int
    due: list[str]  # note names, in the queue's order
    notes: dict[str, int]


@pytest.fixture
def on(settings: Settings, db: Database) -> Iterator[TestClient]:
    """The app with retention on (a year)."""
    app = create_app(settings.model_copy(update={"personal_context_retention_days": PERIOD}))
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def _personal(client: TestClient, who: Person, note_id: int, section: str = "personal") -> None:
    response = client.put(
        f"/v1/notes/{note_id}/topics", json={"topics": [section]}, headers=who.headers
    )
    assert response.status_code == 200, response.text


@pytest.fixture
def world(on: TestClient, db: Database) -> World:
    client = on
    people = {
        "alice": make_user(db, "Alice Moreau", team="east"),
        "carol": make_user(db, "Carol Diaz", team="west"),
        "mona": make_user(db, "Mona Field", team="east", role=Role.manager),
        "adam": make_user(db, "Adam Root", team=None, role=Role.admin),
    }
    alice, carol = people["alice"], people["carol"]
    bank = make_account(db, "Bramblewood Bank")
    rosa = make_contact(db, bank, "Rosa Quint", title="COO")
    tariq = make_contact(db, bank, "Tariq Haddad", title="CTO")
    wade = make_contact(db, bank, "Wade Ellis", title="Former VP Sales")

    def note(who: Person, body: str, contacts: list[int], **fields: Any) -> int:
        fields.setdefault("observed_at", OLD)
        return post_note(client, who, bank, body, contact_ids=contacts, **fields)

    notes = {
        "rosa_old": note(
            alice, "Rosa coaches her son's hockey team.", [rosa], visibility="company"
        ),
        "rosa_private": note(
            carol,
            "Rosa is caring for her father.",
            [rosa],
            observed_at="2023-02-01T00:00:00Z",
            visibility="private",
        ),
        "rosa_deleted": note(alice, "Rosa is vegan.", [rosa], observed_at="2023-03-01T00:00:00Z"),
        "wade_old": note(alice, "Wade golfs.", [wade], observed_at="2023-04-01T00:00:00Z"),
        "rosa_logistics": note(alice, "Rosa's office is on floor 3.", [rosa]),
        "rosa_recent": note(
            alice, "Rosa is moving to Lisbon.", [rosa], observed_at=utcnow().isoformat()
        ),
        "tariq_old": note(alice, "Tariq plays chess.", [tariq]),
        "departure": note(
            alice, "Rosa resigned as COO last month.", [], observed_at="2025-06-01T00:00:00Z"
        ),
    }
    for name in ("rosa_old", "rosa_deleted", "wade_old", "rosa_recent", "tariq_old"):
        _personal(client, alice, notes[name])
    _personal(client, carol, notes["rosa_private"])
    _personal(client, alice, notes["rosa_logistics"], "logistics")
    assert client.delete(f"/v1/notes/{notes['rosa_deleted']}", headers=alice.headers).is_success
    # What the embedding worker would find: the sentence saying Rosa left, attributed to her.
    with db.unit_of_work() as session:
        session.add(
            Mention(
                note_id=notes["departure"],
                contact_id=rosa,
                ordinal=0,
                text="Rosa resigned as COO last month.",
                topic="org_chart",
                score=0.5,
                named=1,
            )
        )
    due = ["rosa_old", "rosa_private", "rosa_deleted", "wade_old"]
    return World(people, rosa, due, notes)


def queue(client: TestClient, who: Person, **params: Any) -> Any:
    return client.get("/v1/curation", params={"kind": "retention", **params}, headers=who.headers)


def _ids(world: World, names: list[str]) -> list[int]:
    return [world.notes[n] for n in names]


def test_the_setting_is_off_by_default_and_a_positive_number_of_days(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TACIT_PERSONAL_CONTEXT_RETENTION_DAYS", raising=False)
    assert Settings(_env_file=None).personal_context_retention_days is None  # type: ignore[call-arg]
    monkeypatch.setenv("TACIT_PERSONAL_CONTEXT_RETENTION_DAYS", "730")
    assert Settings(_env_file=None).personal_context_retention_days == 730  # type: ignore[call-arg]
    for bad in ("0", "-5", "two years", "1.5"):
        monkeypatch.setenv("TACIT_PERSONAL_CONTEXT_RETENTION_DAYS", bad)
        with pytest.raises(ValidationError, match="personal_context_retention_days"):
            Settings(_env_file=None)  # type: ignore[call-arg]


def test_off_by_default_the_kind_is_refused_clearly(client: TestClient, world: World) -> None:
    admin = world.people["adam"]
    response = queue(client, admin)
    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "TACIT_PERSONAL_CONTEXT_RETENTION_DAYS" in response.json()["detail"]
    note = world.notes["rosa_old"]
    for action, body in (("keep", {"reason": "still needed"}), ("erase", None)):
        response = client.post(
            f"/v1/curation/retention/{note}/{action}", json=body, headers=admin.headers
        )
        assert response.status_code == 409, action


def test_the_queue_lists_old_personal_context_about_people_who_left(
    on: TestClient, world: World
) -> None:
    response = queue(on, world.people["adam"])
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["note_id"] for i in items] == _ids(world, world.due)
    assert {i["kind"] for i in items} == {"retention"}
    first = items[0]
    [left] = first["left"]
    assert (left["contact"]["id"], left["note_id"]) == (world.rosa, world.notes["departure"])
    assert left["left_at"].startswith("2025-06-01")
    assert first["due_since"].startswith("2024-01-10")
    assert first["note"]["body"] == "Rosa coaches her son's hockey team."
    private = items[1]
    assert (private["visibility"], private["author"]["id"]) == ("private", world.people["carol"].id)
    assert private["note"] is None  # a colleague's private note: decided without its text
    assert items[2]["deleted"] is True and items[2]["note"] is None
    wade = items[3]["left"][0]
    assert (wade["contact"]["name"], wade["left_at"], wade["note_id"]) == ("Wade Ellis", None, None)

    page = queue(on, world.people["adam"], limit=2)
    assert [i["note_id"] for i in page.json()["items"]] == _ids(world, world.due[:2])
    rest = queue(on, world.people["adam"], limit=2, cursor=page.json()["next_cursor"])
    assert [i["note_id"] for i in rest.json()["items"]] == _ids(world, world.due[2:])


def test_only_admins_review_retention(on: TestClient, world: World) -> None:
    note = world.notes["rosa_old"]
    for who in ("alice", "mona"):
        person = world.people[who]
        assert queue(on, person).status_code == 403, who
        for action, body in (("keep", {"reason": "x"}), ("erase", None)):
            response = on.post(
                f"/v1/curation/retention/{note}/{action}", json=body, headers=person.headers
            )
            assert response.status_code == 403, (who, action)


def _events(db: Database, action: str) -> list[AuditEvent]:
    with db.session(write=False) as session:
        return list(
            session.scalars(
                select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
            )
        )


def test_keep_takes_a_note_out_for_another_period_and_is_audited(
    on: TestClient, world: World, db: Database
) -> None:
    admin = world.people["adam"]
    note = world.notes["rosa_old"]
    response = on.post(
        f"/v1/curation/retention/{note}/keep",
        json={"reason": "Rosa may return as an adviser"},
        headers=admin.headers,
    )
    assert response.status_code == 200, response.text
    kept = response.json()
    assert (kept["note_id"], kept["kept_by"]["id"]) == (note, admin.id)
    assert kept["review_after"][:10] == (utcnow() + timedelta(days=PERIOD)).date().isoformat()
    listed = [i["note_id"] for i in queue(on, admin).json()["items"]]
    assert listed == _ids(world, world.due[1:])
    [event] = _events(db, "retention.keep")
    assert (event.actor_id, event.target_id) == (admin.id, str(note))
    assert event.details["contact_ids"] == [world.rosa]
    assert "Rosa" not in str(event.details)  # the reason stays on the decision

    # Kept is not due; nor is a note that was never due.
    for other in (note, world.notes["tariq_old"], world.notes["rosa_recent"]):
        again = on.post(
            f"/v1/curation/retention/{other}/keep", json={"reason": "x"}, headers=admin.headers
        )
        assert again.status_code == 409, other
    assert (
        on.post(
            "/v1/curation/retention/999999/keep", json={"reason": "x"}, headers=admin.headers
        ).status_code
        == 404
    )
    assert (
        on.post(
            f"/v1/curation/retention/{note}/keep", json={"reason": " "}, headers=admin.headers
        ).status_code
        == 422
    )

    # Once the period has passed the note is due again.
    with db.unit_of_work() as session:
        session.execute(
            update(RetentionDecision).values(review_after=utcnow() - timedelta(seconds=1))
        )
    listed = [i["note_id"] for i in queue(on, admin).json()["items"]]
    assert listed == _ids(world, world.due)


def test_erase_removes_the_note_and_is_audited(on: TestClient, world: World, db: Database) -> None:
    admin = world.people["adam"]
    note = world.notes["rosa_private"]  # another team's note the admin may not read
    response = on.post(f"/v1/curation/retention/{note}/erase", headers=admin.headers)
    assert response.status_code == 204, response.text
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Note.id == note)) == 0
    [retained] = _events(db, "retention.erase")
    assert (retained.actor_id, retained.target_id) == (admin.id, str(note))
    assert retained.details["contact_ids"] == [world.rosa]
    assert [e.target_id for e in _events(db, "note.erase")] == [str(note)]
    listed = [i["note_id"] for i in queue(on, admin).json()["items"]]
    assert note not in listed and len(listed) == len(world.due) - 1
    deleted = world.notes["rosa_deleted"]
    response = on.post(f"/v1/curation/retention/{deleted}/erase", headers=admin.headers)
    assert response.status_code == 204  # a deleted note is still held, so erased too
