"""slack identities, links and source urls

The Slack app (``app.integrations.slack``): a user's Slack identity (``users.slack_user_id``,
unique, and the workspace it belongs to), the one-time links ``/tacit link`` hands out (only
their token's SHA-256 is kept), and ``notes.source_url``: the permalink of the Slack message a
note was saved from.

Revision ID: 4a755c702d8a
Revises: d41c7e2a9f10
Create Date: 2026-12-06 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4a755c702d8a"
down_revision: str | None = "d41c7e2a9f10"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("slack_user_id", sa.String(length=32), nullable=True))
    op.add_column("users", sa.Column("slack_team_id", sa.String(length=32), nullable=True))
    # A unique index, not a constraint: SQLite adds no constraint to a live table.
    op.create_index(op.f("ix_users_slack_user_id"), "users", ["slack_user_id"], unique=True)
    op.add_column("notes", sa.Column("source_url", sa.String(length=1000), nullable=True))
    op.create_table(
        "slack_link_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("slack_team_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_id", sa.String(length=32), nullable=False),
        sa.Column("slack_user_name", sa.String(length=255), nullable=False),
        sa.Column("slack_team_domain", sa.String(length=255), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_slack_link_requests_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slack_link_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_slack_link_requests_token_hash")),
    )
    op.create_index(
        op.f("ix_slack_link_requests_expires_at"), "slack_link_requests", ["expires_at"]
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_slack_link_requests_expires_at"), table_name="slack_link_requests")
    op.drop_table("slack_link_requests")
    op.drop_column("notes", "source_url")
    op.drop_index(op.f("ix_users_slack_user_id"), table_name="users")
    op.drop_column("users", "slack_team_id")
    op.drop_column("users", "slack_user_id")
