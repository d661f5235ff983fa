"""Run and inspect Alembic migrations from code (CLI, server start-up, tests)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from app.db.base import Embedding, UTCDateTime

_CHECKOUT = Path(__file__).resolve().parents[2]


def schema_home(checkout: Path = _CHECKOUT) -> Path:
    """Where ``alembic.ini`` and ``migrations/`` are: beside the package in a checkout (and an
    editable install), else where a regular install puts them (``pyproject.toml``'s
    data-files: ``<prefix>/share/tacit``)."""
    if (checkout / "alembic.ini").is_file():
        return checkout
    return Path(sys.prefix) / "share" / "tacit"


ROOT = schema_home()


# Dialect-specific search objects that the models do not describe (see the search migration).
_HIDDEN_PREFIXES = ("passages_fts", "ix_passages_embedding_", "ix_passages_tsv")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, _: object) -> bool:
    """Autogenerate and the drift test skip the hand-made FTS5, tsvector and HNSW objects."""
    if name is None:
        return True
    if type_ == "column" and name == "tsv":
        return False
    return not name.startswith(_HIDDEN_PREFIXES)


def render_item(type_: str, obj: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    """Autogenerate writes the app's column types as the plain types they create in the
    database, so that a migration imports no app code (tests/unit/test_migration_imports.py):
    ``UTCDateTime`` is a timezone-aware ``DateTime`` there, ``Embedding`` pgvector's ``vector``
    on PostgreSQL and a blob elsewhere."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    if type_ == "type" and isinstance(obj, Embedding):
        autogen_context.imports.add("from pgvector.sqlalchemy import Vector")
        return 'sa.LargeBinary().with_variant(Vector(), "postgresql")'
    return False


def alembic_config() -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.connect() as conn, foreign_keys_off(conn), conn.begin():
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        ensure_foreign_keys_hold(conn)


@contextmanager
def foreign_keys_off(conn: Connection) -> Iterator[None]:
    """SQLite changes a table by building a new one and dropping the old; with foreign keys on,
    dropping ``notes`` would first delete every revision, passage and mention through ON DELETE
    CASCADE. So migrations run with them off: set outside any transaction (inside one SQLite
    ignores it), checked by ``ensure_foreign_keys_hold`` before the migration commits."""
    if conn.dialect.name != "sqlite" or conn.in_transaction():
        yield
        return
    raw = conn.connection.driver_connection
    assert raw is not None
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def ensure_foreign_keys_hold(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"a migration broke foreign keys: {broken[:10]}")


def pending_revisions(engine: Engine) -> list[str]:
    """Revisions not yet applied; empty when the database is at head."""
    script = ScriptDirectory.from_config(alembic_config())
    with engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == set(script.get_heads()):
        return []
    upper = script.get_heads()[0]
    lower = next(iter(current)) if current else "base"
    return [rev.revision for rev in script.iterate_revisions(upper, lower)]
