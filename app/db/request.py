"""One pooled connection per request.

A request checks out at most one connection, on first use, and runs its transactions on it one
after another: the token check, an idempotency claim, the unit of work, and last the side
writes that read paths buffer (views, impressions, the search log, export audits, token
touches). A request that held a connection and asked the pool for a second could wait forever
on requests doing the same: that is how 20 clients once stopped the service.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from app.db.engine import WRITE_OPTION, Database, committed

log = logging.getLogger("tacit.db")

SideWrite = Callable[[Session], None]
ConnectionWork = Callable[[Connection], None]


class SideWrites(Protocol):
    """Where a read path puts a write that must not hold up or fail the read."""

    def defer(self, write: SideWrite) -> None: ...


class AfterCommit(Protocol):
    """Where the domain puts work for the connection itself, to run once the unit of work has
    committed, outside any transaction: a WAL checkpoint, a VACUUM (``app.db.reclaim``)."""

    def after_commit(self, work: ConnectionWork) -> None: ...


class Afterwards:
    """``AfterCommit`` for a command or a job, which has no request connection: ``run`` does
    the work on a connection of its own once its unit of work is over."""

    def __init__(self) -> None:
        self._work: list[ConnectionWork] = []

    def after_commit(self, work: ConnectionWork) -> None:
        self._work.append(work)

    def run(self, db: Database) -> None:
        work, self._work = self._work, []
        if work:
            with db.engine.connect() as conn:
                for item in work:
                    item(conn)


class Transactions(Protocol):
    """Something that runs a short transaction of its own: a ``Database`` (CLI, worker) or a
    request's ``RequestConnection``."""

    def unit_of_work(self, *, write: bool = True) -> AbstractContextManager[Session]: ...


class RequestConnection:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Connection | None = None
        self._main: Session | None = None
        self._main_write = False
        self._deferred: list[SideWrite] = []
        self._after_commit: list[ConnectionWork] = []

    def _session(self, *, write: bool) -> Session:
        if self._conn is None:
            self._conn = self._db.engine.connect()
        # The write option is applied as the session begins, so BEGIN IMMEDIATE on SQLite is
        # issued exactly for the transactions that write.
        return Session(
            bind=self._conn,
            expire_on_commit=False,
            execution_options={WRITE_OPTION: write},
            info=self._db.session_info,
        )

    def session(self, *, write: bool) -> Session:
        """The request's unit of work. It begins on first use, so a token check or an
        idempotency claim can commit on the same connection before it."""
        if self._main is None:
            self._main, self._main_write = self._session(write=write), write
        elif write and not self._main_write:
            raise RuntimeError("the request's session was opened read-only")
        return self._main

    @contextmanager
    def unit_of_work(self, *, write: bool = True) -> Iterator[Session]:
        """A short transaction of its own, committed at once, before the unit of work begins
        or after it has ended (never inside it: it would silently join it)."""
        if self._main is not None and self._main.in_transaction():
            raise RuntimeError("a separate transaction cannot run inside the request's")
        with self._session(write=write) as session, committed(session):
            yield session

    def defer(self, write: SideWrite) -> None:
        self._deferred.append(write)

    def after_commit(self, work: ConnectionWork) -> None:
        self._after_commit.append(work)

    def write_deferred(self) -> None:
        """End the unit of work and write what read paths buffered, in one transaction, then
        run the work queued for after the commit. Called at the end of every request; a route
        calls it earlier when its answer needs what the writes made (a search's id)."""
        if self._main is not None and self._main.in_transaction():
            if self._main_write:
                self._run_deferred(self._main)
            self._main.commit()
        if self._deferred:
            try:
                with self.unit_of_work() as session:
                    self._run_deferred(session)
            except Exception:
                # What a reader did is worth recording, not worth failing their read for.
                log.exception("side writes of a read request were lost")
        work, self._after_commit = self._after_commit, []
        if self._conn is None:
            return
        for item in work:
            try:
                item(self._conn)
            except Exception:
                # The change is committed; its clean-up is retried by the next one (and by
                # SQLite's own checkpoints, PostgreSQL's autovacuum).
                log.exception("work after the commit failed")

    def _run_deferred(self, session: Session) -> None:
        deferred, self._deferred = self._deferred, []
        for write in deferred:
            write(session)

    def abort(self) -> None:
        self._deferred.clear()
        self._after_commit.clear()
        if self._main is not None:
            self._main.rollback()

    def close(self) -> None:
        if self._main is not None:
            self._main.close()
        if self._conn is not None:
            self._conn.close()
            self._conn = None
