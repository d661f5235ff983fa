"""retention decisions

``retention_decisions``: an admin kept a note of personal context about someone who left
their post, with why and until when (the retention review, ``app.domain.retention``). The same
table on SQLite and PostgreSQL; erasing the note deletes its row.

Revision ID: 58bdd55ac0f8
Revises: ab23fe9bd9bc
Create Date: 2026-12-05 08:29:20.136268
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "58bdd55ac0f8"
down_revision: str | None = "ab23fe9bd9bc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_decisions",
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("kept_by_id", sa.Integer(), nullable=True),
        sa.Column("kept_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("review_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["kept_by_id"],
            ["users.id"],
            name=op.f("fk_retention_decisions_kept_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_retention_decisions_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("note_id", name=op.f("pk_retention_decisions")),
    )


def downgrade() -> None:
    op.drop_table("retention_decisions")
