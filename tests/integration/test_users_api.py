"""The admin API: teams, users, tokens, and who may do what with them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text, update

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import ApiToken, AuditEvent, Role
from tests.factories import Person, make_user


@pytest.fixture
def admin(db: Database) -> Person:
    return make_user(db, "Ada Admin", team="ops", role=Role.admin)


@pytest.fixture
def rep(db: Database) -> Person:
    return make_user(db, "Rob Rep", team="east")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def new_token(client: TestClient, owner: Person, **payload: Any) -> dict[str, Any]:
    response = client.post("/v1/tokens", json=payload, headers=owner.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def create_user(client: TestClient, admin: Person, **payload: Any) -> dict[str, Any]:
    response = client.post("/v1/users", json=payload, headers=admin.headers)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


# --- admins manage teams, users and tokens ------------------------------------------------


def test_admin_creates_a_team(client: TestClient, admin: Person) -> None:
    created = client.post("/v1/teams", json={"name": "  north "}, headers=admin.headers)

    assert created.status_code == 201, created.text
    assert created.json()["name"] == "north"
    teams = client.get("/v1/teams", headers=admin.headers).json()
    assert "north" in {t["name"] for t in teams}
    assert_problem(client.post("/v1/teams", json={"name": "north"}, headers=admin.headers), 409)


def test_admin_creates_a_user_and_their_team_by_name(client: TestClient, admin: Person) -> None:
    user = create_user(
        client,
        admin,
        name="Sam Field",
        email="Sam@Tacit.example",
        team="south",
        title="support",
        external_id="crm-7",
    )

    assert (user["email"], user["team"]["name"], user["role"], user["title"]) == (
        "sam@tacit.example",
        "south",
        "rep",
        "support",
    )
    fetched = client.get(f"/v1/users/{user['id']}", headers=admin.headers).json()
    assert fetched == user
    teams = client.get("/v1/teams", headers=admin.headers).json()
    assert {"id": user["team"]["id"], "name": "south"} in teams


def test_token_secret_is_returned_once_and_only_its_hash_is_stored(
    client: TestClient, db: Database, admin: Person
) -> None:
    user = create_user(client, admin, name="Sam Field")

    token = new_token(client, admin, user_id=user["id"], name="laptop")

    secret = token["token"]
    assert token["user_id"] == user["id"] and secret.startswith(token["prefix"])
    assert client.get("/v1/me", headers=bearer(secret)).json()["id"] == user["id"]
    listed = client.get("/v1/tokens", params={"user_id": user["id"]}, headers=admin.headers)
    assert [t["id"] for t in listed.json()] == [token["id"]]
    assert "token" not in listed.json()[0]
    with db.engine.connect() as conn:
        rows = conn.execute(text("SELECT * FROM api_tokens")).all()
    assert all(secret not in str(value) for row in rows for value in row)


# --- what a non-admin may not do, and what they may ---------------------------------------


# (admin id, rep id) -> method, path, body
ADMIN_ONLY: dict[str, Callable[[int, int], tuple[str, str, dict[str, Any]]]] = {
    "create a user": lambda a, r: ("POST", "/v1/users", {"name": "Mal Lory"}),
    "demote an admin": lambda a, r: ("PATCH", f"/v1/users/{a}", {"role": "rep"}),
    "promote oneself": lambda a, r: ("PATCH", f"/v1/users/{r}", {"role": "admin"}),
    "create a team": lambda a, r: ("POST", "/v1/teams", {"name": "rogue"}),
    "token for another": lambda a, r: ("POST", "/v1/tokens", {"user_id": a}),
}


@pytest.mark.parametrize("action", ADMIN_ONLY)
def test_non_admin_is_forbidden(
    client: TestClient, admin: Person, rep: Person, action: str
) -> None:
    method, path, body = ADMIN_ONLY[action](admin.id, rep.id)

    response = client.request(method, path, json=body, headers=rep.headers)

    assert_problem(response, 403)
    users = client.get("/v1/users", headers=rep.headers).json()["items"]
    assert {(u["id"], u["role"]) for u in users} == {(admin.id, "admin"), (rep.id, "rep")}
    assert "rogue" not in {t["name"] for t in client.get("/v1/teams", headers=rep.headers).json()}
    tokens = client.get("/v1/tokens", params={"user_id": admin.id}, headers=admin.headers)
    assert [t["name"] for t in tokens.json()] == ["api"]


def test_non_admin_manages_their_own_tokens(client: TestClient, admin: Person, rep: Person) -> None:
    token = new_token(client, rep, name="phone")
    assert token["user_id"] == rep.id

    listed = client.get("/v1/tokens", headers=rep.headers).json()
    assert token["id"] in {t["id"] for t in listed}
    assert {t["user_id"] for t in listed} == {rep.id}
    assert_problem(client.get("/v1/tokens", params={"user_id": admin.id}, headers=rep.headers), 403)

    assert client.delete(f"/v1/tokens/{token['id']}", headers=rep.headers).status_code == 204
    assert client.get("/v1/me", headers=rep.headers).status_code == 200  # the other still works


def test_non_admin_cannot_revoke_someone_elses_token(
    client: TestClient, admin: Person, rep: Person
) -> None:
    theirs = new_token(client, admin)

    assert_problem(client.delete(f"/v1/tokens/{theirs['id']}", headers=rep.headers), 404)
    assert client.get("/v1/me", headers=bearer(theirs["token"])).status_code == 200


# --- tokens that no longer work -----------------------------------------------------------


def test_revoked_token_is_unauthorized(client: TestClient, rep: Person) -> None:
    token = new_token(client, rep)
    client.delete(f"/v1/tokens/{token['id']}", headers=rep.headers)

    response = client.get("/v1/me", headers=bearer(token["token"]))

    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_expired_token_is_unauthorized(client: TestClient, db: Database, rep: Person) -> None:
    token = new_token(client, rep, expires_in_days=1)
    assert client.get("/v1/me", headers=bearer(token["token"])).status_code == 200
    with db.unit_of_work() as session:
        session.execute(
            update(ApiToken)
            .where(ApiToken.id == token["id"])
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )

    response = client.get("/v1/me", headers=bearer(token["token"]))

    assert_problem(response, 401)
    assert "expired" in response.json()["detail"]


def test_missing_or_malformed_authorization_is_unauthorized(client: TestClient) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("tacit_not-a-real-token")):
        assert_problem(client.get("/v1/me", headers=headers), 401)


def test_deactivated_user_is_forbidden(client: TestClient, admin: Person, rep: Person) -> None:
    response = client.patch(f"/v1/users/{rep.id}", json={"is_active": False}, headers=admin.headers)
    assert response.status_code == 200 and response.json()["is_active"] is False

    assert_problem(client.get("/v1/me", headers=rep.headers), 403)
    assert_problem(client.post("/v1/tokens", json={"user_id": rep.id}, headers=admin.headers), 409)


# --- reading users ------------------------------------------------------------------------


def test_me_describes_the_caller(client: TestClient, rep: Person) -> None:
    response = client.get("/v1/me", headers=rep.headers)

    assert response.status_code == 200
    me = response.json()
    assert (me["id"], me["name"], me["role"], me["team"]["name"], me["is_active"]) == (
        rep.id,
        "Rob Rep",
        "rep",
        "east",
        True,
    )


def test_list_users_filters_by_external_id(client: TestClient, db: Database, admin: Person) -> None:
    wanted = make_user(db, "Wes Want", external_id="crm-1")
    make_user(db, "Ola Other", external_id="crm-2")

    response = client.get("/v1/users", params={"external_id": "crm-1"}, headers=admin.headers)

    assert [u["id"] for u in response.json()["items"]] == [wanted.id]
    none = client.get("/v1/users", params={"external_id": "crm-9"}, headers=admin.headers)
    assert none.json() == {"items": [], "next_cursor": None}


def test_list_users_pages_through_everyone_once(
    client: TestClient, db: Database, admin: Person
) -> None:
    everyone = {admin.id} | {make_user(db, f"User {i}").id for i in range(4)}
    seen: list[int] = []
    cursor: str | None = None
    for _ in range(len(everyone) + 1):
        params = {"limit": 1} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/users", params=params, headers=admin.headers).json()
        assert len(page["items"]) == 1
        seen.append(page["items"][0]["id"])
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(everyone)


# --- changing users -----------------------------------------------------------------------


def test_duplicate_email_is_a_conflict(client: TestClient, admin: Person, rep: Person) -> None:
    create_user(client, admin, name="Sam Field", email="sam@tacit.example")

    again = client.post(
        "/v1/users", json={"name": "Sam Two", "email": "SAM@tacit.example"}, headers=admin.headers
    )
    assert_problem(again, 409)
    moved = client.patch(
        f"/v1/users/{rep.id}", json={"email": "sam@tacit.example"}, headers=admin.headers
    )
    assert_problem(moved, 409)


def test_role_change_is_audited(
    client: TestClient, db: Database, admin: Person, rep: Person
) -> None:
    response = client.patch(f"/v1/users/{rep.id}", json={"role": "manager"}, headers=admin.headers)

    assert response.status_code == 200 and response.json()["role"] == "manager"
    with db.unit_of_work(write=False) as session:
        events = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "user.role_change")
        ).all()
        assert [(e.actor_id, e.target_id, e.details) for e in events] == [
            (admin.id, str(rep.id), {"old": "rep", "new": "manager"})
        ]


def test_admin_cannot_demote_themselves(client: TestClient, admin: Person) -> None:
    response = client.patch(f"/v1/users/{admin.id}", json={"role": "rep"}, headers=admin.headers)

    assert_problem(response, 409)
    assert client.get("/v1/me", headers=admin.headers).json()["role"] == "admin"


# --- bad input is a 422, never a 500 ------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "payload"),
    [
        ("POST", "/v1/users", {"name": 42}),
        ("POST", "/v1/users", {"name": ""}),
        ("POST", "/v1/users", {"name": "Sam", "nickname": "sammy"}),
        ("POST", "/v1/users", {"name": "Sam", "email": "not-an-email"}),
        ("POST", "/v1/users", {"name": "Sam", "role": "superuser"}),
        ("POST", "/v1/users", {"name": "Sam", "password": "short"}),
        ("POST", "/v1/users", ["Sam"]),
        ("PATCH", "/v1/users/{rep}", {"is_active": "perhaps"}),
        ("PATCH", "/v1/users/{rep}", {"team": {"name": "east"}}),
        ("PATCH", "/v1/users/{rep}", {"external_id": "crm-3"}),
        ("POST", "/v1/teams", {"name": "  "}),
        ("POST", "/v1/tokens", {"expires_in_days": 0}),
        ("POST", "/v1/tokens", {"expires_in_days": "soon"}),
        ("POST", "/v1/tokens", {"user_id": "me"}),
    ],
)
def test_bad_input_is_unprocessable(
    client: TestClient, admin: Person, rep: Person, method: str, path: str, payload: Any
) -> None:
    response = client.request(method, path.format(rep=rep.id), json=payload, headers=admin.headers)

    assert_problem(response, 422)


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": "many"},
        {"cursor": "not-a-cursor"},
        {"team_id": "east"},
    ],
)
def test_bad_list_parameters_are_unprocessable(
    client: TestClient, admin: Person, params: dict[str, Any]
) -> None:
    assert_problem(client.get("/v1/users", params=params, headers=admin.headers), 422)


def test_body_that_is_not_json_is_unprocessable(client: TestClient, admin: Person) -> None:
    response = client.post(
        "/v1/users",
        content=b"{name: Sam",
        headers=admin.headers | {"Content-Type": "application/json"},
    )

    assert_problem(response, 422)
