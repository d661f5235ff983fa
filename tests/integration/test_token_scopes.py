"""Scoped API tokens, on both databases: every route refuses a token without the scope it needs
(403, naming only the scope), and lets one with it through to the role rules; a `mail` token
posts e-mail and nothing else; a token makes no token wider than itself; the CLI and the API
make scoped tokens; tokens made before scopes keep what they could do. The MCP tools' scopes
are tested in test_mcp, the web page's in test_web_settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hypothesis.strategies as st
import pytest
from alembic import command
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as run_settings
from sqlalchemy import select

from app.config import Settings
from app.db.engine import Database
from app.db.migrate import alembic_config, upgrade
from app.db.models import ApiToken, Note, Role, TokenScope
from app.http.scopes import required_scope
from app.main import create_app
from tests.factories import (
    Person,
    deliver_mail,
    make_account,
    make_user,
    post_note,
    raw_mail,
    with_token,
)
from tests.integration.test_cli import tacit
from tests.integration.test_openapi import operations

EVERY_SCOPE = sorted(TokenScope)
Route = tuple[str, str, dict[str, Any]]
HARBOR = "harbor.example"


def expected_scope(method: str, path: str) -> str:
    """The scope a route needs, as the README states the classes, written apart from
    ``app.http.scopes`` so that a route put in the wrong class there fails here."""
    if (method, path) == ("POST", "/v1/inbound/email"):
        return "mail"
    admin_only = (
        path in {"/v1/audit", "/v1/suppressions", "/v1/suppressions/{suppression_id}"}
        or path.startswith("/v1/curation/retention/")
        or path.endswith(("/subject-access", "/handover/request"))
        or (path.startswith("/v1/contacts/") and path.endswith("/erase"))
        or (method == "PUT" and path.endswith("/handover/successors"))
        or (method != "GET" and path in {"/v1/users", "/v1/users/{user_id}", "/v1/teams"})
    )
    if admin_only:
        return "admin"
    if method == "GET" or path in {"/v1/search", "/v1/briefs/meeting", "/v1/notes/check"}:
        return "read"
    return "write"


def lacks(response: Any, scope: str) -> bool:
    return bool(
        response.status_code == 403
        and response.headers["content-type"].startswith("application/problem+json")
        and response.json()["detail"] == f"token lacks the {scope} scope"
    )


def refused_for_scope(response: Any) -> bool:
    return response.status_code == 403 and "token lacks" in response.json().get("detail", "")


def call(client: TestClient, token: Person, method: str, path: str, op: dict[str, Any]) -> Any:
    """The operation with ids of 1 and no body: the scope is checked before either matters."""
    url = path.replace("{kind}", "notes")
    for parameter in op.get("parameters", []):
        url = url.replace("{" + parameter["name"] + "}", "1")
    return client.request(method, url, headers=token.headers)


class Tokens:
    """An admin (whom no role rule stops) holding a token per set of scopes, made on demand.
    The admin's first token (id 1, which DELETE /v1/tokens/1 revokes) is never used."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.admin = make_user(db, "Ada Admin", team=None, role=Role.admin)
        self.made: dict[frozenset[TokenScope], Person] = {}

    def __getitem__(self, scopes: frozenset[TokenScope]) -> Person:
        if scopes not in self.made:
            self.made[scopes] = with_token(self.db, self.admin, scopes=sorted(scopes))
        return self.made[scopes]


def check_scope(
    client: TestClient, tokens: Tokens, scopes: frozenset[TokenScope], route: Route
) -> None:
    """Refused with a 403 naming the route's scope exactly when ``scopes`` lacks it; never a
    500."""
    method, path, op = route
    answer = call(client, tokens[scopes], method, path, op)
    needed = TokenScope(expected_scope(method, path))
    assert answer.status_code < 500, (method, path, answer.text)
    if needed in scopes:
        assert not refused_for_scope(answer), (method, path, sorted(scopes), answer.text)
    else:
        assert lacks(answer, needed.value), (method, path, sorted(scopes), answer.text)


@pytest.fixture
def secured(client: TestClient, db: Database) -> list[Route]:
    """Every operation that takes a token, after the table is checked against the model."""
    make_account(db, "Harbor Freightways", domains=[HARBOR])
    routes = [
        (method, path, op)
        for method, path, op in operations(client.get("/openapi.json").json())
        if op.get("security")
    ]
    assert {(m, p): required_scope(m, p).value for m, p, _ in routes} == {
        (m, p): expected_scope(m, p) for m, p, _ in routes
    }
    return routes


def test_random_scopes_on_random_routes_are_refused_exactly_without_the_routes_scope(
    client: TestClient, db: Database, secured: list[Route]
) -> None:
    tokens = Tokens(db)

    @run_settings(
        max_examples=200,
        deadline=None,
        derandomize=True,  # the same pairs on every run and both databases
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(
        scopes=st.frozensets(st.sampled_from(EVERY_SCOPE), min_size=1),
        route=st.sampled_from(secured),
    )
    def check(scopes: frozenset[TokenScope], route: Route) -> None:
        check_scope(client, tokens, scopes, route)

    check()


def test_every_route_refuses_a_token_with_every_scope_but_its_own(
    client: TestClient, db: Database, secured: list[Route]
) -> None:
    """Random pairs may miss a route; here each is called with the two tokens that matter:
    everything but its scope (refused), and its scope alone (let through)."""
    tokens = Tokens(db)
    for route in secured:
        needed = TokenScope(expected_scope(route[0], route[1]))
        check_scope(client, tokens, frozenset(TokenScope) - {needed}, route)
        check_scope(client, tokens, frozenset({needed}), route)


def test_a_mail_token_posts_mail_and_nothing_else(client: TestClient, db: Database) -> None:
    """The mail gateway's token: its user is an admin (posting another's mail is an admin's),
    and the token can only post mail, so a leaked copy reads and changes nothing."""
    make_account(db, "Harbor Freightways", domains=[HARBOR])
    priya = make_user(db, "Priya Raman", email="priya@tacit.example")
    gateway = with_token(
        db,
        make_user(db, "Mail Gateway", team=None, role=Role.admin, email="mail@tacit.example"),
        scopes=[TokenScope.mail],
    )
    raw = raw_mail(
        sender="Priya Raman <priya@tacit.example>",
        to="Meg <meg@harbor.example>",
        message_id="<scoped-1@mail.tacit.example>",
        body="Meg signs anything over $50k.",
    )
    captured = deliver_mail(client, gateway, raw)
    assert captured.status_code == 201, captured.text
    assert captured.json()["author"]["id"] == priya.id

    note_id = captured.json()["id"]
    for method, url, scope in (
        ("GET", f"/v1/notes/{note_id}", "read"),
        ("GET", "/v1/inbound", "read"),
        ("GET", "/v1/me", "read"),
        ("POST", "/v1/search", "read"),
        ("DELETE", f"/v1/notes/{note_id}", "write"),
        ("POST", "/v1/tokens", "write"),
        ("GET", "/v1/audit", "admin"),
        ("POST", "/v1/users", "admin"),
    ):
        answer = client.request(method, url, headers=gateway.headers, json={"q": "Meg"})
        assert lacks(answer, scope), (method, url, answer.text)
    # Scopes narrow the role, never widen it: a rep's mail token still posts only her own.
    mallory = with_token(db, make_user(db, "Mallory"), scopes=[TokenScope.mail])
    forged = raw.replace(b"scoped-1", b"scoped-2")
    assert deliver_mail(client, mallory, forged).status_code == 403


def test_a_read_token_reads_and_searches_but_cannot_write(client: TestClient, db: Database) -> None:
    harbor = make_account(db, "Harbor Freightways", domains=[HARBOR])
    erin = make_user(db, "Erin East")
    note_id = post_note(client, erin, harbor, "Meg signs anything over $50k.")
    reader = with_token(db, erin, scopes=[TokenScope.read])

    assert client.get(f"/v1/notes/{note_id}", headers=reader.headers).status_code == 200
    assert client.post("/v1/search", headers=reader.headers, json={"q": "Meg"}).status_code == 200
    for method, url, body in (
        ("POST", "/v1/notes", {"body": "Another fact", "account_id": harbor}),
        ("PATCH", f"/v1/notes/{note_id}", {"body": "Rewritten"}),
        ("DELETE", f"/v1/notes/{note_id}", None),
        ("POST", "/v1/accounts", {"name": "Quay Logistics"}),
        ("POST", f"/v1/notes/{note_id}/flags", {"reason": "stale"}),
    ):
        answer = client.request(method, url, headers=reader.headers, json=body)
        assert lacks(answer, "write"), (method, url, answer.text)
    with db.session(write=False) as session:
        assert session.scalars(select(Note.body)).all() == ["Meg signs anything over $50k."]


def test_a_token_makes_no_token_wider_than_itself(client: TestClient, db: Database) -> None:
    erin, ada = make_user(db, "Erin East"), make_user(db, "Ada Admin", role=Role.admin)
    writer = with_token(db, erin, scopes=[TokenScope.read, TokenScope.write])

    made = client.post("/v1/tokens", headers=writer.headers, json={"name": "script"})
    assert made.status_code == 201 and made.json()["scopes"] == ["read", "write"]
    assert lacks(
        client.post("/v1/tokens", headers=writer.headers, json={"scopes": ["read", "mail"]}),
        "mail",
    )
    # The admin scope is an admin's: asked for by a rep, refused whatever the token.
    rep_admin = client.post("/v1/tokens", headers=erin.headers, json={"scopes": ["admin"]})
    assert rep_admin.status_code == 403
    assert rep_admin.json()["detail"] == "only an admin's token may have the admin scope"

    # An admin's token without the admin scope cannot touch another user's tokens.
    ada_writer = with_token(db, ada, scopes=[TokenScope.read, TokenScope.write])
    for method, url, body in (
        ("POST", "/v1/tokens", {"user_id": erin.id}),
        ("GET", f"/v1/tokens?user_id={erin.id}", None),
        ("DELETE", f"/v1/tokens/{made.json()['id']}", None),
    ):
        answer = client.request(method, url, headers=ada_writer.headers, json=body)
        assert lacks(answer, "admin"), (method, url, answer.text)
    listed = client.get(f"/v1/tokens?user_id={erin.id}", headers=ada.headers).json()
    assert {t["name"]: t["scopes"] for t in listed}["script"] == ["read", "write"]
    own = client.get("/v1/tokens", headers=ada_writer.headers)
    assert own.status_code == 200 and all("scopes" in t for t in own.json())


def test_the_cli_makes_scoped_tokens(db_url: str, db: Database, tmp_path: Path) -> None:
    make_user(db, "Ada Admin", role=Role.admin, email="ada@tacit.example")
    make_user(db, "Erin East", email="erin@tacit.example")
    gateway = tacit(
        "tokens", "create", "--user", "ada@tacit.example", "--name", "gateway", "--scope", "mail",
        db_url=db_url, cwd=tmp_path,
    )  # fmt: skip
    assert gateway.returncode == 0, gateway.stderr
    assert "scopes mail" in gateway.stderr
    both = tacit(
        "tokens", "create", "--user", "erin@tacit.example", "--scope", "read", "--scope", "write",
        db_url=db_url, cwd=tmp_path,
    )  # fmt: skip
    assert both.returncode == 0, both.stderr
    refused = tacit(
        "tokens", "create", "--user", "erin@tacit.example", "--scope", "admin",
        db_url=db_url, cwd=tmp_path,
    )  # fmt: skip
    assert refused.returncode == 1 and "admin scope" in refused.stderr
    assert "Traceback" not in refused.stderr
    with db.session(write=False) as session:
        made = {
            t.name: sorted(t.scopes)
            for t in session.scalars(select(ApiToken).where(ApiToken.name != "api"))
        }
    assert made == {"gateway": ["mail"], "cli": ["read", "write"]}


def test_tokens_made_before_scopes_keep_what_they_could_do(
    db: Database, settings: Settings
) -> None:
    """Downgraded to before the column, then upgraded: an admin's token does an admin's work,
    a rep's reads, writes and posts her own mail, and neither gains what it could not do."""
    make_account(db, "Harbor Freightways", domains=[HARBOR])
    ada = make_user(db, "Ada Admin", team=None, role=Role.admin)
    erin = make_user(db, "Erin East", email="erin@tacit.example")
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "2637b6d5e31d")  # api_tokens without scopes
    upgrade(db.engine)

    with db.session(write=False) as session:
        stored = {t.user_id: sorted(t.scopes) for t in session.scalars(select(ApiToken))}
    assert stored == {
        ada.id: ["admin", "mail", "read", "write"],
        erin.id: ["mail", "read", "write"],
    }
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert client.get("/v1/audit", headers=ada.headers).status_code == 200
        assert client.get("/v1/audit", headers=erin.headers).status_code == 403  # her role
        post_note(client, erin, HARBOR, "Meg signs anything over $50k.")
        raw = raw_mail(
            sender="Erin East <erin@tacit.example>",
            to="Meg <meg@harbor.example>",
            message_id="<before-scopes@mail.tacit.example>",
            body="Legal wants 60 days.",
        )
        assert deliver_mail(client, erin, raw).status_code == 201
