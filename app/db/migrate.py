"""Run and inspect Alembic migrations from code (CLI, server start-up, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

ROOT = Path(__file__).resolve().parents[2]


# Dialect-specific search objects that the models do not describe (see the search migration).
_HIDDEN_PREFIXES = ("passages_fts", "ix_passages_embedding_", "ix_passages_tsv")


def include_object(obj: object, name: str | None, type_: str, reflected: bool, _: object) -> bool:
    """Autogenerate and the drift test skip the hand-made FTS5, tsvector and HNSW objects."""
    if name is None:
        return True
    if type_ == "column" and name == "tsv":
        return False
    return not name.startswith(_HIDDEN_PREFIXES)


def alembic_config() -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.attributes["configure_logger"] = False
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


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
