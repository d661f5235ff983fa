"""Rate limits: a caller over its share of a kind of route gets 429 (problem+json, with
Retry-After) while other callers and other kinds go on; sign-in is limited per address; one
address cannot escape by inventing tokens; health checks are never limited."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.config import RATE_LIMITS, Settings
from app.db.engine import Database
from app.http import rate_limits
from app.main import create_app
from app.web import pages
from tests.factories import make_user

PASSWORD = "correct horse battery"


def limited(settings: Settings, spec: str) -> TestClient:
    return TestClient(
        create_app(settings.model_copy(update={"rate_limits": spec})),
        raise_server_exceptions=False,
    )


def assert_refused(answer, kind: str) -> int:  # type: ignore[no-untyped-def]
    assert answer.status_code == 429, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert body["type"].endswith("/rate-limited") and body["status"] == 429
    assert kind in body["detail"]
    wait = int(answer.headers["retry-after"])
    assert 1 <= wait <= 60 and body["retry_after"] == wait
    return wait


def test_a_caller_over_its_share_waits_while_others_and_other_kinds_go_on(
    settings: Settings, db: Database
) -> None:
    erin = make_user(db, "Erin East")
    walt = make_user(db, "Walt West", team="west")
    with limited(settings, "reads=3/minute;writes=2/minute") as client:
        for _ in range(3):
            assert client.get("/v1/notes", headers=erin.headers).status_code == 200
        assert_refused(client.get("/v1/notes", headers=erin.headers), "reads")
        assert client.get("/v1/notes", headers=walt.headers).status_code == 200  # his own share
        # Writes are counted apart: Erin may still write (a bad body is still a write).
        assert client.post("/v1/notes", headers=erin.headers, json={}).status_code == 422
        assert client.get("/livez").status_code == 200
        for _ in range(10):  # health checks never count, nor are refused
            assert client.get("/readyz").status_code == 200


def test_sign_in_is_limited_per_address_even_with_the_right_password(
    settings: Settings, db: Database
) -> None:
    erin = make_user(db, "Erin East", password=PASSWORD)
    assert erin.id
    with limited(settings, "sign_in=2/minute") as client:
        for _ in range(2):
            form = client.get("/login")
            token = re.search(r'name="csrf_token" value="([^"]*)"', form.text)
            assert token
            answer = client.post(
                "/login",
                data={"email": "nobody@tacit.example", "password": "guess",
                      "csrf_token": token.group(1), "next": "/"},
                follow_redirects=False,
            )  # fmt: skip
            assert answer.status_code == 401
        refused = client.post(
            "/login",
            data={"email": "erin.east@tacit.example", "password": PASSWORD, "next": "/"},
            follow_redirects=False,
        )
        assert_refused(refused, "sign in")
        assert client.get("/login").status_code == 200  # reading the page is not signing in


def test_one_address_cannot_escape_by_inventing_tokens(settings: Settings, db: Database) -> None:
    with limited(settings, "reads=100/minute;address=5/minute") as client:
        for n in range(5):
            headers = {"Authorization": f"Bearer tacit_invented{n}"}
            assert client.get("/v1/notes", headers=headers).status_code == 401
        answer = client.get("/v1/notes", headers={"Authorization": "Bearer tacit_another"})
        assert_refused(answer, "reads")
        assert "this address" in answer.json()["detail"]


def test_the_kind_of_each_route() -> None:
    assert rate_limits.route_class("POST", "/v1/search") == "search"
    assert rate_limits.route_class("GET", "/", b"q=who+signs") == "search"
    assert rate_limits.route_class("GET", "/") == "reads"
    assert rate_limits.route_class("POST", "/v1/imports") == "imports"
    assert rate_limits.route_class("GET", "/v1/imports/3") == "reads"
    assert rate_limits.route_class("POST", "/login") == "sign_in"
    assert rate_limits.route_class("PATCH", "/v1/notes/3") == "writes"
    assert rate_limits.route_class("DELETE", "/v1/notes/3") == "writes"
    assert rate_limits.route_class("GET", "/v1/notes") == "reads"
    assert pages.SESSION_COOKIE.encode() == rate_limits.SESSION_COOKIE


def test_the_setting_replaces_the_kinds_it_names_and_refuses_nonsense() -> None:
    base = {"_env_file": None, "env": "dev"}
    assert Settings(**base).rate_limit_table == RATE_LIMITS  # type: ignore[arg-type]
    assert Settings(_env_file=None, env="test").rate_limit_table is None  # type: ignore[call-arg]
    changed = Settings(**base, rate_limits="search=5/second; imports=2/hour")  # type: ignore[arg-type]
    assert changed.rate_limit_table == {
        **RATE_LIMITS, "search": "5/second", "imports": "2/hour"
    }  # fmt: skip
    assert Settings(**base, rate_limits="off").rate_limit_table is None  # type: ignore[arg-type]
    for bad in ("search", "everything=5/minute", "search=lots"):
        with pytest.raises(ValidationError, match="rate limit"):
            Settings(**base, rate_limits=bad)  # type: ignore[arg-type]
