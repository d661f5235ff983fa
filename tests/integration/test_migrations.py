"""The migrations are the schema: they must build exactly what the models describe."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Integer, String, column, insert, inspect, select, table, text

from app.db.base import Base, UTCDateTime, utcnow
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


# The notes table as revision 8e7003302707 left it, as far as the test below writes it: the
# model's table would also write the columns that later revisions add.
_NOTES_AT_8E7003302707 = table(
    "notes",
    *(column(name, Integer()) for name in ("id", "account_id", "author_id", "version")),
    *(column(name, String()) for name in ("body", "visibility", "source")),
    *(column(name, UTCDateTime()) for name in ("observed_at", "created_at", "updated_at")),
)


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
                insert(_NOTES_AT_8E7003302707).returning(_NOTES_AT_8E7003302707.c.id),
                {
                    "account_id": account,
                    "author_id": writer.id,
                    "body": body,
                    "visibility": "company",
                    "observed_at": datetime(2026, 1, 1, tzinfo=UTC),
                    "source": "api",
                    "version": 1,
                    "created_at": utcnow(),
                    "updated_at": utcnow(),
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


def test_upgrade_dates_imported_notes_at_their_source_and_others_when_saved(db: Database) -> None:
    writer = make_user(db, "Mig Writer")
    harbor = make_account(db, "Harbor")
    cfg = alembic_config()
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "b5d2a8e4c1f3")  # notes without written_at
    saved = datetime(2026, 11, 30, 12, tzinfo=UTC)
    sources = {"api": datetime(2026, 11, 1, tzinfo=UTC), "import": datetime(2024, 5, 6, tzinfo=UTC),
               "email": datetime(2025, 2, 3, tzinfo=UTC)}  # fmt: skip
    with db.engine.begin() as conn:
        ids = {
            source: conn.scalar(
                insert(_NOTES_AT_8E7003302707).returning(_NOTES_AT_8E7003302707.c.id),
                {
                    "account_id": harbor,
                    "author_id": writer.id,
                    "body": f"A note from {source}",
                    "visibility": "company",
                    "observed_at": observed,
                    "source": source,
                    "version": 1,
                    "created_at": saved,
                    "updated_at": saved,
                },
            )
            for source, observed in sources.items()
        }

    upgrade(db.engine)

    with db.engine.connect() as conn:
        written = dict(conn.execute(select(Note.source, Note.written_at)).all())
    assert written == {"api": saved, "import": sources["import"], "email": sources["email"]}
    indexes = {i["name"]: i["column_names"] for i in inspect(db.engine).get_indexes("notes")}
    assert indexes["ix_notes_author_written"][:2] == ["author_id", "written_at"]
    assert "ix_notes_author_created" not in indexes and len(ids) == 3
