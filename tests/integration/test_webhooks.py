"""Outbound webhooks sent from the event stream, on both databases: the worker driven round by
round (the clock passed in) sends to a real HTTP receiver on this machine, and every request
received is verified with the Standard Webhooks library. What reaches a webhook is what its
owner may read when it is sent: never another team's note, a note made private before it was
sent, or an erased note's words. The API itself: ``test_webhooks_api.py``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Event, NoteView, WebhookDelivery
from app.domain import events, webhook_deliveries
from app.main import create_app
from app.worker import webhooks as worker
from tests.factories import post_note
from tests.integration.test_cli import tacit
from tests.webhooks import (
    SECRET_WORDS,
    People,
    Receiver,
    allowing_private,
    create,
    log,
    make_people,
    run,
    serve_receiver,
    verified,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serve_receiver() as running:
        yield running


@pytest.fixture
def settings(db_url: str) -> Settings:
    return allowing_private(db_url)


@pytest.fixture
def people(db: Database) -> People:
    return make_people(db)


# --- delivery ----------------------------------------------------------------------------------


def test_a_colleagues_note_arrives_signed_and_as_its_reader_sees_it(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.cy, f"{receiver.url}/cy")
    assert hook["secret"].startswith("whsec_")
    note = post_note(client, people.ana, people.account, f"Deb signs; {SECRET_WORDS}")
    run(db, settings)

    (payload,) = verified(receiver.at("/cy"), hook["secret"])
    assert payload["type"] == "note.created"
    assert payload["data"]["id"] == note
    assert payload["data"]["body"] == f"Deb signs; {SECRET_WORDS}"
    assert payload["data"]["author"]["id"] == people.ana.id
    shown = client.get(f"/v1/notes/{note}", headers=people.cy.headers).json()
    assert payload["data"] == shown  # the same note the API shows its reader
    with db.session(write=False) as session:
        event_id = session.scalar(select(Event.id).where(Event.note_id == note))
        # Sending a colleague's note is a read by the webhook's owner, as an opened note is.
        view = session.scalar(
            select(NoteView).where(NoteView.note_id == note, NoteView.source == "webhook")
        )
        assert view is not None and (view.user_id, view.kind, view.source) == (
            people.cy.id,
            "sent",
            "webhook",
        )
    assert receiver.at("/cy")[0].headers["webhook-id"] == f"evt_{event_id}"

    (entry,) = log(client, people.cy, hook)
    assert entry["message_id"] == f"evt_{event_id}"
    assert (entry["status"], entry["attempts"], entry["last_status_code"]) == ("delivered", 1, 200)
    assert entry["response_excerpt"] == "answer 200 from /cy"
    assert entry["delivered_at"] is not None and entry["next_attempt_at"] is None

    run(db, settings, at=timedelta(days=2))
    assert len(receiver.at("/cy")) == 1  # delivered is done


def test_a_failed_attempt_is_retried_with_back_off_under_the_same_id(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.cy, f"{receiver.url}/cy")
    receiver.answers["/cy"] = [500, 302]
    post_note(client, people.ana, people.account, "Legal wants 60 days")
    run(db, settings)

    (entry,) = log(client, people.cy, hook)
    assert (entry["status"], entry["attempts"], entry["last_status_code"]) == ("pending", 1, 500)
    assert entry["response_excerpt"] == "answer 500 from /cy"
    assert entry["last_error"] == "HTTP 500"
    run(db, settings, at=timedelta(seconds=20))
    assert len(receiver.at("/cy")) == 1  # not due yet: 30 s after the first attempt

    run(db, settings, at=timedelta(seconds=31))
    (entry,) = log(client, people.cy, hook)
    assert (entry["status"], entry["last_status_code"]) == ("pending", 302)
    assert "redirects are not followed" in entry["last_error"]
    assert all(r.path == "/cy" for r in receiver.received)  # the redirect was not followed

    run(db, settings, at=timedelta(minutes=5))
    first, second, third = verified(receiver.at("/cy"), hook["secret"])
    assert first == second == third
    ids = {r.headers["webhook-id"] for r in receiver.at("/cy")}
    assert len(ids) == 1  # receivers drop repeats by it
    (entry,) = log(client, people.cy, hook)
    assert (entry["status"], entry["attempts"], entry["last_status_code"]) == ("delivered", 3, 200)
    again = client.get(f"/v1/webhooks/{hook['id']}", headers=people.cy.headers).json()
    assert again["consecutive_failures"] == 0

    # The log goes with its events (`tacit events purge`), and with its webhook.
    with db.unit_of_work() as session:
        events.purge(session, before=utcnow() + timedelta(seconds=1))
    assert log(client, people.cy, hook) == []
    post_note(client, people.ana, people.account, "Kept until the webhook goes")
    run(db, settings)
    assert len(log(client, people.cy, hook)) == 1
    assert client.delete(f"/v1/webhooks/{hook['id']}", headers=people.cy.headers).status_code == 204
    with db.session(write=False) as session:
        assert session.scalars(select(WebhookDelivery)).all() == []


def test_a_note_reaches_only_webhooks_whose_owner_may_read_it(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    events = ["note.created", "note.updated", "note.deleted"]
    ben = create(client, people.ben, f"{receiver.url}/ben", events)  # the west team
    cy = create(client, people.cy, f"{receiver.url}/cy", events)  # Ana's team
    team = post_note(client, people.ana, people.account, f"Team only: {SECRET_WORDS}")
    private = post_note(
        client, people.ana, people.account, f"Mine: {SECRET_WORDS}", visibility="private"
    )
    company = post_note(
        client, people.ana, people.account, "Everyone: renewal in March", visibility="company"
    )
    run(db, settings)
    for note in (team, private):
        response = client.delete(f"/v1/notes/{note}", headers=people.ana.headers)
        assert response.status_code == 204
    run(db, settings)

    to_ben = verified(receiver.at("/ben"), ben["secret"])
    assert [(p["type"], p["data"]["id"]) for p in to_ben] == [("note.created", company)]
    to_cy = verified(receiver.at("/cy"), cy["secret"])
    assert sorted((p["type"], p["data"]["id"]) for p in to_cy) == sorted(
        [("note.created", team), ("note.created", company), ("note.deleted", team)]
    )
    assert SECRET_WORDS not in b"".join(r.body for r in receiver.at("/ben")).decode()
    # Nor does the log tell Ben that anything else happened.
    assert [e["event_type"] for e in log(client, people.ben, ben)] == ["note.created"]


def test_a_note_made_private_before_it_is_sent_is_never_sent(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.cy, f"{receiver.url}/cy", ["note.created", "note.updated"])
    note = post_note(client, people.ana, people.account, f"Budget: {SECRET_WORDS}")
    worker.fan_out(db, now=utcnow())  # queued for Cy while Cy may still read it
    etag = client.get(f"/v1/notes/{note}", headers=people.ana.headers).headers["ETag"]
    response = client.patch(
        f"/v1/notes/{note}",
        headers={**people.ana.headers, "If-Match": etag},
        json={"visibility": "private"},
    )
    assert response.status_code == 200, response.text
    run(db, settings, at=timedelta(days=1))

    assert receiver.received == []
    assert log(client, people.cy, hook) == []
    with db.session(write=False) as session:
        assert session.scalars(select(WebhookDelivery)).all() == []
        assert session.scalars(select(NoteView).where(NoteView.note_id == note)).all() == []


def test_nothing_is_sent_for_an_owner_deactivated_since(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    create(client, people.cy, f"{receiver.url}/cy", ["note.created", "account.updated"])
    post_note(client, people.ana, people.account, "Queued for Cy", visibility="company")
    worker.fan_out(db, now=utcnow())
    response = client.patch(
        f"/v1/users/{people.cy.id}", headers=people.admin.headers, json={"is_active": False}
    )
    assert response.status_code == 200, response.text
    renamed = client.patch(
        f"/v1/accounts/{people.account}", headers=people.ana.headers, json={"region": "EMEA"}
    )
    assert renamed.status_code == 200, renamed.text
    run(db, settings)
    assert receiver.received == []


def test_an_erased_note_sends_only_note_erased_with_its_id(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.cy, f"{receiver.url}/cy", ["note.created", "note.erased"])
    note = post_note(client, people.ana, people.account, f"Health: {SECRET_WORDS}")
    response = client.post(f"/v1/notes/{note}/erase", headers=people.ana.headers)
    assert response.status_code == 204, response.text
    run(db, settings)

    (payload,) = verified(receiver.at("/cy"), hook["secret"])
    assert (payload["type"], payload["data"]) == ("note.erased", {"id": note})
    assert SECRET_WORDS not in receiver.at("/cy")[0].body.decode()


def test_a_new_webhook_is_sent_no_event_from_before_it(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    first = create(client, people.cy, f"{receiver.url}/first")
    older = post_note(client, people.ana, people.account, "Before the second webhook")
    second = create(client, people.cy, f"{receiver.url}/second")  # `older` is still queued
    newer = post_note(client, people.ana, people.account, "After it")
    run(db, settings)

    got_first = [p["data"]["id"] for p in verified(receiver.at("/first"), first["secret"])]
    got_second = [p["data"]["id"] for p in verified(receiver.at("/second"), second["secret"])]
    assert sorted(got_first) == sorted([older, newer])
    assert got_second == [newer]


def test_a_webhook_failing_for_a_day_at_a_time_is_disabled_and_its_owner_told(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    broken = create(client, people.cy, f"{receiver.url}/broken")
    watcher = create(client, people.cy, f"{receiver.url}/watch", ["webhook.disabled"])
    others = create(client, people.ana, f"{receiver.url}/ana", ["webhook.disabled"])
    receiver.answers["/broken"] = [500] * 10
    post_note(client, people.ana, people.account, "One")
    post_note(client, people.ana, people.account, "Two")
    run(db, settings)
    run(db, settings, at=timedelta(hours=23))  # retried, not given up: within the day
    hook = client.get(f"/v1/webhooks/{broken['id']}", headers=people.cy.headers).json()
    assert (hook["status"], hook["consecutive_failures"]) == ("active", 0)

    run(db, settings, at=timedelta(hours=24, seconds=1))  # a day since each first attempt
    hook = client.get(f"/v1/webhooks/{broken['id']}", headers=people.cy.headers).json()
    assert (hook["status"], hook["consecutive_failures"]) == ("disabled", 2)
    assert "2 deliveries in a row failed" in hook["disabled_reason"]
    assert {e["status"] for e in log(client, people.cy, broken)} == {"failed"}
    assert len(receiver.at("/broken")) == 6  # each: at once, at 23 h, and a day after the first

    # Told: the owner's other webhook that asked, not anyone else's; and the audit trail.
    (told,) = verified(receiver.at("/watch"), watcher["secret"])
    assert told["type"] == "webhook.disabled"
    assert (told["data"]["id"], told["data"]["status"]) == (broken["id"], "disabled")
    assert "secret" not in told["data"]
    assert receiver.at("/ana") == [] and others["status"] == "active"
    with db.session(write=False) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_type == "webhook")
        ).all()
    assert "webhook.disable" in actions

    post_note(client, people.ana, people.account, "Three")
    run(db, settings, at=timedelta(days=3))
    assert len(receiver.at("/broken")) == 6  # a disabled webhook is sent nothing

    response = client.patch(
        f"/v1/webhooks/{broken['id']}", headers=people.cy.headers, json={"status": "active"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "active"
    assert response.json()["disabled_reason"] is None
    assert response.json()["consecutive_failures"] == 0


def test_what_was_queued_waits_while_disabled_and_goes_when_enabled(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.cy, f"{receiver.url}/cy")
    before = post_note(client, people.ana, people.account, "Queued before")
    worker.fan_out(db, now=utcnow())
    path = f"/v1/webhooks/{hook['id']}"
    stopped = client.patch(path, headers=people.cy.headers, json={"status": "disabled"})
    assert stopped.json()["disabled_reason"] == "disabled by its owner"
    post_note(client, people.ana, people.account, "Written while disabled")
    assert worker.run_once(db, settings) > 0  # the second note's event, fanned out to nobody
    assert worker.run_once(db, settings, now=utcnow() + timedelta(days=2)) == 0  # idle
    assert receiver.received == []

    client.patch(path, headers=people.cy.headers, json={"status": "active"})
    run(db, settings)
    assert [p["data"]["id"] for p in verified(receiver.at("/cy"), hook["secret"])] == [before]


def test_one_slow_receiver_does_not_hold_up_another(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    quick = settings.model_copy(update={"webhook_timeout_seconds": 0.5})
    slow = create(client, people.cy, f"{receiver.url}/slow")
    fast = create(client, people.ben, f"{receiver.url}/fast")
    receiver.hang.add("/slow")
    note = post_note(client, people.ana, people.account, "Shared", visibility="company")
    run(db, quick)
    receiver.release.set()

    assert [p["data"]["id"] for p in verified(receiver.at("/fast"), fast["secret"])] == [note]
    (entry,) = log(client, people.cy, slow)
    assert entry["status"] == "pending" and entry["last_status_code"] is None
    assert entry["last_error"] == "no answer within 0.5 s"
    assert log(client, people.ben, fast)[0]["status"] == "delivered"


@pytest.mark.db("postgres")
def test_two_workers_claim_disjoint_deliveries(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    for name in ("a", "b", "c"):
        create(client, people.cy, f"{receiver.url}/{name}")
    post_note(client, people.ana, people.account, "One")
    post_note(client, people.ana, people.account, "Two")
    worker.fan_out(db, now=utcnow())
    key = settings.webhook_secret_key

    def claim(session: Session, limit: int) -> list[webhook_deliveries.Prepared]:
        return webhook_deliveries.claim_due(
            session, limit=limit, per_webhook=4, now=utcnow(), key=key
        )

    first = db.session(write=True)
    try:
        mine = claim(first, 3)
        # The first claim is still open, its rows locked: SKIP LOCKED passes them by.
        with db.unit_of_work() as session:
            theirs = claim(session, 10)
        first.commit()
    finally:
        first.close()
    assert len(mine) == 3 and len(theirs) == 3
    assert {p.delivery_id for p in mine}.isdisjoint({p.delivery_id for p in theirs})
    with db.unit_of_work() as session:
        assert claim(session, 10) == []  # both leases hold


def test_a_changed_secret_key_is_a_clear_failure_not_a_crash(
    client: TestClient, db: Database, settings: Settings, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.cy, f"{receiver.url}/cy")
    post_note(client, people.ana, people.account, "Signed with which key?")
    rotated = settings.model_copy(update={"secret_key": "another-secret-key-of-the-operator"})
    with TestClient(create_app(rotated), raise_server_exceptions=False) as other:
        response = other.post(f"/v1/webhooks/{hook['id']}/test", headers=people.cy.headers)
    assert response.status_code == 409
    assert "TACIT_SECRET_KEY" in response.json()["detail"]
    run(db, rotated)
    assert receiver.received == []
    (entry,) = log(client, people.cy, hook)
    assert entry["status"] == "pending" and "TACIT_SECRET_KEY" in entry["last_error"]


# --- where the worker runs ---------------------------------------------------------------------


def test_tacit_serve_sends_from_its_own_worker_thread(
    settings: Settings, db: Database, people: People, receiver: Receiver
) -> None:
    serving = settings.model_copy(update={"webhook_workers": 1})
    with TestClient(create_app(serving), raise_server_exceptions=False) as client:
        hook = create(client, people.cy, f"{receiver.url}/cy")
        note = post_note(client, people.ana, people.account, "Sent in the background")
        assert receiver.got.wait(60), "the server's webhook worker sent nothing"
    (payload,) = verified(receiver.at("/cy"), hook["secret"])
    assert payload["data"]["id"] == note


def test_tacit_webhooks_worker_sends_until_nothing_is_due(
    client: TestClient, db: Database, people: People, receiver: Receiver, tmp_path: Path
) -> None:
    hook = create(client, people.cy, f"{receiver.url}/cy")
    note = post_note(client, people.ana, people.account, "Sent by the command")
    result = tacit(
        "webhooks",
        "worker",
        "--until-empty",
        db_url=db.url,
        cwd=tmp_path,
        TACIT_WEBHOOK_ALLOW_PRIVATE="true",
    )
    assert result.returncode == 0, result.stderr
    (payload,) = verified(receiver.at("/cy"), hook["secret"])
    assert payload["data"]["id"] == note
