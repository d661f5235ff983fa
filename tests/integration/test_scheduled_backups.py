"""Scheduled backups (``TACIT_BACKUP_DIR``, ``TACIT_BACKUP_EVERY``, ``TACIT_BACKUP_KEEP``), on
both databases: one when due and not before, whatever the process; the newest kept; none while
another process holds the directory; each a backup ``tacit restore`` reads (its manifest counts
the rows)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from app.config import Settings
from app.db.backup import Manifest, manifest_path
from app.db.engine import Database
from app.worker import backups
from tests.factories import make_account, make_user
from tests.integration.test_backup import pg_env

T0 = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)


def configured(settings: Settings, directory: Path, db_kind: str) -> Settings:
    pg_bin = pg_env(db_kind).get("TACIT_PG_BIN")
    return settings.model_copy(
        update={
            "backup_dir": directory,
            "backup_every": timedelta(days=1),
            "backup_keep": 2,
            "pg_bin": Path(pg_bin) if pg_bin else None,
        }
    )


def test_a_backup_is_taken_when_due_and_the_newest_are_kept(
    db: Database, settings: Settings, tmp_path: Path, db_kind: str
) -> None:
    make_user(db, "Ada Admin")
    make_account(db, "Harbor Freightways")
    chosen = configured(settings, tmp_path / "backups", db_kind)

    assert backups.run_once(db, chosen, now=T0) == 1
    assert backups.run_once(db, chosen, now=T0 + timedelta(hours=23)) == 0  # not yet due
    assert backups.run_once(db, chosen, now=T0 + timedelta(hours=25)) == 1
    assert backups.run_once(db, chosen, now=T0 + timedelta(hours=50)) == 1

    kept = backups.scheduled(tmp_path / "backups")
    assert [taken for taken, _ in kept] == [T0 + timedelta(hours=25), T0 + timedelta(hours=50)]
    left = sorted(p.name for p in (tmp_path / "backups").iterdir())
    assert left == sorted(
        [backups.LOCK]
        + [p.name for _, p in kept]
        + [manifest_path(p).name for _, p in kept]  # the oldest went with its manifest
    )
    newest = kept[-1][1]
    assert newest.suffix == (".db" if db_kind == "sqlite" else ".dump")
    assert os.stat(newest).st_mode & 0o077 == 0  # private, as `tacit backup` writes them
    counts = Manifest.read(newest).counts
    assert counts["users"] >= 1 and counts["accounts"] == 1


def test_no_backup_while_another_process_holds_the_directory(
    db: Database, settings: Settings, tmp_path: Path, db_kind: str
) -> None:
    chosen = configured(settings, tmp_path / "backups", db_kind)
    with backups._locked(tmp_path / "backups") as mine:
        assert mine
        assert backups.run_once(db, chosen, now=T0) == 0
    assert backups.scheduled(tmp_path / "backups") == []
    assert backups.run_once(db, chosen, now=T0) == 1


def test_without_a_directory_nothing_is_scheduled(db: Database, settings: Settings) -> None:
    assert settings.backup_dir is None
    assert backups.run_once(db, settings, now=T0) == 0
