"""What the service tells its operator: a request id on every answer and log line, JSON log
lines, Prometheus metrics after traffic; and what it never tells: note text, questions,
passwords or tokens, whatever the request and however it fails."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
import structlog
from fastapi.testclient import TestClient
from pydantic import SecretStr

from app.config import Settings
from app.db.engine import Database
from app.main import create_app
from app.telemetry import logs
from tests.factories import make_account, make_user, post_note

PASSWORD = "correct horse battery"
PLANTED = "Zanzibar-quokka-7731 hates the renewal"  # a note's text no log may carry


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """The process's logging configured as `tacit serve` does (JSON, DEBUG), into a buffer;
    the test process's logging as it was afterwards."""
    root = logging.getLogger()
    before = (root.handlers[:], root.level, structlog.get_config())
    quiet = {name: logging.getLogger(name).level for name in ("httpx", "httpx2", "httpcore")}
    buffer = io.StringIO()
    logs.configure("DEBUG", "json")
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        root.handlers[:], level, config = before
        root.setLevel(level)
        structlog.configure(**config)
        logging.getLogger("uvicorn.access").disabled = False
        for name, was in quiet.items():
            logging.getLogger(name).setLevel(was)
        structlog.contextvars.clear_contextvars()


def lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_every_answer_carries_a_request_id_the_caller_may_choose(client: TestClient) -> None:
    chosen = client.get("/livez", headers={"X-Request-ID": "proxy-42.abc"})
    assert chosen.headers["x-request-id"] == "proxy-42.abc"
    for bad in ("with space", "x" * 129, "semi;colon"):
        made = client.get("/livez", headers={"X-Request-ID": bad}).headers["x-request-id"]
        assert re.fullmatch(r"[0-9a-f]{32}", made)
    first = client.get("/v1/notes").headers["x-request-id"]  # a 401 has one too
    assert first != client.get("/v1/notes").headers["x-request-id"]


def test_metrics_count_requests_by_route_template_and_read_the_queue(
    client: TestClient, db: Database
) -> None:
    erin = make_user(db, "Erin East")
    account = make_account(db, "Harbor Freightways")
    note = post_note(client, erin, account, "Deb signs off on anything over 50k.")
    for _ in range(3):
        assert client.get(f"/v1/notes/{note}", headers=erin.headers).status_code == 200
    assert client.get("/no/such/page/jill@example.com").status_code == 404
    asked = client.post("/v1/search", headers=erin.headers, json={"q": "who signs off"})
    assert asked.status_code == 200
    answer = client.get("/metrics")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/plain")
    text = answer.text
    counted = re.search(
        r'tacit_http_requests_total\{method="GET",route="/v1/notes/\{note_id\}",'
        r'status="200"\} (\d+)',
        text,
    )
    assert counted and int(float(counted.group(1))) >= 3
    assert 'route="unmatched"' in text and "jill@example.com" not in text
    assert 'tacit_http_request_duration_seconds_bucket{le="0.005",method="POST",' in text
    assert "tacit_embedding_queue_jobs 1.0" in text  # the note waits: no worker runs here
    assert re.search(r"tacit_embedding_queue_oldest_seconds \d", text)
    assert "tacit_db_pool_connections_in_use" in text
    for stage in ("understand", "embed", "retrieve", "rank", "shape"):
        assert f'tacit_search_stage_duration_seconds_count{{stage="{stage}"}}' in text


def test_metrics_ask_for_their_token_when_one_is_set(settings: Settings) -> None:
    guarded = settings.model_copy(update={"metrics_token": SecretStr("scrape-secret-1")})
    with TestClient(create_app(guarded), raise_server_exceptions=False) as client:
        assert client.get("/metrics").status_code == 401
        wrong = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-2"})
        assert wrong.status_code == 401
        right = client.get("/metrics", headers={"Authorization": "Bearer scrape-secret-1"})
        assert right.status_code == 200 and "tacit_http_requests_total" in right.text


def test_log_lines_are_json_with_the_request_id_and_hold_no_secret(
    settings: Settings, db: Database, captured: io.StringIO
) -> None:
    erin = make_user(db, "Erin East", password=PASSWORD)
    account = make_account(db, "Harbor Freightways")
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        post_note(client, erin, account, PLANTED, visibility="private")
        asked = client.post(
            "/v1/search", headers={**erin.headers, "X-Request-ID": "trace-1"},
            json={"q": f"what does {PLANTED}"},
        )  # fmt: skip
        assert asked.status_code == 200
        assert client.get("/", params={"q": PLANTED}).status_code in (200, 303)
        # Failing requests too: a body the API refuses, a wrong password, a made-up token.
        refused = client.post("/v1/notes", headers=erin.headers, json={"body": PLANTED, "x": 1})
        assert refused.status_code == 422
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
        assert token
        client.post(
            "/login",
            data={"email": "erin.east@tacit.example", "password": PLANTED,
                  "csrf_token": token.group(1), "next": "/"},
        )  # fmt: skip
        client.get("/v1/notes", headers={"Authorization": "Bearer tacit_madeup" + "q" * 30})
    found = lines(captured)  # every line is JSON, or this fails
    requests = [line for line in found if line.get("event") == "request"]
    assert {"method", "route", "status", "duration_ms", "request_id", "timestamp"} <= set(
        requests[0]
    )
    searched = [line for line in requests if line.get("request_id") == "trace-1"]
    assert searched and searched[0]["route"] == "/v1/search" and searched[0]["status"] == 200
    logged = captured.getvalue()
    for secret in (PLANTED, "Zanzibar", PASSWORD, erin.token, "tacit_madeup", "erin.east@"):
        assert secret not in logged, secret
