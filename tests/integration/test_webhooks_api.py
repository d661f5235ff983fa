"""The webhooks API on both databases: who may see, change, test and delete a webhook (another
user's is a 404, an admin never re-aims one), bad input, the secret shown once and kept
sealed, the test message, and addresses inside the network refused when a webhook is made and
again when it is called (DNS rebinding). No request leaves this machine: a refused address is
refused before any connection, and the one public address accepted is never called."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.config import Settings
from app.db.engine import Database
from app.db.models import AuditEvent, User, WebhookDelivery
from app.domain import webhooks
from app.domain.webhooks import policy_of
from app.main import create_app
from app.schemas.webhooks import WebhookCreate
from app.worker import webhooks as worker
from tests.databases import settings_for
from tests.factories import every_value_in_the_database, post_note
from tests.webhooks import (
    People,
    Receiver,
    allowing_private,
    create,
    log,
    make_people,
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
