"""After capture (both databases): reads of sensitive notes by anyone but their author go to
the read log, briefs mark such notes, notes from before detection are checked by ``tacit
migrate``, and the CLI's own capture (a local import) follows the setting, which is refused at
start-up when it names an unknown category."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import null, select, update

from app.db.engine import Database
from app.db.models import Note, Role
from app.domain.sensitivity import SPECIAL_ONLY, check_stored
from app.privacy import parse_categories
from tests.factories import Person, make_account, make_user, notes_csv, post_note
from tests.integration.test_cli import assert_clean_failure, tacit

HEALTH = "Meg is undergoing chemotherapy this spring."
PLAIN = "Meg wants faster onboarding before renewal."
FAMILY = "Meg is going through a divorce."


def read_log(client: TestClient, admin: Person) -> list[tuple[str, int, str, list[str]]]:
    """(note id, reader, how, sensitive categories) of each logged read, newest first."""
    response = client.get(
        "/v1/audit", params={"action": "note.read_personal"}, headers=admin.headers
    )
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()["items"]
    return [
        (e["target_id"], e["actor"]["id"], e["details"]["via"], e["details"]["sensitive"])
        for e in entries
    ]


def test_reads_of_a_sensitive_note_by_anyone_but_its_author_are_logged(
    client: TestClient, db: Database
) -> None:
    harbor = make_account(db, "Harbor Freightways")
    ana, bob = make_user(db, "Ana Reyes"), make_user(db, "Bob Lindgren")
    root = make_user(db, "Root Admin", team=None, role=Role.admin)
    sensitive = post_note(client, ana, harbor, HEALTH, visibility="team")
    plain = post_note(client, ana, harbor, PLAIN, visibility="team")

    for note in (sensitive, plain):
        assert client.get(f"/v1/notes/{note}", headers=ana.headers).status_code == 200
    assert read_log(client, root) == []  # the author reads her own notes unlogged

    for note in (sensitive, plain):
        assert client.get(f"/v1/notes/{note}", headers=bob.headers).status_code == 200
    brief = client.get(f"/v1/accounts/{harbor}/brief", headers=bob.headers)
    assert brief.status_code == 200
    assert read_log(client, root) == [
        (str(sensitive), bob.id, "brief", ["health"]),
        (str(sensitive), bob.id, "api", ["health"]),
    ]


def test_briefs_mark_sensitive_notes(client: TestClient, db: Database) -> None:
    harbor = make_account(db, "Harbor Freightways")
    ana, bob = make_user(db, "Ana Reyes"), make_user(db, "Bob Lindgren", password="pass" * 4)
    sensitive = post_note(client, ana, harbor, HEALTH, visibility="team")
    plain = post_note(client, ana, harbor, PLAIN, visibility="team")

    brief = client.get(f"/v1/accounts/{harbor}/brief", headers=bob.headers).json()
    assert {i["id"]: i["sensitive"] for i in brief["changes"]} == {
        sensitive: ["health"],
        plain: [],
    }
    found = client.post("/v1/search", headers=bob.headers, json={"q": "chemotherapy"}).json()
    assert [(h["note_id"], h["sensitive"]) for h in found["hits"]] == [(sensitive, ["health"])]

    login = client.get("/login").text
    csrf = login.split('name="csrf_token" value="')[1].split('"')[0]
    signed = client.post(
        "/login",
        data={"email": "bob.lindgren@tacit.example", "password": "pass" * 4, "csrf_token": csrf},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    page = client.get(f"/accounts/{harbor}").text
    marked = {
        int(note_id)
        for note_id, html in _note_blocks(page)
        if 'class="badge warn sensitive" title="health"' in html
    }
    assert marked == {sensitive}


def _note_blocks(page: str) -> list[tuple[str, str]]:
    """(note id, its HTML) for every note the page quotes, in the brief or the list."""
    parts = page.split('data-note-id="')[1:]
    return [
        (part.split('"', 1)[0], part.split("</li>")[0].split("</article>")[0]) for part in parts
    ]


def test_notes_from_before_detection_are_checked_and_a_recheck_follows_the_setting(
    client: TestClient, db: Database
) -> None:
    harbor = make_account(db, "Harbor Freightways")
    ana = make_user(db, "Ana Reyes")
    health = post_note(client, ana, harbor, HEALTH, visibility="team")
    family = post_note(client, ana, harbor, FAMILY, visibility="team")
    with db.unit_of_work() as session:  # as the migration leaves them
        session.execute(update(Note).values(sensitive=null()))
        before = {id_: at for id_, at in session.execute(select(Note.id, Note.updated_at))}

    with db.unit_of_work() as session:
        assert check_stored(session, SPECIAL_ONLY) == 2  # both checked, one found sensitive
        assert check_stored(session, SPECIAL_ONLY) == 0
    with db.unit_of_work() as session:
        everything = parse_categories("family")
        assert check_stored(session, everything) == 0  # only unchecked notes, without every
        assert check_stored(session, everything, every=True) == 1
    with db.session(write=False) as session:
        notes = {n.id: n for n in session.scalars(select(Note))}
    assert (notes[health].sensitive, notes[family].sensitive) == (["health"], ["family"])
    # Marks only: the visibility stays, and so does the time of the last edit.
    assert {n.visibility.value for n in notes.values()} == {"team"}
    assert {n.id: n.updated_at for n in notes.values()} == before


def test_the_cli_import_follows_the_setting_and_an_unknown_category_stops_it(
    db_url: str, db: Database, tmp_path: Path
) -> None:
    make_account(db, "Harbor Freightways")
    make_user(db, "Ana Reyes", email="ana@tacit.example")
    columns = {"activity_date": "2025-03-04", "company": "Harbor Freightways"}
    path = tmp_path / "notes.csv"
    path.write_bytes(
        notes_csv(
            [
                {**columns, "external_id": "c1", "body": FAMILY, "visibility": "company"},
                {**columns, "external_id": "c2", "body": FAMILY},
            ]
        )
    )
    family = {"TACIT_SENSITIVE_CATEGORIES": "family"}

    typo = tacit(
        "import",
        str(path),
        "--as",
        "ana@tacit.example",
        db_url=db_url,
        cwd=tmp_path,
        TACIT_SENSITIVE_CATEGORIES="famly",
    )
    assert_clean_failure(typo, "unknown sensitive category 'famly'", "did you mean 'family'")

    done = tacit(
        "import", str(path), "--as", "ana@tacit.example", db_url=db_url, cwd=tmp_path, **family
    )
    assert done.returncode == 0, done.stderr
    assert "warning: notes.csv row 2: This note states a sensitive fact" in done.stderr
    with db.session(write=False) as session:
        found = {
            n.external_id: (n.visibility.value, n.sensitive) for n in session.scalars(select(Note))
        }
    assert found == {"c1": ("company", ["family"]), "c2": ("private", ["family"])}

    migrated = tacit("migrate", "--recheck-sensitive", db_url=db_url, cwd=tmp_path)
    assert migrated.returncode == 0, migrated.stderr
    assert "on 2 note(s)" in migrated.stdout  # without the setting, family is no longer marked
