"""The reported ways around the access rule, each replayed as it was reported: CSV and data-set
imports over others' notes, oracles in conflicts and counts, role rejections, and formulas in
CSV exports. The rule itself is tabled in ``test_access_actions``."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient

from app.db.engine import Database
from app.db.models import Role
from tests.factories import Person, import_csv, make_account, make_user, post_note


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return {
        "bob": make_user(db, "Bob East", team="east", role=Role.manager),
        "erin": make_user(db, "Erin East", team="east"),
        "cleo": make_user(db, "Cleo West", team="west"),
        "ada": make_user(db, "Ada Admin", team="ops", role=Role.admin, external_id="ada"),
    }


@pytest.fixture
def account(db: Database) -> int:
    return make_account(db, "Harbor Freightways", domains=["harbor.example"])


def row(owner: str, external_id: str, body: str, visibility: str = "company") -> dict[str, str]:
    return {
        "external_id": external_id,
        "activity_date": "2025-01-10",
        "owner_email": f"{owner}@tacit.example",
        "company": "Harbor Freightways",
        "visibility": visibility,
        "body": body,
    }


def test_a_manager_cannot_import_over_another_teams_private_note(
    client: TestClient, people: dict[str, Person], account: int
) -> None:
    cleo, bob = people["cleo"], people["bob"]
    secret = post_note(
        client, cleo, account, "Cleo's secret: Meg is leaving.", visibility="private",
        external_id="cleo-1",
    )  # fmt: skip
    for dry_run in (True, False):
        attack = import_csv(
            client, bob, [row("bob.east", "cleo-1", "Mine now", "company")], dry_run=dry_run
        )
        assert attack.status_code == (200 if dry_run else 422), attack.text
        assert [p["problem"] for p in attack.json()["problems"]] == ["not yours to change"]
        assert "Cleo" not in attack.text and "private" not in attack.text
    # Nothing changed: the note is still Cleo's private one, and Bob still cannot read it.
    assert client.get(f"/v1/notes/{secret}/revisions", headers=bob.headers).status_code == 404
    kept = client.get(f"/v1/notes/{secret}", headers=cleo.headers).json()
    assert (kept["body"], kept["visibility"], kept["version"]) == (
        "Cleo's secret: Meg is leaving.",
        "private",
        1,
    )
    # A manager imports new notes for their own team, not for another team.
    mine = import_csv(client, bob, [row("erin.east", "erin-new", "For Erin")], dry_run=False)
    assert mine.status_code == 201, mine.text
    theirs = import_csv(client, bob, [row("cleo.west", "cleo-new", "For Cleo")], dry_run=True)
    assert "not you or a member of your team" in theirs.json()["problems"][0]["problem"]


def test_an_admin_import_keeps_each_note_with_its_author(
    client: TestClient, people: dict[str, Person], account: int
) -> None:
    erin, ada = people["erin"], people["ada"]
    shared = post_note(client, erin, account, "Deb screens vendors.", visibility="company",
                       external_id="erin-1")  # fmt: skip
    hidden = post_note(client, erin, account, "Erin's private.", visibility="private",
                       external_id="erin-2")  # fmt: skip
    take = import_csv(client, ada, [row("ada.admin", "erin-1", "Ada's now")], dry_run=False)
    assert take.status_code == 422 and take.json()["problems"][0]["problem"] == (
        "not yours to change"
    )
    # Erin still has her note, and still reads it (the reported attack made it a 404 for her).
    assert client.get(f"/v1/notes/{shared}", headers=erin.headers).json()["author"]["id"] == erin.id
    # An admin may update a note they can read and keep its author, as PATCH allows...
    fix = import_csv(client, ada, [row("erin.east", "erin-1", "Deb screens all vendors.")],
                     dry_run=False)  # fmt: skip
    assert fix.status_code == 201 and fix.json()["updated"]["notes"] == 1, fix.text
    assert client.get(f"/v1/notes/{shared}", headers=erin.headers).json()["author"]["id"] == erin.id
    # ...but gets no read access by import: a hidden note answers alike.
    blind = import_csv(client, ada, [row("erin.east", "erin-2", "Seen?", "private")],
                       dry_run=True)  # fmt: skip
    assert [p["problem"] for p in blind.json()["problems"]] == ["not yours to change"]
    assert client.get(f"/v1/notes/{hidden}", headers=erin.headers).json()["body"] == (
        "Erin's private."
    )
    # Erin's own import may move her note to a colleague? Only as a manager or admin could
    # import for them: a rep's row for someone else is refused by owner.
    move = import_csv(client, erin, [row("bob.east", "erin-1", "Bob's")], dry_run=True)
    assert "a rep may import only their own notes" in move.json()["problems"][0]["problem"]


def test_an_admin_data_set_upload_takes_no_note_from_its_author(
    client: TestClient, db: Database, people: dict[str, Person], account: int
) -> None:
    erin, ada = people["erin"], people["ada"]
    note = post_note(client, erin, account, "Erin's private.", visibility="private",
                     external_id="n-erin")  # fmt: skip
    record = {"id": "n-erin", "account_id": "acct", "author_id": "ada", "body": "Ada's now",
              "visibility": "company", "created_at": "2025-01-10T00:00:00Z"}  # fmt: skip
    files = [
        ("accounts.jsonl", json.dumps({"id": "acct", "name": "Quay Co"}).encode()),
        ("notes.jsonl", json.dumps(record).encode()),
    ]
    response = client.post(
        "/v1/imports",
        headers=ada.headers,
        files=[("files", (name, data, "application/json")) for name, data in files],
    )
    assert response.status_code == 422, response.text
    assert "not yours to change" in [p["problem"] for p in response.json()["problems"]]
    kept = client.get(f"/v1/notes/{note}", headers=erin.headers).json()
    assert (kept["body"], kept["author"]["id"]) == ("Erin's private.", erin.id)


def test_a_taken_external_id_gets_one_answer_whoever_holds_it(
    client: TestClient, people: dict[str, Person], account: int
) -> None:
    erin, cleo = people["erin"], people["cleo"]
    post_note(client, cleo, account, "West team.", visibility="team", external_id="seen")
    post_note(client, cleo, account, "Cleo's own.", visibility="private", external_id="unseen")
    post_note(client, erin, account, "Company.", visibility="company", external_id="shared")
    answers = []
    for taken in ("seen", "unseen", "shared"):
        response = client.post(
            "/v1/notes",
            headers=erin.headers,
            json={"account_id": account, "body": "again", "external_id": taken},
        )
        assert response.status_code == 409, response.text
        answers.append(
            {k: v for k, v in response.json().items() if k != "detail"}
            | {"detail": response.json()["detail"].replace(repr(taken), "ID")}
        )
    assert answers[0] == answers[1] == answers[2]
    assert "Cleo" not in json.dumps(answers) and "note_id" not in answers[0]


def test_coverage_and_account_deletion_count_only_readable_notes(
    client: TestClient, people: dict[str, Person], account: int
) -> None:
    bob, cleo, erin = people["bob"], people["cleo"], people["erin"]
    for n in range(3):
        post_note(client, cleo, account, f"West note {n}.", visibility="team")
    post_note(client, erin, account, "East team note.", visibility="team")
    rows = client.get("/v1/analytics/coverage", headers=bob.headers).json()["accounts"]
    harbor = next(r for r in rows if r["account"]["id"] == account)
    assert (harbor["notes"], harbor["contributors"]) == (1, 1)  # west's three are not his
    refused = client.delete(f"/v1/accounts/{account}", headers=bob.headers)
    assert refused.status_code == 409
    assert "(1 of them you can read)" in refused.json()["detail"]
    assert "4" not in refused.json()["detail"] and "3" not in refused.json()["detail"]


@pytest.mark.parametrize("name", ['=HYPERLINK("http://x.example","y")', "+1", "-2", "@SUM(A1)"])
def test_the_contributions_csv_does_not_carry_formulas(
    client: TestClient, db: Database, people: dict[str, Person], name: str
) -> None:
    make_user(db, name, team="east", email="formula@tacit.example")
    response = client.get("/v1/analytics/contributions.csv", headers=people["ada"].headers)
    assert response.status_code == 200, response.text
    names = [r["user_name"] for r in csv.DictReader(io.StringIO(response.text))]
    assert "'" + name in names
    assert not any(n.startswith(("=", "+", "-", "@", "\t", "\r")) for n in names)


def test_supersedes_on_create_needs_the_old_notes_author_or_a_curator(
    client: TestClient, people: dict[str, Person], account: int
) -> None:
    erin, bob, cleo = people["erin"], people["bob"], people["cleo"]
    old = post_note(client, cleo, account, "Budget frozen.", visibility="company")
    demote = {"account_id": account, "body": "Budget thawed.", "visibility": "company"}
    refused = client.post(
        "/v1/notes", headers=erin.headers, json=demote | {"supersedes": [old], "external_id": "e1"}
    )
    assert refused.status_code == 403, refused.text
    # All or nothing: the new note was not written either, and the old one is not marked.
    assert (
        client.get("/v1/notes", headers=erin.headers, params={"external_id": "e1"}).json()["items"]
        == []
    )
    assert client.get(f"/v1/notes/{old}", headers=cleo.headers).json()["superseded_by_id"] is None
    hidden = post_note(client, cleo, account, "West only.", visibility="team")
    missing = client.post("/v1/notes", headers=bob.headers, json=demote | {"supersedes": [hidden]})
    assert missing.status_code == 404, missing.text
    by_manager = client.post("/v1/notes", headers=bob.headers, json=demote | {"supersedes": [old]})
    assert by_manager.status_code == 201, by_manager.text
    own = post_note(client, erin, account, "Erin's old.", visibility="team")
    mine = client.post("/v1/notes", headers=erin.headers, json=demote | {"supersedes": [own]})
    assert mine.status_code == 201, mine.text
