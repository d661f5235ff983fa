"""When someone leaves, on the web page, on both databases: the report page for an admin or
the user's manager only (counts, never text), the leaver's own share page, and the note form
telling authors what TACIT_PRIVATE_NOTES_ON_DEPARTURE does to private notes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.engine import Database
from app.db.models import Role
from app.main import create_app
from tests.factories import make_account, make_user, post_note
from tests.integration.test_web_pages import PASSWORD, hidden, signed_in

SECRET = "Meg is quietly interviewing elsewhere."


def test_the_report_page_is_the_managers_and_shows_counts_only(
    client: TestClient, db: Database
) -> None:
    rita = make_user(db, "Rita East", team="east", password=PASSWORD)
    mona = make_user(db, "Mona East", team="east", role=Role.manager, password=PASSWORD)
    walt = make_user(db, "Walt West", team="west", role=Role.manager, password=PASSWORD)
    harbor = make_account(db, "Harbor Freightways")
    post_note(client, rita, harbor, SECRET, visibility="private")
    post_note(client, rita, harbor, "Meg signs off on spend.", visibility="team")
    signed_in(client, mona)
    page = client.get(f"/users/{rita.id}/handover")
    assert page.status_code == 200
    assert "Harbor Freightways" in page.text and "<td>yes</td>" in page.text
    assert SECRET not in page.text and "signs off" not in page.text
    client.cookies.clear()
    signed_in(client, walt)
    assert client.get(f"/users/{rita.id}/handover").status_code == 403
    client.cookies.clear()
    signed_in(client, rita)
    assert client.get(f"/users/{rita.id}/handover").status_code == 403


def test_the_leaver_shares_their_private_notes_on_an_account_in_one_action(
    client: TestClient, db: Database
) -> None:
    rita = make_user(db, "Rita East", team="east", password=PASSWORD)
    cole = make_user(db, "Cole East", team="east")
    harbor = make_account(db, "Harbor Freightways")
    ids = [post_note(client, rita, harbor, SECRET, visibility="private") for _ in range(2)]
    csrf = signed_in(client, rita)
    page = client.get("/handover")
    assert "Harbor Freightways" in page.text and "<td>2</td>" in page.text
    assert "stay private, and nobody can read them" in page.text
    shared = client.post(
        "/handover/share",
        data={"csrf_token": csrf, "account_id": str(harbor), "visibility": "team"},
        follow_redirects=False,
    )
    assert shared.status_code == 303
    for note_id in ids:
        assert client.get(f"/v1/notes/{note_id}", headers=cole.headers).status_code == 200
    assert "You have no private notes." in client.get("/handover").text
    forged = client.post("/handover/share", data={"account_id": str(harbor), "visibility": "team"})
    assert forged.status_code == 403


@pytest.fixture
def team_rule_client(settings: Settings, db: Database) -> Iterator[TestClient]:
    team = settings.model_copy(update={"private_notes_on_departure": "team"})
    with TestClient(create_app(team), raise_server_exceptions=False) as test_client:
        yield test_client


def test_the_note_form_says_what_happens_to_private_notes_when_you_leave(
    client: TestClient, team_rule_client: TestClient, db: Database
) -> None:
    rita = make_user(db, "Rita East", team="east", password=PASSWORD)
    for test_client, said in (
        (client, "your private notes stay private and nobody can read them"),
        (team_rule_client, "your private notes become readable by your team"),
    ):
        signed_in(test_client, rita)
        form = test_client.get("/notes/new").text
        assert hidden(form, "csrf_token")
        assert said in form
