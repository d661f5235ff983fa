"""A note's actions on the web page over plain HTTP, on both databases: edit with the ETag rule
(a stale edit keeps both texts), delete, flag, supersede, archive and verify, each under the
API's access rule: a colleague's note is the 403 page for what a rep may not do, a note one may
not read is the 404 page for every form, and so is an id that names nothing. Notes render as
Markdown with raw HTML shown as text."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import AuditEvent, Note, NoteFlag, Role
from tests.factories import Person, make_user, post_note
from tests.integration.test_web_pages import PASSWORD, Users, hidden, signed_in

FORMS = ("edit", "delete", "flag", "supersede", "archive", "verify", "helpful")


@pytest.fixture
def people(db: Database) -> Users:
    return Users(db)


@pytest.fixture
def harbor(client: TestClient, people: Users) -> int:
    answer = client.post(
        "/v1/accounts", headers=people.erin.headers, json={"name": "Harbor Freightways"}
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def api_note(client: TestClient, person: Person, note_id: int) -> dict[str, object]:
    answer = client.get(f"/v1/notes/{note_id}", headers=person.headers)
    assert answer.status_code == 200, answer.text
    note: dict[str, object] = answer.json()
    return note


def post_form(client: TestClient, path: str, csrf: str, **data: str) -> object:
    return client.post(path, data={"csrf_token": csrf, **data}, follow_redirects=False)


def test_an_edit_sends_the_etag_and_a_stale_one_keeps_both_texts(
    client: TestClient, people: Users, harbor: int
) -> None:
    note = post_note(client, people.erin, harbor, "Meg signs off on anything over $50k.")
    csrf = signed_in(client, people.erin)
    form = client.get(f"/notes/{note}/edit")
    assert form.status_code == 200
    assert unescape(hidden(form.text, "if_match")) == '"v1"'

    # Meanwhile Erin's laptop saves another version through the API.
    patched = client.patch(
        f"/v1/notes/{note}",
        headers={**people.erin.headers, "If-Match": '"v1"'},
        json={"body": "Meg signs off on anything over $75k since the spring."},
    )
    assert patched.status_code == 200, patched.text

    mine = "Meg signs off on anything over $60k; her deputy below that."
    stale = client.post(
        f"/notes/{note}/edit",
        data={"csrf_token": csrf, "body": mine, "visibility": "team", "if_match": '"v1"'},
        follow_redirects=False,
    )
    assert stale.status_code == 412
    assert "someone else saved this note while you were editing it" in stale.text
    assert mine in stale.text  # the writer's text, as typed
    assert "over $75k since the spring" in stale.text  # and theirs beside it
    assert unescape(hidden(stale.text, "if_match")) == '"v2"'
    assert api_note(client, people.erin, note)["body"] == patched.json()["body"]

    saved = client.post(
        f"/notes/{note}/edit",
        data={"csrf_token": csrf, "body": mine, "visibility": "company", "if_match": '"v2"'},
        follow_redirects=False,
    )
    assert saved.status_code == 303 and saved.headers["location"] == f"/notes/{note}?saved=1"
    now = api_note(client, people.erin, note)
    assert (now["body"], now["visibility"], now["version"]) == (mine, "company", 3)

    empty = client.post(
        f"/notes/{note}/edit",
        data={"csrf_token": csrf, "body": "", "visibility": "team", "if_match": '"v3"'},
        follow_redirects=False,
    )
    assert empty.status_code == 422 and "Write the note." in empty.text
    without_etag = client.post(
        f"/notes/{note}/edit",
        data={"csrf_token": csrf, "body": "x", "visibility": "team"},
        follow_redirects=False,
    )
    assert without_etag.status_code == 428
    forged = client.post(
        f"/notes/{note}/edit",
        data={"body": "forged", "visibility": "team", "if_match": '"v3"'},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert api_note(client, people.erin, note)["body"] == mine


def test_a_rep_may_flag_a_colleagues_note_and_nothing_else(
    client: TestClient, people: Users, harbor: int, db: Database
) -> None:
    body = "Bob's note: the dispatch team uses the route view daily."
    note = post_note(client, people.bob, harbor, body, visibility="company")
    csrf = signed_in(client, people.erin)
    page = client.get(f"/notes/{note}")
    assert page.status_code == 200
    for action in ("edit", "delete", "archive", "supersede", "verify"):
        assert f'action="/notes/{note}/{action}"' not in page.text
    assert f'href="/notes/{note}/edit"' not in page.text
    assert f'action="/notes/{note}/flag"' in page.text

    assert client.get(f"/notes/{note}/edit").status_code == 403
    refused = {
        "edit": {"body": "mine now", "visibility": "company", "if_match": '"v1"'},
        "delete": {"if_match": '"v1"'},
        "archive": {},
        "supersede": {"by": str(note)},
        "verify": {},
    }
    for action, data in refused.items():
        answer = post_form(client, f"/notes/{note}/{action}", csrf, **data)
        assert answer.status_code == 403, action  # type: ignore[attr-defined]
    after = api_note(client, people.bob, note)
    assert (after["body"], after["version"], after["superseded_by_id"]) == (body, 1, None)

    flagged = post_form(client, f"/notes/{note}/flag", csrf, reason="The route view was retired.")
    assert flagged.headers["location"] == f"/notes/{note}?done=flagged"  # type: ignore[attr-defined]
    again = post_form(client, f"/notes/{note}/flag", csrf, reason="Still wrong.")
    assert again.status_code == 409  # type: ignore[attr-defined]
    assert "You already flagged this note" in again.text  # type: ignore[attr-defined]
    with db.session(write=False) as session:
        reasons = session.scalars(select(NoteFlag.reason).where(NoteFlag.note_id == note)).all()
    assert reasons == ["The route view was retired."]


def test_a_note_one_may_not_read_is_the_404_page_for_every_form(
    client: TestClient, people: Users, harbor: int
) -> None:
    secret = "Walt's private memo: Harbor's budget is frozen until June."
    private = post_note(client, people.walt, harbor, secret, visibility="private")
    csrf = signed_in(client, people.erin)
    for note_id in (private, 987654, "abc"):
        for path in (f"/notes/{note_id}", f"/notes/{note_id}/edit"):
            answer = client.get(path)
            assert answer.status_code == 404, path
            assert "Not found" in answer.text and "budget is frozen" not in answer.text
        for action in FORMS:
            data = {"body": "x", "visibility": "team", "if_match": '"v1"', "reason": "r", "by": "1"}
            answer = post_form(client, f"/notes/{note_id}/{action}", csrf, **data)
            status = answer.status_code  # type: ignore[attr-defined]
            assert status == 404, (note_id, action, status)
            assert "budget is frozen" not in answer.text  # type: ignore[attr-defined]
    assert api_note(client, people.walt, private)["body"] == secret


def test_delete_needs_the_version_shown_and_archive_takes_the_note_away(
    client: TestClient, people: Users, harbor: int, db: Database
) -> None:
    first = post_note(client, people.erin, harbor, "Harbor renews in March.")
    second = post_note(client, people.erin, harbor, "Harbor's fleet is 200 trucks.")
    csrf = signed_in(client, people.erin)
    page = client.get(f"/notes/{first}")
    assert f'action="/notes/{first}/delete"' in page.text
    client.patch(
        f"/v1/notes/{first}",
        headers={**people.erin.headers, "If-Match": '"v1"'},
        json={"body": "Harbor renews in April."},
    )
    stale = post_form(client, f"/notes/{first}/delete", csrf, if_match='"v1"')
    assert stale.status_code == 412  # type: ignore[attr-defined]
    assert "Not deleted" in stale.text and "renews in April" in stale.text  # type: ignore[attr-defined]
    deleted = post_form(client, f"/notes/{first}/delete", csrf, if_match='"v2"')
    location = f"/accounts/{harbor}?removed=deleted"
    assert deleted.headers["location"] == location  # type: ignore[attr-defined]
    assert "The note is deleted." in client.get(location).text
    assert client.get(f"/v1/notes/{first}", headers=people.erin.headers).status_code == 404

    archived = post_form(client, f"/notes/{second}/archive", csrf)
    assert archived.headers["location"] == f"/accounts/{harbor}?removed=archived"  # type: ignore[attr-defined]
    assert client.get(f"/notes/{second}").status_code == 404
    with db.session(write=False) as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_type == "note")
        ).all()
    assert {"note.delete", "note.archive"} <= set(actions)


def test_supersede_by_a_newer_note_and_a_manager_curates_without_editing(
    client: TestClient, people: Users, harbor: int, db: Database
) -> None:
    old = post_note(client, people.erin, harbor, "Tom runs IT.", visibility="company")
    new = post_note(client, people.erin, harbor, "Tom left; Ana runs IT now.", visibility="company")
    narrow = post_note(client, people.erin, harbor, "Ana is new.", visibility="private")
    csrf = signed_in(client, people.erin)
    page = client.get(f"/notes/{old}")
    assert f'<option value="{new}">' in page.text  # her own notes on the account to choose from
    refused = post_form(client, f"/notes/{old}/supersede", csrf, by=str(narrow))
    assert refused.status_code == 422  # type: ignore[attr-defined]
    assert "less widely shared" in refused.text  # type: ignore[attr-defined]
    done = post_form(client, f"/notes/{old}/supersede", csrf, by=str(new))
    assert done.headers["location"] == f"/notes/{old}?done=superseded"  # type: ignore[attr-defined]
    assert api_note(client, people.erin, old)["superseded_by_id"] == new
    shown = client.get(f"/notes/{old}?done=superseded").text
    assert "Marked as superseded" in shown and f'href="/notes/{new}"' in shown

    mona = make_user(db, "Mona Manager", team="east", role=Role.manager, password=PASSWORD)
    client.cookies.clear()  # Mona's browser
    csrf = signed_in(client, mona)
    page = client.get(f"/notes/{new}")
    assert f'action="/notes/{new}/archive"' in page.text
    assert f'action="/notes/{new}/verify"' in page.text
    assert f'href="/notes/{new}/edit"' not in page.text
    assert client.get(f"/notes/{new}/edit").status_code == 403
    assert post_form(client, f"/notes/{new}/verify", csrf).status_code == 303  # type: ignore[attr-defined]
    assert post_form(client, f"/notes/{new}/archive", csrf).status_code == 303  # type: ignore[attr-defined]
    with db.session(write=False) as session:
        assert session.get_one(Note, new).deleted_at is not None


def test_notes_render_markdown_and_show_raw_html_as_text(
    client: TestClient, people: Users, harbor: int
) -> None:
    body = (
        "# Call recap\n\n**Meg** wants the pilot. <script>alert(1)</script>\n\n"
        "- [terms](https://harbor.example/terms) [bad](javascript:alert(2))\n"
        '- <img src=x onerror="alert(3)">'
    )
    note = post_note(client, people.erin, harbor, body, visibility="company")
    signed_in(client, people.erin)
    for path in (f"/notes/{note}", f"/accounts/{harbor}", "/"):
        page = client.get(path).text
        assert "<strong>Meg</strong>" in page, path
        assert "<script>alert" not in page and "<img" not in page, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
        assert 'href="javascript:' not in page, path
    article = client.get(f"/notes/{note}").text
    assert re.search(r'<div class="body md"><h1>Call recap</h1>', article)
    assert '<a href="https://harbor.example/terms">terms</a>' in article
