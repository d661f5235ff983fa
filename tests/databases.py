"""Databases for tests, each a copy of a template: on SQLite a file copy, on PostgreSQL
``CREATE DATABASE ... TEMPLATE``. Either takes milliseconds, where running the migrations, or
building a world through the API and embedding it with the real model, takes seconds."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.config import Settings
from app.db.engine import make_engine

DB_KINDS = ("sqlite", "postgres")
_names = itertools.count()


def settings_for(url: str) -> Settings:
    # No background embedding or webhook sending: tests drive the workers themselves,
    # deterministically. The model runs on torch, as the remembered vectors and the suite's
    # expectations were made (tests/embedders.py); the ONNX backends have tests of their own
    # (test_embedding_backends.py).
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        env="test",
        database_url=url,
        embedding_backend="torch",
        worker_threads=0,
        webhook_workers=0,
        calendar_workers=0,
        warm_up=False,
    )


def with_database(url: str, name: str) -> str:
    """``url`` naming another database on the same PostgreSQL server."""
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def copy_database(source: str, *, sqlite_path: Path, prefix: str = "t") -> str:
    """A new database holding what ``source`` (a URL) holds; its URL. ``source`` must be
    sealed (see :func:`seal`); a SQLite copy is written to ``sqlite_path``."""
    parsed = make_url(source)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(parsed.database, sqlite_path)
        return f"sqlite:///{sqlite_path}"
    # The server is this process's own (one per xdist worker), so a counter names uniquely.
    name = f"{prefix}{next(_names)}"
    _admin(source, f'CREATE DATABASE "{name}" TEMPLATE "{parsed.database}"')
    return with_database(source, name)


def drop_database(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        assert parsed.database
        for suffix in ("", "-wal", "-shm"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    _admin(url, f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)')


def seal(url: str) -> None:
    """Make a database fit to be copied: on SQLite everything in the main file (a copy of the
    file alone then holds it all); on PostgreSQL no session left on it, which ``CREATE
    DATABASE ... TEMPLATE`` requires."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        return
    _admin(
        url,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
        f"WHERE datname = '{parsed.database}' AND pid <> pg_backend_pid()",
    )


def _admin(url: str, statement: str) -> None:
    engine = make_engine(with_database(url, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()
