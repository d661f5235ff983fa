"""notes carry their sensitive categories

``notes.sensitive``: the sensitive categories (GDPR Art. 9 and 10, and the optional family and
financial distress) that the note's text states, a JSON list. Existing notes are left null,
"not checked yet", rather than backfilled here: the backfill needs the detector, and a
migration imports no app code and could not carry a frozen copy of several hundred patterns.
``tacit migrate`` (which every SQLite command runs, and PostgreSQL deployments run once)
checks the null ones with the configured categories right after upgrading.

Revision ID: c3e1f0a9b2d4
Revises: 39c0c8b905c3
Create Date: 2026-12-05 10:12:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "c3e1f0a9b2d4"
down_revision: str | None = "39c0c8b905c3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("notes", sa.Column("sensitive", json, nullable=True))


def downgrade() -> None:
    op.drop_column("notes", "sensitive")
