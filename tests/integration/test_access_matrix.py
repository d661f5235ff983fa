"""Three users in two teams x three visibilities x get / list / update / delete / export; and
each role x a token's scopes.

Expected outcomes are computed from the rules as written in the product brief, independently of
app.domain.access, so a change to the predicate that leaks (or over-hides) fails here.
"""

from __future__ import annotations

import itertools
import json

import pytest
from fastapi.testclient import TestClient

from app.db.engine import Database
from app.db.models import Role, TokenScope
from tests.factories import Person, make_account, make_user, with_token

VISIBILITIES = ("private", "team", "company")


@pytest.fixture
def world(db: Database, client: TestClient) -> tuple[dict[str, Person], dict[str, str], list[dict]]:
    people = {
        "alice": make_user(db, "Alice", team="east"),
        "bob": make_user(db, "Bob", team="east", role=Role.manager),
        "carol": make_user(db, "Carol", team="west", role=Role.admin),
    }
    teams = {"alice": "east", "bob": "east", "carol": "west"}
    account = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    notes = []
    for author, visibility in itertools.product(people, VISIBILITIES):
        response = client.post(
            "/v1/notes",
            headers=people[author].headers,
            json={
                "body": f"{author}'s {visibility} note",
                "account_id": account,
                "visibility": visibility,
                "external_id": f"{author}-{visibility}",
            },
        )
        assert response.status_code == 201, response.text
        notes.append({"id": response.json()["id"], "author": author, "visibility": visibility})
    return people, teams, notes


def may_read(viewer: str, note: dict, teams: dict[str, str]) -> bool:
    return (
        note["visibility"] == "company"
        or note["author"] == viewer
        or (note["visibility"] == "team" and teams[note["author"]] == teams[viewer])
    )


def may_edit(viewer: str, note: dict, teams: dict[str, str]) -> bool:
    return may_read(viewer, note, teams) and (note["author"] == viewer or viewer == "carol")


def test_get_list_and_export_show_exactly_the_readable_notes(client: TestClient, world) -> None:
    people, teams, notes = world
    for viewer, person in people.items():
        listed = {
            n["id"]
            for n in client.get("/v1/notes?limit=200", headers=person.headers).json()["items"]
        }
        exported = {
            json.loads(line)["id"]
            for line in client.get("/v1/export/notes", headers=person.headers).text.splitlines()
        }
        for note in notes:
            readable = may_read(viewer, note, teams)
            got = client.get(f"/v1/notes/{note['id']}", headers=person.headers)
            assert got.status_code == (200 if readable else 404), (viewer, note)
            assert (note["id"] in listed) == readable, (viewer, note)
            assert (f"{note['author']}-{note['visibility']}" in exported) == readable
            by_external = client.get(
                "/v1/notes",
                headers=person.headers,
                params={"external_id": f"{note['author']}-{note['visibility']}"},
            )
            assert len(by_external.json()["items"]) == int(readable)


def test_hidden_note_is_indistinguishable_from_a_missing_one(client: TestClient, world) -> None:
    people, _, notes = world
    private = next(n for n in notes if n["author"] == "alice" and n["visibility"] == "private")
    hidden = client.get(f"/v1/notes/{private['id']}", headers=people["carol"].headers)
    missing = client.get("/v1/notes/999999", headers=people["carol"].headers)
    assert hidden.status_code == missing.status_code == 404
    strip = lambda body: {k: v for k, v in body.items() if k not in ("detail", "instance")}  # noqa: E731
    assert strip(hidden.json()) == strip(missing.json())
    assert str(private["id"]) in hidden.json()["detail"]  # the message names the asked id only


def test_update_follows_read_and_edit_rules(client: TestClient, world) -> None:
    people, teams, notes = world
    for note, viewer in itertools.product(notes, people):
        author = people[note["author"]]
        version = client.get(f"/v1/notes/{note['id']}", headers=author.headers).headers["ETag"]
        response = client.patch(
            f"/v1/notes/{note['id']}",
            headers={**people[viewer].headers, "If-Match": version},
            json={"body": f"edited by {viewer}"},
        )
        expected = (
            200
            if may_edit(viewer, note, teams)
            else (403 if may_read(viewer, note, teams) else 404)
        )
        assert response.status_code == expected, (viewer, note, response.text)
        after = client.get(f"/v1/notes/{note['id']}", headers=author.headers).json()["body"]
        assert (after == f"edited by {viewer}") == (expected == 200)


def test_delete_follows_read_and_edit_rules(client: TestClient, world) -> None:
    people, teams, notes = world
    for note in notes:
        deleted = False
        # Editors last, so every non-editor's attempt meets a live note.
        for viewer in sorted(people, key=lambda v: may_edit(v, note, teams)):
            response = client.delete(f"/v1/notes/{note['id']}", headers=people[viewer].headers)
            if deleted or not may_read(viewer, note, teams):
                expected = 404
            else:
                expected = 204 if may_edit(viewer, note, teams) else 403
            assert response.status_code == expected, (viewer, note, response.text)
            deleted = deleted or expected == 204
        for person in people.values():
            assert client.get(f"/v1/notes/{note['id']}", headers=person.headers).status_code == 404
            listed = client.get("/v1/notes", headers=person.headers).json()["items"]
            assert note["id"] not in {n["id"] for n in listed}


def test_team_note_stays_with_the_team_it_was_written_for(
    db: Database, client: TestClient, world
) -> None:
    people, _, notes = world
    carol_admin = people["carol"]
    team_note = next(n for n in notes if n["author"] == "alice" and n["visibility"] == "team")
    moved = client.patch(
        f"/v1/users/{people['alice'].id}", headers=carol_admin.headers, json={"team": "west"}
    )
    assert moved.status_code == 200
    assert (
        client.get(f"/v1/notes/{team_note['id']}", headers=people["bob"].headers).status_code == 200
    )
    assert (
        client.get(f"/v1/notes/{team_note['id']}", headers=carol_admin.headers).status_code == 404
    )
    assert (
        client.get(f"/v1/notes/{team_note['id']}", headers=people["alice"].headers).status_code
        == 200
    )


def test_the_influence_map_counts_and_quotes_exactly_the_readable_notes(
    client: TestClient, db: Database, world
) -> None:
    people, teams, _ = world
    account = make_account(db, "Coldwater College")
    meg = client.post(
        "/v1/contacts",
        headers=people["carol"].headers,
        json={"account_id": account, "name": "Meg Tanaka", "buying_role": "economic"},
    ).json()["id"]
    written = []
    for author, visibility in itertools.product(people, VISIBILITIES):
        response = client.post(
            "/v1/notes",
            headers=people[author].headers,
            json={
                "body": f"Met Meg with {author} ({visibility}).",
                "account_id": account,
                "visibility": visibility,
                "contact_ids": [meg],
            },
        )
        written.append({"id": response.json()["id"], "author": author, "visibility": visibility})
    for viewer, person in people.items():
        readable = [n for n in written if may_read(viewer, n, teams)]
        record = client.get(f"/v1/contacts/{meg}/influence", headers=person.headers).json()
        assert record["coverage"]["notes"] == len(readable), viewer
        assert record["coverage"]["notes"] == sum(
            c["meetings"] for c in record["coverage"]["colleagues"]
        )
        assert {c["user"]["id"] for c in record["coverage"]["colleagues"]} == {
            people[n["author"]].id for n in readable
        }
        amap = client.get(f"/v1/accounts/{account}/influence", headers=person.headers).json()
        assert amap["influences"][0]["coverage"] == record["coverage"]
        flags = client.get(f"/v1/accounts/{account}/red-flags", headers=person.headers).json()
        assert "not_met" not in {f["code"] for f in flags["red_flags"]}


def test_calendar_feeds_are_each_users_own_whatever_the_role(client: TestClient, world) -> None:
    """``/v1/me/calendar``, ``/v1/me/briefs`` and ``/v1/me/upcoming`` name no user: a rep, a
    manager and an admin each reach their own feed only, and deleting one leaves the others."""
    people, _, _ = world
    for name, person in people.items():
        url = f"https://calendar.example/feed.ics?owner={name}"
        response = client.put("/v1/me/calendar", headers=person.headers, json={"ics_url": url})
        assert response.status_code == 200, response.text
    client.put("/v1/me/briefs", headers=people["bob"].headers, json={"deliver": False})
    client.delete("/v1/me/calendar", headers=people["carol"].headers)
    for name, person in people.items():
        shown = client.get("/v1/me/calendar", headers=person.headers).json()
        if name == "carol":
            assert shown["configured"] is False
            continue
        assert shown["url"] == f"calendar.example …{f'={name}'[-4:]}"
        assert shown["deliver"] is (name != "bob")
        assert client.get("/v1/me/upcoming", headers=person.headers).json() == []


def test_a_handover_is_an_admins_or_the_users_managers_and_counts_without_text(
    client: TestClient, world
) -> None:
    """``GET /v1/users/{id}/handover``: the admin (carol, west) sees everyone's, the manager
    (bob, east) his team's members', a rep nobody's; it counts each visibility, quotes none."""
    people, teams, _ = world
    for (viewer, person), (subject, target) in itertools.product(people.items(), repeat=2):
        allowed = viewer == "carol" or (viewer == "bob" and teams[subject] == teams["bob"])
        response = client.get(f"/v1/users/{target.id}/handover", headers=person.headers)
        assert response.status_code == (200 if allowed else 403), (viewer, subject)
        if allowed:
            (row,) = response.json()["accounts"]
            assert row["notes"] == {"private": 1, "team": 1, "company": 1}
            assert f"{subject}'s" not in response.text


def test_the_bulk_share_reaches_only_the_callers_own_private_notes(
    client: TestClient, world
) -> None:
    people, teams, notes = world
    account = client.get(f"/v1/notes/{notes[0]['id']}", headers=people["alice"].headers).json()
    for person in people.values():
        response = client.post(
            "/v1/me/handover/share",
            headers=person.headers,
            json={"account_id": account["account"]["id"], "visibility": "company"},
        )
        assert response.json()["shared"] == 1
    for viewer, person in people.items():
        for note in notes:
            got = client.get(f"/v1/notes/{note['id']}", headers=person.headers)
            widened = {**note, "visibility": "company"} if note["visibility"] == "private" else note
            assert got.status_code == (200 if may_read(viewer, widened, teams) else 404)


def test_successors_are_named_by_admins_and_listed_to_admins_and_the_manager(
    client: TestClient, world
) -> None:
    """``PUT``/``GET /v1/users/{id}/handover/successors`` and ``GET /v1/me/handovers``: only
    the admin names a successor; the list follows the handover report's rule; each user's
    ``/v1/me/handovers`` holds the accounts handed to them alone."""
    people, teams, notes = world
    account = client.get(f"/v1/notes/{notes[0]['id']}", headers=people["alice"].headers).json()
    choice = {"account_id": account["account"]["id"], "successor_id": people["bob"].id}
    url = f"/v1/users/{people['alice'].id}/handover/successors"
    for viewer, person in people.items():
        named = client.put(url, headers=person.headers, json=choice)
        assert named.status_code == (200 if viewer == "carol" else 403), viewer
    for viewer, person in people.items():
        allowed = viewer == "carol" or (viewer == "bob" and teams["alice"] == teams["bob"])
        assert client.get(url, headers=person.headers).status_code == (200 if allowed else 403)
        handed = client.get("/v1/me/handovers", headers=person.headers).json()
        assert [h["account_id"] for h in handed] == (
            [choice["account_id"]] if viewer == "bob" else []
        )


def test_a_tokens_scopes_narrow_each_roles_powers_and_never_widen_them(
    client: TestClient, db: Database, world
) -> None:
    """Role x scopes x (read a note, edit one's own note, read the audit trail): the answer
    is the role's, except that a token without the action's scope is refused first, naming
    it. The admin scope exists only on an admin's token, so a rep's is never made."""
    people, _teams, notes = world
    roles = {"alice": Role.rep, "bob": Role.manager, "carol": Role.admin}
    for viewer, person in people.items():
        own = next(n for n in notes if n["author"] == viewer and n["visibility"] == "private")
        every = {"read", "write", "mail"} | ({"admin"} if roles[viewer] == Role.admin else set())
        for scopes in ({"read"}, {"write"}, {"mail"}, every):
            token = with_token(db, person, scopes=[TokenScope(s) for s in sorted(scopes)])
            url = f"/v1/notes/{own['id']}"
            read = client.get(url, headers=token.headers)
            assert read.status_code == (200 if "read" in scopes else 403), (viewer, scopes)
            version = client.get(url, headers=person.headers).headers["ETag"]
            edit = client.patch(
                url,
                headers={**token.headers, "If-Match": version},
                json={"body": f"{viewer}'s note, edited with {sorted(scopes)}"},
            )
            assert edit.status_code == (200 if "write" in scopes else 403), (viewer, scopes)
            audit = client.get("/v1/audit", headers=token.headers)
            allowed = "admin" in scopes and roles[viewer] == Role.admin
            assert audit.status_code == (200 if allowed else 403), (viewer, scopes)
            for answer, scope in ((read, "read"), (edit, "write"), (audit, "admin")):
                lacking = scope not in scopes
                said = answer.json().get("detail") if answer.status_code == 403 else None
                assert (said == f"token lacks the {scope} scope") == lacking, (viewer, scopes)
