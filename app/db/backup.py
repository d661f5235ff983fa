"""Online backups of the database and their restore into an empty one.

A backup is one file plus a manifest next to it (``<file>.manifest.json``): the schema
revision, the time, the row count of every table and the suppressions (erased people, by
fingerprint only: ``app.domain.restore`` re-applies those a restored backup lacks). The counts
are read in the same snapshot as the copy, so they match the file even while writes go on:

- SQLite: ``VACUUM INTO`` copies one read transaction's view (WAL lets writers carry on), and,
  unlike a page copy, leaves out free pages, where an erased note could linger;
- PostgreSQL: ``pg_dump --format=custom`` runs on a snapshot exported by the transaction that
  counts (``pg_export_snapshot``), which stays open until the dump is done.

A restore goes into an empty database only: overwriting one that holds data is never what a
drill or a recovery wants. It then checks the copy (SQLite's ``integrity_check``, the counts
against the manifest) before the caller brings the schema up to date.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, inspect, select, text
from sqlalchemy.engine import make_url

from app.db.models import Suppression
from app.errors import Conflict, Invalid

MANIFEST_SUFFIX = ".manifest.json"
FORMAT = 1
_VERSION_TABLE = "alembic_version"
# What a database holds once anyone has used it. A freshly migrated one counts as empty: its
# search index's configuration and other rows the migrations seed are not data.
_DATA_TABLES = ("users", "teams", "accounts", "contacts", "notes", "audit_events", "suppressions")
# A counting transaction that outlives a slow dump must not be cut off by a server default.
_NO_TIMEOUT = "SET LOCAL idle_in_transaction_session_timeout = 0"


@dataclass(frozen=True)
class Manifest:
    """What a backup holds, written next to it."""

    dialect: str
    revision: str | None
    created_at: str
    counts: dict[str, int]
    suppressions: list[dict[str, Any]] = field(default_factory=list)
    format: int = FORMAT

    def write(self, backup: Path) -> Path:
        path = manifest_path(backup)
        _create_private(path, exists_ok=True)
        path.write_text(json.dumps(vars(self), indent=2, sort_keys=True) + "\n")
        return path

    @classmethod
    def read(cls, path: Path) -> Manifest:
        """The manifest of ``path``: a backup file, or the manifest itself."""
        if not path.name.endswith(MANIFEST_SUFFIX):
            path = manifest_path(path)
        try:
            data = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise Invalid(f"cannot read the backup's manifest {path}: {exc}") from exc
        if data.get("format") != FORMAT:
            raise Invalid(f"{path}: unknown manifest format {data.get('format')!r}")
        return cls(**data)


def _create_private(path: Path, *, exists_ok: bool = False) -> None:
    """Create ``path`` readable by its owner only: a backup holds every note and name."""
    flags = os.O_CREAT | os.O_WRONLY | (0 if exists_ok else os.O_EXCL)
    try:
        os.close(os.open(path, flags, 0o600))
    except FileExistsError:
        raise Conflict(f"{path} exists already: a backup never overwrites a file") from None


def manifest_path(backup: Path) -> Path:
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def backup(engine: Engine, to: Path, *, pg_bin: Path | None = None) -> Manifest:
    """Copy the database of ``engine`` to ``to`` (which must not exist) and write its
    manifest; the database stays open to readers and writers throughout."""
    to.parent.mkdir(parents=True, exist_ok=True)
    _create_private(to)  # empty, which VACUUM INTO and pg_dump both accept
    try:
        if engine.dialect.name == "sqlite":
            # Outside SQLAlchemy's transaction: VACUUM refuses to run inside one.
            raw = engine.raw_connection()
            try:
                assert raw.driver_connection is not None
                raw.driver_connection.execute("VACUUM INTO ?", (str(to),))
            finally:
                raw.close()
            # Read back from the copy: its counts are the copy's by construction.
            copy = sqlite3.connect(to)
            try:
                manifest = _manifest_sqlite(copy)
            finally:
                copy.close()
        else:
            dump = _pg_tool("pg_dump", pg_bin)
            with engine.connect() as conn, conn.begin():
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                conn.exec_driver_sql(_NO_TIMEOUT)
                snapshot = conn.scalar(text("SELECT pg_export_snapshot()"))
                manifest = _manifest(conn)
                _run(
                    [dump, "--format=custom", f"--snapshot={snapshot}", "--no-owner",
                     f"--file={to}", _libpq_url(engine)],
                    engine.url.password,
                )  # fmt: skip
    except BaseException:
        to.unlink(missing_ok=True)  # a failed backup leaves no file to mistake for one
        raise
    manifest.write(to)
    return manifest


def restore(engine: Engine, source: Path, *, pg_bin: Path | None = None) -> Manifest:
    """Restore the backup ``source`` into the empty database of ``engine``, and check it:
    integrity (SQLite) and every table's row count against the manifest. The schema is left
    at the backup's revision; the caller upgrades it."""
    manifest = Manifest.read(source)
    if not source.is_file():
        raise Invalid(f"no backup file at {source}")
    if manifest.dialect != engine.dialect.name:
        raise Invalid(
            f"{source} is a {manifest.dialect} backup; the database is {engine.dialect.name}"
        )
    with engine.connect() as conn:
        tables = [t for t in inspect(conn).get_table_names() if t != _VERSION_TABLE]
        holding = [
            t for t in _DATA_TABLES if t in tables and conn.scalar(text(f'SELECT 1 FROM "{t}"'))
        ]
    if holding:
        raise Conflict(
            "the database is not empty (rows in " + ", ".join(sorted(holding)[:5])
            + "): restore into a new, empty database"
        )  # fmt: skip
    if engine.dialect.name == "sqlite":
        _restore_sqlite(engine, source)
    else:
        restorer = _pg_tool("pg_restore", pg_bin)
        # A migrated but empty schema is dropped first; the backup brings its own.
        clean = ["--clean", "--if-exists"] if tables else []
        _run([restorer, "--no-owner", "--exit-on-error", *clean,
              f"--dbname={_libpq_url(engine)}", str(source)], engine.url.password)  # fmt: skip
    engine.dispose()  # connections opened before the copy may cache the empty schema
    check(engine, manifest)
    return manifest


def check(engine: Engine, manifest: Manifest) -> None:
    """Raise ``Invalid`` unless the database is sound and holds the manifest's rows."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            verdict = [row[0] for row in conn.exec_driver_sql("PRAGMA integrity_check")]
            if verdict != ["ok"]:
                raise Invalid(f"integrity check failed: {'; '.join(verdict[:5])}")
        found = _counts(conn, list(manifest.counts))
    wrong = {t: (n, found[t]) for t, n in manifest.counts.items() if found[t] != n}
    if wrong:
        detail = ", ".join(
            f"{t}: {got} rows, backup had {want}" for t, (want, got) in wrong.items()
        )
        raise Invalid(f"the restored database differs from the backup's manifest: {detail}")


def _restore_sqlite(engine: Engine, source: Path) -> None:
    database = make_url(engine.url).database
    assert database, "an in-memory database cannot be restored into"
    engine.dispose()
    backup_file = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    target = sqlite3.connect(database)
    try:
        # The backup API writes through the target's own journal: a WAL or a schema the
        # target had is replaced as one transaction.
        backup_file.backup(target)
    finally:
        target.close()
        backup_file.close()


def erasure_log(engine: Engine) -> list[dict[str, Any]]:
    """The suppressions of another database of the deployment (the one being replaced), in
    the manifest's form: what ``app.domain.restore.reapply_erasures`` takes."""
    with engine.connect() as conn:
        return [_suppression(r) for r in conn.execute(select(Suppression)).mappings()]


def _manifest(conn: Connection) -> Manifest:
    tables = [t for t in inspect(conn).get_table_names() if t != _VERSION_TABLE]
    revision = conn.scalar(text(f"SELECT version_num FROM {_VERSION_TABLE}"))
    rows = conn.execute(select(Suppression)).mappings().all()
    return Manifest(
        dialect=conn.dialect.name,
        revision=revision,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        counts=_counts(conn, tables),
        suppressions=[_suppression(r) for r in rows],
    )


def _manifest_sqlite(copy: sqlite3.Connection) -> Manifest:
    from sqlalchemy import create_engine

    engine = create_engine("sqlite://", creator=lambda: copy)
    with engine.connect() as conn:
        return _manifest(conn)


def _suppression(row: Any) -> dict[str, Any]:
    return {
        "account_id": row["account_id"],
        "name_hash": row["name_hash"],
        "name_words": row["name_words"],
        "email_hash": row["email_hash"],
        "reason": row["reason"],
    }


def _counts(conn: Connection, tables: list[str]) -> dict[str, int]:
    # Names come from the database's own catalogue or the manifest of such a catalogue.
    names = set(inspect(conn).get_table_names())
    return {
        t: int(conn.scalar(text(f'SELECT count(*) FROM "{t}"')) or 0) if t in names else -1
        for t in sorted(tables)
    }


def _libpq_url(engine: Engine) -> str:
    """The URL as libpq's tools take it: no SQLAlchemy driver name, and no password, which
    goes in the environment (``_run``) rather than a command line that ``ps`` shows."""
    url = engine.url.set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _pg_tool(name: str, pg_bin: Path | None) -> str:
    found = shutil.which(name, path=str(pg_bin)) if pg_bin else shutil.which(name)
    if found is None:
        where = f"in {pg_bin}" if pg_bin else "on PATH"
        raise Invalid(
            f"{name} not found {where}: install the PostgreSQL client tools of the server's "
            "major version (or newer), or pass --pg-bin DIR"
        )
    return found


def _run(command: list[str], password: str | None) -> None:
    env = {**os.environ, "PGPASSWORD": password} if password else None
    done = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        tool = Path(command[0]).name
        raise Invalid(f"{tool} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
