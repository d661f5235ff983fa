"""handover requests

``handover_requests``: an admin asked a user, before deactivating them, to review and share
their private notes; one per user, also the delivery of the e-mail asking them (claimed with a
lease, like ``brief_deliveries``). The same table on SQLite and PostgreSQL.

Revision ID: 2637b6d5e31d
Revises: 3260ad849f5a
Create Date: 2026-12-06 03:51:07.706767
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2637b6d5e31d"
down_revision: str | None = "3260ad849f5a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handover_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_handover_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_handover_requests")),
        sa.UniqueConstraint("user_id", name=op.f("uq_handover_requests_user_id")),
    )


def downgrade() -> None:
    op.drop_table("handover_requests")
