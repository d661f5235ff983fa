"""The migrations are the schema: they must build exactly what the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from app.db.base import Base
from app.db.engine import Database
from app.db.migrate import include_object, pending_revisions, upgrade


def test_models_and_migrations_do_not_drift(db: Database) -> None:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, Base.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_database_is_at_head_and_upgrade_is_idempotent(db: Database) -> None:
    assert pending_revisions(db.engine) == []
    upgrade(db.engine)
    assert pending_revisions(db.engine) == []


def test_constraints_follow_the_naming_convention(db: Database) -> None:
    inspector = inspect(db.engine)
    fks = inspector.get_foreign_keys("notes")
    assert {fk["name"] for fk in fks} >= {
        "fk_notes_account_id_accounts",
        "fk_notes_author_id_users",
    }
    uniques = {u["name"] for u in inspector.get_unique_constraints("notes")}
    assert "uq_notes_external_id" in uniques
