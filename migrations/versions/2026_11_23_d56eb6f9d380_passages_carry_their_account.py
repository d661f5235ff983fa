"""passages carry their account

Each passage holds its note's account, so that an account-scoped search narrows inside the
indexes instead of joining afterwards: SQLite's FTS5 indexes the account as a second column and
intersects it with the terms (a question at one account of a 100,000-note base took 60-90 ms
when every passage matching a common word was scored first, 3-7 ms this way), and PostgreSQL
finds an account's passages by index.

Revision ID: d56eb6f9d380
Revises: 8e7003302707
Create Date: 2026-11-23 06:31:55.127093
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d56eb6f9d380"
down_revision: str | None = "8e7003302707"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TRIGGERS = ("insert", "delete", "update")


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:  # the table is rebuilt below, which would leave the index behind
        _drop_sqlite_fts()
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
    # Updating every row would insert each into the HNSW graphs one by one (over ten minutes
    # for 350,000 passages); building the graphs again afterwards takes a fraction of that.
    hnsw = [] if sqlite else _drop_hnsw_indexes()
    op.execute(
        "UPDATE passages SET account_id = "
        "(SELECT notes.account_id FROM notes WHERE notes.id = passages.note_id)"
    )
    for definition in hnsw:
        op.execute(definition)
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f("ix_passages_account_id"), ["account_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_passages_account_id_accounts"), "accounts", ["account_id"], ["id"]
        )
    if sqlite:
        _create_sqlite_fts("text, account_id")


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        _drop_sqlite_fts()
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_passages_account_id_accounts"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_passages_account_id"))
        batch_op.drop_column("account_id")
    if sqlite:
        _create_sqlite_fts("text")


def _drop_hnsw_indexes() -> list[str]:
    """Drop the vector indexes on passages; return the statements that recreate them."""
    indexes = op.get_bind().execute(
        sa.text(
            "SELECT indexname, indexdef FROM pg_indexes "
            "WHERE tablename = 'passages' AND indexdef ILIKE '%USING hnsw%'"
        )
    )
    definitions = []
    for name, definition in indexes.all():
        op.execute(f'DROP INDEX "{name}"')
        definitions.append(definition)
    return definitions


def _drop_sqlite_fts() -> None:
    for trigger in _TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS passages_fts_{trigger}")
    op.execute("DROP TABLE IF EXISTS passages_fts")


def _create_sqlite_fts(columns: str) -> None:
    """The FTS5 index over ``columns`` of passages, kept by triggers in the writer's
    transaction, and filled from the rows already there."""
    old = ", ".join(f"old.{c}" for c in columns.split(", "))
    new = ", ".join(f"new.{c}" for c in columns.split(", "))
    op.execute(
        f"CREATE VIRTUAL TABLE passages_fts USING fts5({columns}, content='passages', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    )
    op.execute(
        "CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN "
        f"INSERT INTO passages_fts(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute(
        "CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN "
        f"INSERT INTO passages_fts(passages_fts, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old}); END"
    )
    op.execute(
        f"CREATE TRIGGER passages_fts_update AFTER UPDATE OF {columns} ON passages BEGIN "
        f"INSERT INTO passages_fts(passages_fts, rowid, {columns}) "
        f"VALUES ('delete', old.id, {old}); "
        f"INSERT INTO passages_fts(rowid, {columns}) VALUES (new.id, {new}); END"
    )
    op.execute("INSERT INTO passages_fts(passages_fts) VALUES ('rebuild')")
