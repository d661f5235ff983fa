"""Making erased bytes unreadable on disk, once the erasure has committed.

SQLite: every connection zeroes what it deletes (``secure_delete``, set in ``engine``), but the
write-ahead log still holds earlier versions of the changed pages, the erased text among them,
until a checkpoint copies the log into the database; ``TRUNCATE`` then empties the log file.

PostgreSQL: a deleted or updated row stays in its page, dead, until VACUUM marks its space for
reuse. VACUUM does not zero that space: the bytes are overwritten when the space is reused,
and remain meanwhile in the data files, in the write-ahead log until it is recycled, and in
backups and replicas for as long as those are kept (the README's "Personal data" says so).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from sqlalchemy import Connection

log = logging.getLogger("tacit.db")
_TABLE = re.compile(r"[a-z_]+")


def reclaim(conn: Connection, tables: Iterable[str]) -> None:
    """Checkpoint SQLite's log, or VACUUM ``tables`` on PostgreSQL. Runs outside any
    transaction (VACUUM cannot run inside one; a checkpoint cannot pass an open one), on a
    connection whose unit of work has committed."""
    if conn.in_transaction():
        raise RuntimeError("reclaim runs after the unit of work, outside any transaction")
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        assert raw is not None
        busy, _, _ = raw.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy:
            log.warning(
                "the write-ahead log could not be emptied after an erasure; it will be "
                "at the next checkpoint"
            )
        return
    names = sorted(set(tables))
    if unknown := [t for t in names if not _TABLE.fullmatch(t)]:
        raise ValueError(f"not table names: {unknown}")
    if not names:
        return
    conn.execution_options(isolation_level="AUTOCOMMIT")
    try:
        conn.exec_driver_sql("VACUUM " + ", ".join(f'"{t}"' for t in names))
        conn.commit()
    finally:
        conn.execution_options(isolation_level=conn.default_isolation_level)
