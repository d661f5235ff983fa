"""Scheduled backups: every ``TACIT_BACKUP_EVERY`` a worker copies the database into
``TACIT_BACKUP_DIR`` as ``tacit backup`` does (``app.db.backup``: online, with its manifest)
and keeps the newest ``TACIT_BACKUP_KEEP``.

Several processes may be configured alike (API processes that embed, ``tacit worker``s): the
one that takes the directory's lock does the round, the others skip it, and the age of the
newest backup decides whether one is due, so a restart neither doubles nor skips one. A
backup that fails leaves no file (``app.db.backup``) and is tried again at the next round.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from app.config import Settings
from app.db.backup import backup, manifest_path
from app.db.engine import Database
from app.worker.loop import LoopThread

log = logging.getLogger("tacit.backups")

# tacit-20261206T040000Z.db (SQLite) or .dump (pg_dump's custom format): the time sorts them.
_NAME = re.compile(r"^tacit-(\d{8}T\d{6}Z)\.(?:db|dump)$")
_STAMP = "%Y%m%dT%H%M%SZ"
LOCK = ".tacit-backup.lock"


def scheduled(directory: Path) -> list[tuple[datetime, Path]]:
    """The scheduled backups in ``directory``, oldest first."""
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _NAME.match(path.name)
        if match:
            taken = datetime.strptime(match.group(1), _STAMP).replace(tzinfo=UTC)
            found.append((taken, path))
    return sorted(found)


@contextmanager
def _locked(directory: Path) -> Iterator[bool]:
    """Whether this process holds the directory's lock for the round."""
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def run_once(db: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """Take a backup if one is due; returns 1 if it did, else 0."""
    directory = settings.backup_dir
    if directory is None:
        return 0
    now = now or datetime.now(UTC)
    with _locked(directory) as mine:
        if not mine:
            return 0
        taken = scheduled(directory)
        if taken and now - taken[-1][0] < settings.backup_every:
            return 0
        suffix = "db" if db.engine.dialect.name == "sqlite" else "dump"
        path = directory / f"tacit-{now.strftime(_STAMP)}.{suffix}"
        manifest = backup(db.engine, path, pg_bin=settings.pg_bin)
        log.info("backup written: %s (%d rows)", path, sum(manifest.counts.values()))
        for _, old in scheduled(directory)[: -settings.backup_keep]:
            manifest_path(old).unlink(missing_ok=True)
            old.unlink(missing_ok=True)
        return 1


def backup_thread(db: Database, settings: Settings, *, poll_seconds: float = 60.0) -> LoopThread:
    """The scheduled backups as a thread of ``tacit serve`` or ``tacit worker``."""

    def one_round() -> int:
        run_once(db, settings)
        return 0  # then wait: a backup is never due again at once

    return LoopThread("tacit-backups", one_round, poll_seconds=poll_seconds)
