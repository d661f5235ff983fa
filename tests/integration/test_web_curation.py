"""The curation page over plain HTTP, on both databases: the queue is a manager's or an admin's
(a rep gets the 403 page), lists only the notes the curator may read, and its actions (resolve
a flag, merge restated notes, verify and archive through the note's forms) come back to it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from app.db.engine import Database
from app.db.models import Note, NoteFlag, Role
from tests.factories import make_user, post_note
from tests.integration.test_web_pages import PASSWORD, Users, signed_in


@pytest.fixture
def people(db: Database) -> Users:
    return Users(db)


def queued(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'class="queue-item" data-note-id="(\d+)"', page)]


def test_the_queue_is_a_curators_and_its_actions_come_back_to_it(
    client: TestClient, db: Database, people: Users
) -> None:
    harbor = client.post(
        "/v1/accounts", headers=people.erin.headers, json={"name": "Harbor Freightways"}
    ).json()["id"]
    team = post_note(client, people.erin, harbor, "Meg signs off on spend.", visibility="team")
    other = post_note(client, people.bob, harbor, "Deb screens vendors.", visibility="company")
    hidden = post_note(client, people.walt, harbor, "West private: golf.", visibility="private")
    for note_id, person in ((team, people.bob), (other, people.erin), (hidden, people.walt)):
        flagged = client.post(
            f"/v1/notes/{note_id}/flags", headers=person.headers, json={"reason": "out of date"}
        )
        assert flagged.status_code == 201, flagged.text

    csrf = signed_in(client, people.erin)
    assert 'href="/curation"' not in client.get("/").text
    refused = client.get("/curation")
    assert refused.status_code == 403 and "for managers and admins" in refused.text

    mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
    client.cookies.clear()
    csrf = signed_in(client, mona)
    page = client.get("/curation").text
    assert 'href="/curation"' in page
    assert sorted(queued(page)) == sorted([team, other])  # not Walt's private note
    assert "golf" not in page

    with db.session(write=False) as session:
        team_flag = session.scalar(select(NoteFlag.id).where(NoteFlag.note_id == team))
    resolved = client.post(
        f"/curation/flags/{team_flag}/resolve", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert resolved.headers["location"] == "/curation?kind=flagged&done=resolved"
    page = client.get(resolved.headers["location"]).text
    assert "The flag is resolved." in page and queued(page) == [other]

    verified = client.post(
        f"/notes/{other}/verify",
        data={"csrf_token": csrf, "next": "/curation?kind=flagged&done=verified"},
        follow_redirects=False,
    )
    assert verified.headers["location"] == "/curation?kind=flagged&done=verified"
    assert queued(client.get("/curation?kind=flagged").text) == []
    elsewhere = client.post(
        f"/notes/{other}/archive",
        data={"csrf_token": csrf, "next": "https://evil.example/"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/"  # never to another site


def test_restated_notes_are_merged_into_the_one_kept(
    client: TestClient, db: Database, people: Users
) -> None:
    harbor = client.post(
        "/v1/accounts", headers=people.erin.headers, json={"name": "Harbor Freightways"}
    ).json()["id"]
    root = post_note(client, people.erin, harbor, "Meg has the final say.", visibility="company")
    again = post_note(client, people.bob, harbor, "Meg has final say.", visibility="company")
    with db.unit_of_work() as session:  # what the embedding worker marks (app.domain.credit)
        session.execute(
            update(Note).where(Note.id == again).values(credit="duplicate", duplicate_of_id=root)
        )
    mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
    csrf = signed_in(client, mona)
    page = client.get("/curation?kind=duplicates").text
    assert queued(page) == [root]
    assert f'name="into" value="{root}" checked' in page
    assert f'name="notes" value="{again}" checked' in page

    nothing = client.post("/curation/merge", data={"csrf_token": csrf, "into": str(root)})
    assert nothing.status_code == 422 and "at least one other" in nothing.text
    merged = client.post(
        "/curation/merge",
        data={"csrf_token": csrf, "into": str(root), "notes": [str(root), str(again)]},
        follow_redirects=False,
    )
    assert merged.headers["location"] == "/curation?kind=duplicates&done=merged"
    assert client.get(f"/v1/notes/{again}", headers=mona.headers).json()["superseded_by_id"] == root
    assert queued(client.get("/curation?kind=duplicates").text) == []
