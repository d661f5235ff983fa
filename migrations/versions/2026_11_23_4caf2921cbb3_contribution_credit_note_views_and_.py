"""contribution credit, note views and helpful marks

What reuse analytics count besides search impressions: notes opened in full or shown in a
brief (note_views) and readers' helpful marks; and on each note whether it counts toward its
author's contribution (credit, duplicate_of_id). Existing notes are queued for the embedding
worker, which decides their credit from their stored vectors. Impressions of searchers' own
notes are dropped: reuse is by others, and search no longer records them.

Revision ID: 4caf2921cbb3
Revises: f7e6f14d0b07
Create Date: 2026-11-23 09:38:17.569179
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4caf2921cbb3"
down_revision: str | None = "f7e6f14d0b07"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "helpful_marks",
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_helpful_marks_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_helpful_marks_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("note_id", "user_id", name=op.f("pk_helpful_marks")),
    )  # fmt: skip
    op.create_index("ix_helpful_marks_at", "helpful_marks", ["at"])
    op.create_index(op.f("ix_helpful_marks_user_id"), "helpful_marks", ["user_id"])

    op.create_table(
        "note_views",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_views_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_note_views_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_views")),
    )  # fmt: skip
    op.create_index("ix_note_views_at", "note_views", ["at", "note_id", "user_id"])
    op.create_index("ix_note_views_note_at", "note_views", ["note_id", "at"])
    op.create_index(op.f("ix_note_views_user_id"), "note_views", ["user_id"])

    # Plain columns, not a batch: rebuilding notes on SQLite would cascade into its children.
    op.add_column("notes", sa.Column("credit", sa.String(length=16), nullable=True))
    op.add_column("notes", sa.Column("duplicate_of_id", sa.Integer(), nullable=True))
    op.create_index("ix_notes_author_created", "notes", ["author_id", "created_at"])
    op.create_index(op.f("ix_notes_duplicate_of_id"), "notes", ["duplicate_of_id"])
    op.create_index("ix_search_impressions_at", "search_impressions", ["at", "note_id", "user_id"])
    op.create_index("ix_mentions_topic_contact", "mentions", ["topic", "contact_id", "note_id"])
    # Reuse is by others; a searcher's own notes in their results are no longer recorded.
    op.execute(
        "DELETE FROM search_impressions WHERE note_id IN "
        "(SELECT id FROM notes WHERE notes.author_id = search_impressions.user_id)"
    )
    op.execute(
        "INSERT INTO embedding_jobs (note_id, created_at, generation, attempts) "
        "SELECT id, CURRENT_TIMESTAMP, 0, 0 FROM notes WHERE deleted_at IS NULL "
        "AND id NOT IN (SELECT note_id FROM embedding_jobs)"
    )


def downgrade() -> None:
    op.drop_index("ix_mentions_topic_contact", table_name="mentions")
    op.drop_index("ix_search_impressions_at", table_name="search_impressions")
    op.drop_index(op.f("ix_notes_duplicate_of_id"), table_name="notes")
    op.drop_index("ix_notes_author_created", table_name="notes")
    op.drop_column("notes", "duplicate_of_id")
    op.drop_column("notes", "credit")
    op.drop_table("note_views")
    op.drop_table("helpful_marks")
