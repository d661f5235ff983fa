"""Outbound webhooks, end to end on both databases: created over the API, fed by the event
stream, sent by the worker (driven round by round, with the clock passed in) to a real HTTP
receiver on this machine, and every request received verified with the Standard Webhooks
library. Who may see what is checked like an attacker would: another team's note, a note made
private before it was sent, an erased note, another user's webhook id, addresses inside the
network."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import AuditEvent, Event, NoteView, Role, User, WebhookDelivery
from app.domain import events, webhook_deliveries, webhooks
from app.domain.webhooks import policy_of
from app.main import create_app
from app.schemas.webhooks import WebhookCreate
from app.worker import webhooks as worker
from tests.databases import settings_for
from tests.factories import Person, every_value_in_the_database, make_account, make_user, post_note
from tests.integration.test_cli import tacit

SECRET_WORDS = "ORCHID-KETTLE-5521"


# --- a receiver on this machine ----------------------------------------------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """An HTTP server on 127.0.0.1 that records every request and answers each path with the
    statuses queued for it (then 200); a path in ``hang`` waits for ``release`` first."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    answers: dict[str, list[int]] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    release: threading.Event = field(default_factory=threading.Event)
    got: threading.Event = field(default_factory=threading.Event)

    def at(self, path: str) -> list[Received]:
        return [r for r in self.received if r.path == path]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            state.received.append(Received(self.path, dict(self.headers.items()), body))
            state.got.set()
            if self.path in state.hang:
                state.release.wait(10)
            queued = state.answers.get(self.path) or []
            code = queued.pop(0) if queued else 200
            self.send_response(code)
            if code == 302:
                self.send_header("Location", "/elsewhere")
            answer = f"answer {code} from {self.path}".encode()
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()


# --- the world ---------------------------------------------------------------------------------


@pytest.fixture
def settings(db_url: str) -> Settings:
    """The receiver lives on 127.0.0.1, so these tests allow private addresses; the SSRF tests
    build an app without."""
    return settings_for(db_url).model_copy(
        update={"webhook_allow_private": True, "webhook_disable_after": 2}
    )


@dataclass(frozen=True)
class People:
    ana: Person  # east
    cy: Person  # east
    ben: Person  # west
    admin: Person
    account: int


@pytest.fixture
def people(db: Database) -> People:
    return People(
        ana=make_user(db, "Ana Reyes", team="east"),
        cy=make_user(db, "Cy Park", team="east"),
        ben=make_user(db, "Ben Okafor", team="west"),
        admin=make_user(db, "Ada Admin", team=None, role=Role.admin),
        account=make_account(db, "Harbor Freightways"),
    )


def create(
    client: TestClient, who: Person, url: str, events: list[str] | None = None
) -> dict[str, Any]:
    response = client.post(
        "/v1/webhooks",
        headers=who.headers,
        json={"url": url, "events": events or ["note.created"]},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def run(db: Database, settings: Settings, *, at: timedelta = timedelta(0)) -> None:
    """Worker rounds at ``now + at`` until nothing more is due then."""
    now = utcnow() + at
    for _ in range(20):
        if not worker.run_once(db, settings, now=now):
            return
    raise AssertionError("the worker never ran out of work")


def verified(received: list[Received], secret: str) -> list[dict[str, Any]]:
    """Each request's payload, after ``standardwebhooks`` verified its signature."""
    return [Webhook(secret).verify(r.body, r.headers) for r in received]


def log(client: TestClient, who: Person, hook: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(f"/v1/webhooks/{hook['id']}/deliveries", headers=who.headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


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


def test_a_user_has_at_most_twenty_webhooks(
    client: TestClient, people: People, receiver: Receiver
) -> None:
    for n in range(20):
        create(client, people.ana, f"{receiver.url}/{n}")
    response = client.post(
        "/v1/webhooks",
        headers=people.ana.headers,
        json={"url": f"{receiver.url}/more", "events": ["note.created"]},
    )
    assert response.status_code == 409
    assert "delete one" in response.json()["detail"]
    create(client, people.cy, f"{receiver.url}/cy")  # per user, not in all


# --- the API -------------------------------------------------------------------------------------


def test_webhooks_are_their_owners_and_admins_and_nobody_elses(
    client: TestClient, db: Database, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.ana, f"{receiver.url}/ana")
    path = f"/v1/webhooks/{hook['id']}"
    missing = f"/v1/webhooks/{hook['id'] + 1000}"
    ben = people.ben.headers
    for method, url, body in [
        ("GET", path, None),
        ("PATCH", path, {"status": "disabled"}),
        ("PATCH", path, {"url": f"{receiver.url}/ben"}),
        ("DELETE", path, None),
        ("GET", f"{path}/deliveries", None),
        ("POST", f"{path}/test", None),
    ]:
        theirs = client.request(method, url, headers=ben, json=body)
        none = client.request(method, url.replace(path, missing), headers=ben, json=body)
        assert theirs.status_code == none.status_code == 404, (method, url, theirs.text)
        assert theirs.json()["detail"].replace(str(hook["id"]), "N") == none.json()[
            "detail"
        ].replace(str(hook["id"] + 1000), "N")
    assert receiver.received == []  # Ben's test sent nothing
    assert client.get("/v1/webhooks", headers=ben).json() == []
    assert client.get(f"/v1/webhooks?user_id={people.ana.id}", headers=ben).status_code == 403

    mine = client.get("/v1/webhooks", headers=people.ana.headers).json()
    assert [w["id"] for w in mine] == [hook["id"]] and "secret" not in mine[0]
    admin = people.admin.headers
    listed = client.get(f"/v1/webhooks?user_id={people.ana.id}", headers=admin).json()
    assert [w["id"] for w in listed] == [hook["id"]]
    assert client.get(path, headers=admin).status_code == 200
    # An admin may not aim someone's webhook elsewhere, nor make one for them.
    aimed = client.patch(path, headers=admin, json={"url": f"{receiver.url}/admin"})
    assert aimed.status_code == 403
    events = client.patch(path, headers=admin, json={"events": ["note.updated"]})
    assert events.status_code == 403
    for_ana = client.post(
        "/v1/webhooks",
        headers=admin,
        json={"url": f"{receiver.url}/x", "events": ["note.created"], "user_id": people.ana.id},
    )
    assert for_ana.status_code == 422
    stopped = client.patch(path, headers=admin, json={"status": "disabled"})
    assert stopped.status_code == 200
    assert stopped.json()["disabled_reason"] == "disabled by an admin (Ada Admin)"
    assert stopped.json()["url"] == f"{receiver.url}/ana"

    moved = client.patch(
        path, headers=people.ana.headers, json={"url": f"{receiver.url}/new", "events": []}
    )
    assert moved.status_code == 422  # at least one event
    moved = client.patch(
        path,
        headers=people.ana.headers,
        json={"url": f"{receiver.url}/new", "events": ["note.updated", "note.updated"]},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["url"], moved.json()["events"]) == (
        f"{receiver.url}/new",
        ["note.updated"],
    )

    assert client.delete(path, headers=admin).status_code == 204
    assert client.get(path, headers=people.ana.headers).status_code == 404
    with db.session(write=False) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_type == "webhook")
        ).all()
    assert set(actions) >= {"webhook.create", "webhook.update", "webhook.disable", "webhook.delete"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://hooks.example/x", "events": ["note.exploded"]}, "events"),
        ({"url": "https://hooks.example/x", "events": []}, "events"),
        ({"url": "https://hooks.example/x"}, "events"),
        ({"events": ["note.created"]}, "url"),
        ({"url": "", "events": ["note.created"]}, "url"),
        ({"url": "https://h.example/" + "a" * 2000, "events": ["note.created"]}, "url"),
    ],
)
def test_bad_input_is_a_clear_422(
    client: TestClient, people: People, body: dict[str, Any], field: str
) -> None:
    response = client.post("/v1/webhooks", headers=people.ana.headers, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(field in e["location"] for e in response.json()["errors"])


def test_the_secret_is_shown_once_and_stored_sealed(
    client: TestClient, db: Database, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.ana, f"{receiver.url}/ana")
    secret = hook["secret"]
    assert secret not in json.dumps(client.get("/v1/webhooks", headers=people.ana.headers).json())
    stored = every_value_in_the_database(db)
    assert secret not in stored and secret.removeprefix("whsec_") not in stored


def test_the_test_endpoint_sends_a_signed_message_now_and_says_how_it_went(
    client: TestClient, db: Database, people: People, receiver: Receiver
) -> None:
    hook = create(client, people.ana, f"{receiver.url}/ana")
    response = client.post(f"/v1/webhooks/{hook['id']}/test", headers=people.ana.headers)
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["delivered"], result["status_code"], result["error"]) == (True, 200, None)
    assert result["response_excerpt"] == "answer 200 from /ana"
    (payload,) = verified(receiver.at("/ana"), hook["secret"])
    assert payload["type"] == "webhook.test" and payload["data"] == {"webhook_id": hook["id"]}
    assert receiver.at("/ana")[0].headers["webhook-id"] == result["message_id"]

    receiver.answers["/ana"] = [503]
    admin = client.post(f"/v1/webhooks/{hook['id']}/test", headers=people.admin.headers).json()
    assert (admin["delivered"], admin["status_code"]) == (False, 503)
    assert admin["response_excerpt"] == "answer 503 from /ana"
    # A test is not a delivery: no log entry, no failure counted.
    assert log(client, people.ana, hook) == []
    again = client.get(f"/v1/webhooks/{hook['id']}", headers=people.ana.headers).json()
    assert again["consecutive_failures"] == 0


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


# --- addresses inside the network --------------------------------------------------------------


def test_private_addresses_are_refused_when_not_allowed(
    db_url: str, db: Database, people: People
) -> None:
    """No request is made here: a refused address is refused before any connection, and the
    one public address accepted is never called."""
    strict = settings_for(db_url)
    with TestClient(create_app(strict), raise_server_exceptions=False) as client:
        for url in [
            "http://127.0.0.1:9/hook",
            "https://127.0.0.1/hook",
            "https://localhost/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://10.0.0.1/hook",
            "https://192.168.1.20/hook",
            "https://100.64.0.1/hook",
            "https://[::1]/hook",
            "https://[::ffff:127.0.0.1]/hook",
            "https://[fe80::1]/hook",
            "https://0.0.0.0/hook",
            "https://user:pw@203.0.113.9/hook",
            "ftp://files.example/hook",
            "https://bad host.example/hook",
        ]:
            response = client.post(
                "/v1/webhooks",
                headers=people.ana.headers,
                json={"url": url, "events": ["note.created"]},
            )
            assert response.status_code == 422, (url, response.text)
            assert response.json()["detail"].startswith("url: "), url
        accepted = client.post(
            "/v1/webhooks",
            headers=people.ana.headers,
            json={"url": "https://93.184.215.14/hook", "events": ["note.created"]},
        )
        assert accepted.status_code == 201, accepted.text
        patched = client.patch(
            f"/v1/webhooks/{accepted.json()['id']}",
            headers=people.ana.headers,
            json={"url": "https://127.0.0.1/hook"},
        )
        assert patched.status_code == 422


def test_a_name_that_resolves_inside_the_network_at_delivery_is_not_called(
    client: TestClient, db_url: str, db: Database, people: People
) -> None:
    """DNS rebinding: public when the webhook was made, loopback when it is called. The
    address is refused before any connection is tried (no "could not connect")."""
    strict = settings_for(db_url)
    public = policy_of(strict, resolve=lambda host, port: ["93.184.215.14"])
    with db.unit_of_work() as session:
        owner = session.get_one(User, people.cy.id)
        hook, _ = webhooks.create_webhook(
            session,
            owner,
            WebhookCreate(url="https://hooks.example.test/cy", events=["note.created"]),
            policy=public,
            key=strict.webhook_secret_key,
        )
        hook_id = hook.id
    post_note(client, people.ana, people.account, "Rebound")
    assert worker.run_once(db, strict, resolve=lambda host, _: ["127.0.0.1"]) > 0
    with db.session(write=False) as session:
        (delivery,) = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.webhook_id == hook_id)
        ).all()
    assert delivery.last_error is not None
    assert delivery.last_error.startswith("not sent: hooks.example.test resolves to 127.0.0.1")
    assert delivery.status == "pending" and delivery.attempts == 1


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
