"""mentions carry learned role scores

``mentions.role_scores``: for a sentence that names one contact, each buying role's
probability from the learned role classifiers (``app.search.influence_learned``), written by
the embedding worker with the sentence's topic, as ``{"economic": 0.12, ...}``. Null for a
sentence naming two people, and for the mentions written before this column until their note
is embedded again: the suggester then reads that sentence with its cues only, as before.

Revision ID: a4f19c3e7b21
Revises: 2637b6d5e31d
Create Date: 2026-12-08 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "a4f19c3e7b21"
down_revision: str | None = "2637b6d5e31d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json_type = sa.JSON().with_variant(JSONB(), "postgresql")
    op.add_column("mentions", sa.Column("role_scores", json_type, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("mentions") as batch:
        batch.drop_column("role_scores")
