"""searches record their channel

``searches.source``: where a question was asked, "api", "web" or "mcp" (an AI assistant
through the MCP server), as ``note_views.source`` already says for opens and briefs, so that
reuse analytics can tell the channels apart. Searches from before are "api": the web page's
were not told apart then.

Revision ID: d41c7e2a9f10
Revises: c3e1f0a9b2d4
Create Date: 2026-12-05 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d41c7e2a9f10"
down_revision: str | None = "c3e1f0a9b2d4"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # A plain ADD COLUMN on both databases: a default makes NOT NULL fine for existing rows,
    # without SQLite's batch copy of a table that grows with every search.
    op.add_column(
        "searches",
        sa.Column("source", sa.String(length=16), server_default="api", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("searches", "source")
