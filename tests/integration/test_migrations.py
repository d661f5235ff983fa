"""The migrations are the schema: they must build exactly what the models describe."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import insert, inspect, text

from app.db.base import Base
from app.db.engine import Database
from app.db.migrate import alembic_config, include_object, pending_revisions, upgrade
from app.db.models import Note
from tests.factories import make_account, make_user


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


def test_upgrade_gives_existing_passages_their_account_and_keeps_the_search_indexes(
    db: Database,
) -> None:
    # Made by today's models before going back: later migrations add columns they would write.
    writer = make_user(db, "Mig Writer")
    harbor, vantor = make_account(db, "Harbor"), make_account(db, "Vantor")
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "8e7003302707")  # passages without an account
    with db.engine.begin() as conn:
        notes = {}
        for account, body in ((harbor, "Deb holds the purse"), (vantor, "Nadia holds the purse")):
            notes[account] = conn.scalar(
                insert(Note).returning(Note.id),
                {
                    "account_id": account,
                    "author_id": writer.id,
                    "body": body,
                    "visibility": "company",
                    "observed_at": datetime(2026, 1, 1, tzinfo=UTC),
                },
            )
            conn.execute(
                text(
                    "INSERT INTO passages (note_id, ordinal, text, text_hash) "
                    "VALUES (:note, 0, :body, 'h')"
                ),
                {"note": notes[account], "body": body},
            )

    upgrade(db.engine)

    with db.engine.connect() as conn:
        moved = dict(conn.execute(text("SELECT note_id, account_id FROM passages")).all())
        assert moved == {notes[harbor]: harbor, notes[vantor]: vantor}
        if db.dialect == "sqlite":
            found = conn.scalars(
                text(
                    "SELECT p.note_id FROM passages_fts "
                    "JOIN passages p ON p.id = passages_fts.rowid WHERE passages_fts MATCH :q"
                ),
                {"q": f'text : "purse" AND account_id : {vantor}'},
            ).all()
            assert found == [notes[vantor]]
        else:
            indexes = conn.scalars(
                text("SELECT indexname FROM pg_indexes WHERE tablename = 'passages'")
            ).all()
            assert "ix_passages_embedding_384" in indexes
            assert "ix_passages_account_id" in indexes


def test_upgrade_turns_recorded_buying_roles_into_influence_records(db: Database) -> None:
    account = make_account(db, "Roles Co")
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "8ecca626e6cc")  # before influence records
    with db.engine.begin() as conn:
        for name, role in (("Jill", "economic"), ("Wes", "coach"), ("Hugo", "unknown")):
            conn.execute(
                text(
                    "INSERT INTO contacts (account_id, name, buying_role, created_at, updated_at) "
                    "VALUES (:account, :name, :role, :at, :at)"
                ),
                {"account": account, "name": name, "role": role, "at": datetime(2026, 1, 1)},
            )

    upgrade(db.engine)

    with db.engine.connect() as conn:
        records = conn.execute(
            text(
                "SELECT c.name, r.roles, d.decision, d.user_id FROM influence_records r "
                "JOIN contacts c ON c.id = r.contact_id "
                "JOIN influence_decisions d ON d.record_id = r.id ORDER BY c.name"
            )
        ).all()
    assert [(name, decision, user) for name, _, decision, user in records] == [
        ("Jill", "confirmed", None),
        ("Wes", "confirmed", None),
    ]
    assert [json.loads(r) if isinstance(r, str) else r for _, r, _, _ in records] == [
        ["economic"],
        ["coach"],
    ]
