"""erase a person: suppressions, ids never reused

``suppressions``: a row per erased contact, holding keyed fingerprints of their e-mail address
and of their name at their account (never the name or address), which keep them from being
brought back by an import or an e-mail until an admin lifts it.

On SQLite, ``notes`` and ``contacts`` are rebuilt with ``AUTOINCREMENT``, so that the id of an
erased note or contact is never handed out again (SQLite would otherwise reuse the highest):
events and logs outlive the row and still name it. PostgreSQL's sequences never reuse an id.
The rebuild drops the old table, which with foreign keys on would delete every row that
references it through ON DELETE CASCADE: ``app.db.migrate`` runs migrations with them off, and
this one refuses to run otherwise. The downgrade keeps ``AUTOINCREMENT``: older code is
indifferent to it, and rebuilding again would only risk the same.

Revision ID: 39c0c8b905c3
Revises: 58bdd55ac0f8
Create Date: 2026-12-05 08:35:30.994177
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "39c0c8b905c3"
down_revision: str | None = "58bdd55ac0f8"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suppressions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("name_words", sa.Integer(), nullable=False),
        sa.Column("email_hash", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_suppressions_account_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_suppressions_created_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_suppressions_account_id"), ["account_id"])
        batch_op.create_index(batch_op.f("ix_suppressions_email_hash"), ["email_hash"])
        batch_op.create_index(batch_op.f("ix_suppressions_name_hash"), ["name_hash"])

    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError(
            "rebuilding notes with foreign keys on would delete their revisions and passages; "
            "run this migration with `tacit migrate`"
        )
    for table in ("notes", "contacts"):
        with op.batch_alter_table(
            table, recreate="always", table_kwargs={"sqlite_autoincrement": True}
        ):
            pass


def downgrade() -> None:
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_suppressions_name_hash"))
        batch_op.drop_index(batch_op.f("ix_suppressions_email_hash"))
        batch_op.drop_index(batch_op.f("ix_suppressions_account_id"))
    op.drop_table("suppressions")
