"""The admin page over plain HTTP, on both databases: only admins manage users and teams (a
rep or a manager gets the 403 page and changes nothing); an admin creates a user who can then
sign in, changes a role and team, deactivates, and is told what was wrong when nothing is
saved."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import Role, User
from tests.factories import Person, make_user
from tests.integration.test_web_pages import PASSWORD, Users, sign_in, signed_in


@pytest.fixture
def people(db: Database) -> Users:
    return Users(db)


def user_row(db: Database, email: str) -> User | None:
    with db.session(write=False) as session:
        user = session.scalar(select(User).where(User.email == email))
        if user is not None:
            _ = user.team  # loaded before the session closes
        return user


def test_only_admins_manage_users(client: TestClient, db: Database, people: Users) -> None:
    mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
    for person in (people.erin, mona):
        client.cookies.clear()
        csrf = signed_in(client, person)
        assert 'href="/admin/users"' not in client.get("/").text
        assert client.get("/admin/users").status_code == 403
        data = {"csrf_token": csrf, "name": "Sneaky", "email": "sneaky@tacit.example"}
        assert client.post("/admin/users", data=data).status_code == 403
        update = {"csrf_token": csrf, "role": "admin", "team": "east", "active": "1"}
        assert client.post(f"/admin/users/{person.id}", data=update).status_code == 403
    assert user_row(db, "sneaky@tacit.example") is None
    erin = user_row(db, "erin.east@tacit.example")
    assert erin is not None and erin.role == Role.rep


def test_an_admin_creates_changes_and_deactivates_a_user(
    client: TestClient, db: Database, people: Users
) -> None:
    ada = make_user(db, "Ada Admin", team="ops", role=Role.admin, password=PASSWORD)
    csrf = signed_in(client, ada)
    page = client.get("/admin/users")
    assert page.status_code == 200 and "Erin East" in page.text
    assert 'href="/admin/users"' in page.text

    new = {
        "csrf_token": csrf,
        "name": "Nia New",
        "email": "nia.new@tacit.example",
        "team": "west",
        "role": "rep",
        "password": PASSWORD,
    }
    taken = client.post("/admin/users", data={**new, "email": "erin.east@tacit.example"})
    assert taken.status_code == 409 and "Nothing was saved" in taken.text
    assert 'value="Nia New"' in taken.text  # what was typed, kept
    short = client.post("/admin/users", data={**new, "password": "short"})
    assert short.status_code == 422 and "password" in short.text
    created = client.post("/admin/users", data=new, follow_redirects=False)
    assert created.headers["location"] == "/admin/users?done=created"
    nia = user_row(db, "nia.new@tacit.example")
    assert nia is not None and nia.team is not None and nia.team.name == "west"

    changed = client.post(
        f"/admin/users/{nia.id}",
        data={
            "csrf_token": csrf,
            "role": "manager",
            "team": "east",
            "title": "Lead",
            "active": "1",
        },
        follow_redirects=False,
    )
    assert changed.headers["location"] == "/admin/users?done=updated"
    nia = user_row(db, "nia.new@tacit.example")
    assert nia is not None and nia.role == Role.manager and nia.team is not None
    assert (nia.team.name, nia.title) == ("east", "Lead")
    other = TestClient(client.app)
    assert sign_in(other, Person(nia.id, "Nia New", "")).status_code == 303

    client.post(  # unticked: deactivated
        f"/admin/users/{nia.id}",
        data={"csrf_token": csrf, "role": "manager", "team": "east"},
    )
    nia = user_row(db, "nia.new@tacit.example")
    assert nia is not None and not nia.is_active
    assert other.get("/", follow_redirects=False).status_code == 303  # signed out at once

    own = client.post(
        f"/admin/users/{ada.id}",
        data={"csrf_token": csrf, "role": "rep", "team": "ops", "active": "1"},
    )
    assert own.status_code == 409 and "cannot remove their own admin role" in own.text

    team = client.post("/admin/teams", data={"csrf_token": csrf, "name": "north"})
    assert "The team is created." in team.text and ">north<" in team.text
    again = client.post("/admin/teams", data={"csrf_token": csrf, "name": "north"})
    assert again.status_code == 409
