"""Engine and session set-up for SQLite and PostgreSQL.

SQLite needs care to be a correct multi-threaded server store: WAL so readers never block the
writer, a busy timeout, foreign keys on, and write transactions started with ``BEGIN IMMEDIATE``
so that two writers queue on the lock instead of failing with "database is locked" when a read
transaction tries to upgrade. ``synchronous=FULL`` (the default) syncs the WAL at every commit,
so a committed note survives a power cut, not only a killed process.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

WRITE_OPTION = "tacit_write"
_HOLDS_WRITER = "tacit_holds_writer"
WRITER_WAIT_SECONDS = 30  # as SQLite's busy timeout
_SUPPRESSION_KEY = "tacit_suppression_key"
Synchronous = Literal["FULL", "NORMAL"]


def make_engine(url: str, *, synchronous: Synchronous = "FULL", **kwargs: Any) -> Engine:
    # A statement's parameters are notes, names and e-mail addresses: an error's message
    # (a log line, a traceback) keeps the SQL and leaves them out.
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":  # plain URL: use psycopg 3, the driver we ship
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    if parsed.get_backend_name() != "sqlite":
        raise ValueError(
            f"unsupported database {parsed.get_backend_name()!r}: use sqlite or postgresql"
        )
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        parsed, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
    )
    _configure_sqlite(engine, synchronous)
    return engine


def _configure_sqlite(engine: Engine, synchronous: Synchronous) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control away from pysqlite, so that BEGIN is ours (see "begin").
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # Deleted and overwritten content is zeroed, not left in free pages and free space
        # inside pages: an erased note or person must not survive in the file.
        cursor.execute("PRAGMA secure_delete=ON")
        # Read through the OS page cache instead of SQLite's 2 MB one: the analytics over a
        # 100,000-note base ran about 30% faster (scripts/analytics_bench.py).
        cursor.execute("PRAGMA mmap_size=2147483648")
        cursor.close()

    # Writers of this process queue on a lock of their own before BEGIN IMMEDIATE. Left to
    # SQLite, a waiting writer polls with sleeps of up to 100 ms, so under load the write lock
    # sat idle between writers and throughput collapsed (scripts/load.py: 50 clients).
    # Other processes (the CLI, a separate worker) still meet SQLite's busy timeout.
    writer = threading.Lock()

    def _release(info: dict[str, Any]) -> None:
        if info.pop(_HOLDS_WRITER, False):
            writer.release()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(WRITE_OPTION, False)
        if write:
            if not writer.acquire(timeout=WRITER_WAIT_SECONDS):
                raise PoolTimeout("no turn to write within the time allowed")
            conn.info[_HOLDS_WRITER] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
        except BaseException:
            _release(conn.info)
            raise

    # Released as the transaction ends (just before COMMIT runs: the next writer's BEGIN
    # IMMEDIATE then waits the few milliseconds of the commit in SQLite's busy handler).
    event.listen(engine, "commit", lambda conn: _release(conn.info))
    event.listen(engine, "rollback", lambda conn: _release(conn.info))
    # A connection back in the pool never keeps the turn, whatever went wrong before.
    event.listen(engine, "checkin", lambda _dbapi, record: _release(record.info))


@contextmanager
def committed(session: Session) -> Iterator[Session]:
    """The session's work, committed if the block ends normally and rolled back otherwise."""
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def suppression_key(session: Session) -> bytes | None:
    """The key of the fingerprints that recognise erased people (``Settings.suppression_secret``)
    that the session's ``Database`` was opened with; None when it was opened without one."""
    key = session.info.get(_SUPPRESSION_KEY)
    return key if isinstance(key, bytes) else None


class Database:
    """The engine plus two session factories: ``read`` for GET-style work, ``write`` for work
    that changes data (on SQLite it takes the write lock up front). Every session carries the
    ``suppression_key`` it was opened with: a secret of the deployment, kept out of the
    database, that the domain needs wherever a record may name an erased person."""

    def __init__(
        self, url: str, *, suppression_key: bytes | None = None, **engine_kwargs: Any
    ) -> None:
        self.url = url
        self._engine_kwargs = engine_kwargs
        self.engine = make_engine(url, **engine_kwargs)
        self._probe: Engine | None = None
        self.dialect = self.engine.dialect.name
        # Embedded (SQLite): one file that this program opens itself, so a command may bring
        # its schema up to date on the way; a server database shared by several processes
        # (PostgreSQL) changes schema only by an explicit `tacit migrate`.
        self.embedded = self.dialect == "sqlite"
        self.session_info: dict[str, Any] = (
            {_SUPPRESSION_KEY: suppression_key} if suppression_key else {}
        )
        write_engine = self.engine.execution_options(**{WRITE_OPTION: True})
        self._read = sessionmaker(self.engine, expire_on_commit=False, info=self.session_info)
        self._write = sessionmaker(write_engine, expire_on_commit=False, info=self.session_info)

    def session(self, *, write: bool) -> Session:
        return (self._write if write else self._read)()

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """Commit on success, roll back on error: the one place outside requests that commits."""
        with self.session(write=write) as session, committed(session):
            yield session

    def probe(self) -> None:
        """Reach the database on a connection of its own, outside the pool: a health check
        must answer while every pooled connection is busy."""
        if self._probe is None:
            kwargs = {
                k: v for k, v in self._engine_kwargs.items() if not k.startswith(("pool", "max_"))
            }
            self._probe = make_engine(self.url, poolclass=NullPool, **kwargs)
        with self._probe.connect() as conn:
            conn.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
        if self._probe is not None:
            self._probe.dispose()
