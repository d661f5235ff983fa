"""What the webhook tests share: a receiver on this machine, the people, and helpers that
create a webhook, drive the worker and verify what arrived with the Standard Webhooks library.
Each test module wraps the builders in fixtures of its own."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fastapi.testclient import TestClient
from standardwebhooks import Webhook

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Role
from app.worker import webhooks as worker
from tests.databases import settings_for
from tests.factories import Person, make_account, make_user

SECRET_WORDS = "ORCHID-KETTLE-5521"


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


@contextmanager
def serve_receiver() -> Iterator[Receiver]:
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


def allowing_private(db_url: str) -> Settings:
    """The receiver lives on 127.0.0.1, so the tests allow private addresses (the SSRF tests
    build an app without); two failed deliveries disable a webhook."""
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


def make_people(db: Database) -> People:
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
