"""Backups: ``tacit backup PATH`` while the service runs, ``tacit restore PATH`` into an empty
database (see ``app.db.backup`` and ``app.domain.restore``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from app.cli.common import (
    cli,
    fail,
    load_settings,
    local_database,
    missing_sqlite_file,
    out,
    services,
)
from app.db.backup import Manifest, backup, erasure_log, manifest_path, restore
from app.db.engine import Database
from app.db.migrate import upgrade
from app.db.request import Afterwards
from app.domain.restore import check_search, reapply_erasures
from app.errors import AppError

PgBin = Annotated[
    Path | None,
    typer.Option(
        "--pg-bin",
        envvar="TACIT_PG_BIN",
        help="PostgreSQL: the directory of pg_dump and pg_restore (of the server's major "
        "version or newer), when those on PATH will not do.",
    ),
]


@contextmanager
def _clear_errors() -> Iterator[None]:
    try:
        yield
    except AppError as exc:
        fail(exc.detail)


@cli.command("backup", epilog="Example: tacit backup backups/tacit-2026-12-06.db")
def backup_command(
    path: Annotated[Path, typer.Argument(help="The backup file to write (must not exist).")],
    pg_bin: PgBin = None,
) -> None:
    """Back up the database while the service runs, with a manifest next to the file (tables
    and row counts, schema revision, time, the erasure log)."""
    settings = load_settings()
    local_database(settings.database_url)
    db = Database(settings.database_url)
    try:
        with _clear_errors():
            manifest = backup(db.engine, path, pg_bin=pg_bin)
    finally:
        db.dispose()
    rows = sum(manifest.counts.values())
    out.print(
        f"backed up {rows} rows in {len(manifest.counts)} tables to {path} "
        f"(revision {manifest.revision}); manifest {manifest_path(path)}"
    )


@cli.command(
    "restore",
    epilog="Example: tacit restore backups/tacit-2026-12-06.db --erasures-from sqlite:///var/old.db",
)
def restore_command(
    path: Annotated[Path, typer.Argument(help="The backup file (its manifest next to it).")],
    erasures_from: Annotated[
        str | None,
        typer.Option(
            "--erasures-from",
            help="The erasure log to apply again: the URL of the database being replaced, or "
            "the manifest of a newer backup. Without it, people erased after the backup "
            "was taken come back.",
        ),
    ] = None,
    pg_bin: PgBin = None,
) -> None:
    """Restore a backup into the empty database of TACIT_DATABASE_URL, check it (integrity,
    row counts, a search), bring its schema up to date and make again the erasures made
    since the backup."""
    settings = load_settings()
    # A restore fills a new database: making its SQLite file is the point.
    local_database(settings.database_url, create=True)
    with _clear_errors():
        log = _erasure_log(erasures_from) if erasures_from else []
        db = Database(settings.database_url)
        try:
            manifest = restore(db.engine, path, pg_bin=pg_bin)
            upgrade(db.engine)
        finally:
            db.dispose()
    later = Afterwards()
    with services(settings, announce=False) as built:
        with built.database.unit_of_work() as session:
            erasures = reapply_erasures(session, log, after_commit=later)
        later.run(built.database)
        with built.database.unit_of_work(write=False) as session:
            found = check_search(session, built.search)
    report: dict[str, Any] = {
        "restored_rows": sum(manifest.counts.values()),
        "backup_revision": manifest.revision,
        "backup_created_at": manifest.created_at,
        "erasures": vars(erasures),
        "search_found_note": found,
    }
    typer.echo(json.dumps(report))


def _erasure_log(source: str) -> list[dict[str, Any]]:
    if source.endswith(".json") or Path(source).is_file():
        return Manifest.read(Path(source)).suppressions
    if "://" not in source:
        fail(f"--erasures-from: {source} is neither a database URL nor a manifest")
    if path := missing_sqlite_file(source):
        fail(f"--erasures-from: there is no database at {path}")
    db = Database(source)
    try:
        return erasure_log(db.engine)
    finally:
        db.dispose()
