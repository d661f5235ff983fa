"""The settings page over plain HTTP, on both databases: changing one's password (the current
one required; other browsers signed out, this one kept) and API tokens (shown once, listed by
prefix, revoked; another's token is a 404; scoped by the boxes ticked, admin offered to
admins only)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import AuditEvent, Role
from tests.factories import Person, make_user
from tests.integration.test_web_pages import PASSWORD, Users, sign_in, signed_in

NEW_PASSWORD = "a longer passphrase now"


@pytest.fixture
def people(db: Database) -> Users:
    return Users(db)


def change(client: TestClient, csrf: str, current: str, new: str, confirm: str) -> object:
    data = {"csrf_token": csrf, "current": current, "new": new, "confirm": confirm}
    return client.post("/settings/password", data=data, follow_redirects=False)


def test_a_password_change_needs_the_current_one_and_signs_out_other_browsers(
    client: TestClient, db: Database, people: Users
) -> None:
    other = TestClient(client.app)  # Erin's phone
    assert sign_in(other, people.erin).status_code == 303
    csrf = signed_in(client, people.erin)

    for current, new, confirm, status, message in (
        ("not it at all", NEW_PASSWORD, NEW_PASSWORD, 403, "The current password is wrong."),
        (PASSWORD, "short", "short", 422, "Choose a password of 10 to 200 characters."),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "!", 422, "The two new passwords differ."),
        ("", NEW_PASSWORD, NEW_PASSWORD, 422, "Give your current password."),
    ):
        answer = change(client, csrf, current, new, confirm)
        assert answer.status_code == status, message  # type: ignore[attr-defined]
        assert message in answer.text  # type: ignore[attr-defined]
        assert NEW_PASSWORD not in answer.text  # type: ignore[attr-defined]
    assert other.get("/settings", follow_redirects=False).status_code == 200  # unchanged
    refused = client.post(
        "/settings/password",
        data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD},
        follow_redirects=False,
    )
    assert refused.status_code == 403  # no CSRF token

    done = change(client, csrf, PASSWORD, NEW_PASSWORD, NEW_PASSWORD)
    assert done.headers["location"] == "/settings?done=password"  # type: ignore[attr-defined]
    page = client.get("/settings?done=password").text
    assert "Your password is changed" in page  # and this browser is still signed in
    assert other.get("/settings", follow_redirects=False).status_code == 303  # not there
    assert sign_in(other, people.erin).status_code == 401
    assert sign_in(other, people.erin, password=NEW_PASSWORD).status_code == 303
    with db.session(write=False) as session:
        changes = session.scalars(
            select(AuditEvent.target_id).where(AuditEvent.action == "user.password_change")
        ).all()
    assert changes == [str(people.erin.id)]


def test_tokens_are_shown_once_listed_by_prefix_and_revoked(
    client: TestClient, people: Users
) -> None:
    walts = client.get("/v1/tokens", headers=people.walt.headers).json()
    csrf = signed_in(client, people.erin)
    created = client.post(
        "/settings/tokens",
        data={"csrf_token": csrf, "name": "laptop", "expires_in_days": "30",
              "scope": ["read", "write"]},
        follow_redirects=False,
    )  # fmt: skip
    assert created.status_code == 201
    secret = re.search(r'<code class="secret" id="new-token">(tacit_[^<]+)</code>', created.text)
    assert secret is not None
    token = Person(people.erin.id, people.erin.name, secret.group(1))
    me = client.get("/v1/me", headers=token.headers)
    assert me.status_code == 200 and me.json()["name"] == "Erin East"

    page = client.get("/settings").text
    assert secret.group(1) not in page  # shown once
    assert "laptop" in page and secret.group(1)[:12] in page and "expires" in page
    listed = client.get("/v1/tokens", headers=token.headers).json()
    laptop = next(t for t in listed if t["name"] == "laptop")

    for data, message in (
        ({"name": "laptop", "expires_in_days": "soon"}, "Give a number of days from 1 to 3650."),
        ({"name": " ", "expires_in_days": "30"}, "Name the token in at most 100 characters"),
        ({"name": "laptop", "expires_in_days": "30"}, "Tick at least one of the scopes offered."),
    ):
        refused = client.post("/settings/tokens", data={"csrf_token": csrf, **data})
        assert refused.status_code == 422 and message in refused.text

    # Walt's token is none of Erin's business: the same 404 as a token that does not exist.
    for token_id in (walts[0]["id"], 987654):
        answer = client.post(
            f"/settings/tokens/{token_id}/revoke",
            data={"csrf_token": csrf},
            follow_redirects=False,
        )
        assert answer.status_code == 404
    assert client.get("/v1/me", headers=people.walt.headers).status_code == 200

    revoked = client.post(
        f"/settings/tokens/{laptop['id']}/revoke",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert revoked.headers["location"] == "/settings?done=revoked"
    assert client.get("/v1/me", headers=token.headers).status_code == 401
    assert "The token is revoked" in client.get("/settings?done=revoked").text


def test_a_token_has_the_scopes_ticked_and_admin_is_an_admins_only(
    client: TestClient, db: Database, people: Users
) -> None:
    csrf = signed_in(client, people.erin)
    page = client.get("/settings").text
    boxes = re.findall(r'<input type="checkbox" name="scope" value="(\w+)"( checked)?>', page)
    assert boxes == [("read", " checked"), ("write", " checked")]  # no admin box for a rep

    created = client.post(
        "/settings/tokens", data={"csrf_token": csrf, "name": "reader", "scope": ["read"]}
    )
    assert created.status_code == 201
    secret = re.search(r'id="new-token">(tacit_[^<]+)</code>', created.text)
    assert secret is not None
    reader = Person(people.erin.id, people.erin.name, secret.group(1))
    assert client.get("/v1/me", headers=reader.headers).status_code == 200
    refused = client.post("/v1/accounts", headers=reader.headers, json={"name": "Nope Inc"})
    assert refused.status_code == 403 and refused.json()["detail"] == "token lacks the write scope"
    assert ">read</span>" in client.get("/settings").text  # listed with its scopes

    # Posted by hand, the admin scope is still refused to a rep, and nothing is made.
    forged = client.post(
        "/settings/tokens", data={"csrf_token": csrf, "name": "forged", "scope": ["admin"]}
    )
    assert forged.status_code == 403
    assert "forged" not in client.get("/settings").text

    admin = make_user(db, "Ada Admin", role=Role.admin, password=PASSWORD)
    other = TestClient(client.app)
    admin_csrf = signed_in(other, admin)
    assert 'name="scope" value="admin">' in other.get("/settings").text  # offered, unticked
    made = other.post(
        "/settings/tokens",
        data={"csrf_token": admin_csrf, "name": "ops", "scope": ["read", "admin"]},
    )
    assert made.status_code == 201
    listed = other.get("/v1/tokens", headers=admin.headers).json()
    assert next(t for t in listed if t["name"] == "ops")["scopes"] == ["admin", "read"]
