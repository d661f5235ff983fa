"""handover successions

``handover_successions``: the successor an admin named for a departing colleague's account,
one per leaver and account, which is also the delivery of the successor's handover brief
(claimed with a lease, like ``brief_deliveries``). The same table on SQLite and PostgreSQL.

Revision ID: 2f7f5afeb801
Revises: d61ac88a56fc
Create Date: 2026-12-06 03:36:55.795283
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2f7f5afeb801"
down_revision: str | None = "d61ac88a56fc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handover_successions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("successor_id", sa.Integer(), nullable=False),
        sa.Column("named_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_handover_successions_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"],
            ["users.id"],
            name=op.f("fk_handover_successions_successor_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_handover_successions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_successions")),
        sa.UniqueConstraint(
            "user_id", "account_id", name=op.f("uq_handover_successions_user_id_account_id")
        ),
    )
    with op.batch_alter_table("handover_successions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_handover_successions_status_next_attempt_at",
            ["status", "next_attempt_at"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_handover_successions_successor_id"), ["successor_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("handover_successions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_handover_successions_successor_id"))
        batch_op.drop_index("ix_handover_successions_status_next_attempt_at")

    op.drop_table("handover_successions")
