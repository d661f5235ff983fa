"""One database connection per request: a pool of ONE connection serves every kind of request,
concurrently, because no request asks for a second connection while it holds one. Before, a
request held its unit of work and opened another for its token touch, idempotency claim,
search log or view record, and a busy pool deadlocked until the pool timeout."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.config import Settings
from app.db.engine import WRITE_OPTION, Database
from app.db.models import NoteView, Search
from app.http.state import state_of
from app.main import create_app
from app.server import serve_in_thread
from tests.factories import Person, make_account, make_user


def one_connection(settings: Settings, *, timeout: float) -> Settings:
    return settings.model_copy(
        update={
            "db_pool_size": 1,
            "db_max_overflow": 0,
            "db_pool_timeout": timeout,
            "token_touch_seconds": 0,  # every request also touches its token
        }
    )


@pytest.fixture
def people(db: Database) -> tuple[Person, Person]:
    make_account(db, "Harbor Freightways", domains=["harbor.example"])
    return make_user(db, "Priya"), make_user(db, "Walt")


@pytest.fixture
def tight_url(settings: Settings, db: Database) -> Iterator[str]:
    # A nested checkout would wait out this timeout and fail with 503: the test would see it.
    with serve_in_thread(create_app(one_connection(settings, timeout=20))) as url:
        yield url


def test_every_kind_of_request_runs_on_a_pool_of_one(tight_url, db, people) -> None:
    priya, walt = people
    with httpx.Client(base_url=tight_url, timeout=60) as http:
        first = http.post(
            "/v1/notes",
            headers=priya.headers,
            json={"body": "Meg (CFO) signs anything over $50k", "account": "harbor.example",
                  "visibility": "company"},
        )  # fmt: skip
        assert first.status_code == 201, first.text
        note_id = first.json()["id"]
        account_id = first.json()["account"]["id"]

    def call(i: int) -> int:
        who = (priya, walt)[i % 2]
        kind = i % 6
        with httpx.Client(base_url=tight_url, timeout=60, headers=who.headers) as http:
            if kind == 0:  # write, with an idempotency claim before the unit of work
                r = http.post(
                    "/v1/notes",
                    headers={"Idempotency-Key": f"k{i}"},
                    json={"body": f"Note {i} on renewals", "account": "harbor.example"},
                )
            elif kind == 1:  # search: read, then the search log on the same connection
                r = http.post("/v1/search", json={"q": "who signs off on spend"})
            elif kind == 2:  # an opened note is recorded as a view
                r = http.get(f"/v1/notes/{note_id}")
            elif kind == 3:  # a brief records which notes it showed
                r = http.get(f"/v1/accounts/{account_id}/brief")
            elif kind == 4:
                r = http.get("/v1/notes", params={"account_id": account_id})
            else:  # an export is audited after the read
                r = http.get("/v1/export/accounts")
            return r.status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(call, range(48)))
    assert all(code < 300 for code in codes), codes

    # Every side write landed: a view each time Walt (odd i) opened Priya's note (her own
    # reads are not views), views of what his briefs showed, a log entry for each search.
    with db.session(write=False) as session:
        opened = session.scalar(select(func.count()).where(NoteView.kind == "opened"))
        shown = session.scalar(select(func.count()).where(NoteView.kind == "shown"))
        searches = session.scalar(select(func.count()).select_from(Search))
    assert opened == sum(1 for i in range(48) if i % 6 == 2 and i % 2 == 1)
    assert shown and shown >= sum(1 for i in range(48) if i % 6 == 3 and i % 2 == 1)
    assert searches == sum(1 for i in range(48) if i % 6 == 1)


def test_search_answers_with_the_id_of_its_logged_search(client, db, people) -> None:
    priya, _ = people
    result = client.post("/v1/search", headers=priya.headers, json={"q": "spend"})
    assert result.status_code == 200
    with db.session(write=False) as session:
        assert session.get(Search, result.json()["search_id"]) is not None


def test_an_exhausted_pool_is_a_fast_503_and_health_still_answers(settings, db, people) -> None:
    priya, _ = people
    app = create_app(one_connection(settings, timeout=0.3))
    with TestClient(app, raise_server_exceptions=False) as client:
        held = state_of(app).running().database.engine.connect()  # the pool's only connection
        try:
            started = time.monotonic()
            refused = client.get("/v1/notes", headers=priya.headers)
            waited = time.monotonic() - started
            assert refused.status_code == 503
            assert refused.headers["retry-after"] == "1"
            assert refused.headers["content-type"] == "application/problem+json"
            assert waited < 5  # the pool timeout, not the old 30 s hang
            assert client.get("/livez").status_code == 200
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.text
        finally:
            held.close()
        assert client.get("/v1/notes", headers=priya.headers).status_code == 200


def test_side_writes_of_a_failed_request_are_dropped(client, db, people) -> None:
    """A 404 records nothing: what a reader did not see was not shown to them."""
    _, walt = people
    assert client.get("/v1/notes/999999", headers=walt.headers).status_code == 404
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(NoteView)) == 0


def test_requests_beyond_the_limit_queue_and_a_long_wait_is_a_503(settings, db, people) -> None:
    """One request at a time: while a write waits on a lock the test holds, a second request
    queues, and after queue_seconds is answered 503; health checks are never queued."""
    priya, _ = people
    app = create_app(
        settings.model_copy(update={"max_concurrent_requests": 1, "queue_seconds": 0.5})
    )
    with serve_in_thread(app) as url, ThreadPoolExecutor(max_workers=1) as pool:
        # The test's own engine: SQLite's write lock, or a table lock on PostgreSQL.
        blocker = db.engine.connect().execution_options(**{WRITE_OPTION: True})
        try:
            blocker.begin()
            if db.dialect == "postgresql":
                blocker.exec_driver_sql("LOCK TABLE notes IN EXCLUSIVE MODE")
            slow = pool.submit(
                httpx.post,
                f"{url}/v1/notes",
                headers=priya.headers,
                json={"body": "Meg decides", "account": "harbor.example"},
                timeout=60,
            )
            time.sleep(1)  # the write is in, waiting on the lock
            queued = httpx.get(f"{url}/v1/notes", headers=priya.headers, timeout=10)
            assert queued.status_code == 503
            assert queued.headers["retry-after"] == "1"
            assert httpx.get(f"{url}/livez", timeout=5).status_code == 200
            assert httpx.get(f"{url}/readyz", timeout=5).status_code == 200
        finally:
            blocker.rollback()
            blocker.close()
        assert slow.result().status_code == 201
        assert httpx.get(f"{url}/v1/notes", headers=priya.headers).status_code == 200
