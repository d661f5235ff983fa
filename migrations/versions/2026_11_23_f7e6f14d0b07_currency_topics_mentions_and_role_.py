"""currency, topics, mentions and role decisions

Notes gain what keeps them current (verification, supersession, the date their facts want
re-verifying, the author's topic correction); passages their topic; and the tables behind the
account brief: sentences that name a contact (mentions), review flags, verifications and
answers to buying-role suggestions.

Existing notes are queued for the embedding worker, which classifies them from their stored
vectors (only contact sentences are embedded anew), so an upgraded base fills in by itself.

Revision ID: f7e6f14d0b07
Revises: aec1e520d2e5
Create Date: 2026-11-23 08:36:41.319226
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "f7e6f14d0b07"
down_revision: str | None = "aec1e520d2e5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "role_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "economic",
                "technical",
                "user",
                "coach",
                "unknown",
                name="buying_role",
                native_enum=False,
                create_constraint=True,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column(
            "evidence",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_role_decisions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_role_decisions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_role_decisions")),
    )
    with op.batch_alter_table("role_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_role_decisions_contact_id"), ["contact_id"], unique=False
        )

    op.create_table(
        "mentions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("named", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_mentions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_mentions_note_id_notes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentions")),
    )
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mentions_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_mentions_note_id"), ["note_id"], unique=False)

    op.create_table(
        "note_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("by_note_id", sa.Integer(), nullable=True),
        sa.Column("by_user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["by_note_id"],
            ["notes.id"],
            name=op.f("fk_note_flags_by_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["by_user_id"],
            ["users.id"],
            name=op.f("fk_note_flags_by_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_note_flags_note_id_notes"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_id"],
            ["users.id"],
            name=op.f("fk_note_flags_resolved_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_flags")),
        sa.UniqueConstraint(
            "note_id", "kind", "by_note_id", name=op.f("uq_note_flags_note_id_kind_by_note_id")
        ),
    )
    with op.batch_alter_table("note_flags", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_note_flags_note_id"), ["note_id"], unique=False)

    op.create_table(
        "note_verifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_note_verifications_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_note_verifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_verifications")),
    )
    with op.batch_alter_table("note_verifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_note_verifications_note_id"), ["note_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_note_verifications_user_id"), ["user_id"], unique=False
        )

    # Not a batch: rebuilding notes on SQLite drops the table its children point to.
    json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
    op.add_column("notes", sa.Column("classified_topics", json, nullable=True))
    op.add_column("notes", sa.Column("topics", json, nullable=True))
    op.add_column("notes", sa.Column("verified_at", sa.DateTime(timezone=True)))
    op.add_column("notes", sa.Column("verified_by_id", sa.Integer(), nullable=True))
    op.add_column("notes", sa.Column("superseded_by_id", sa.Integer(), nullable=True))
    op.add_column("notes", sa.Column("stale_after", sa.DateTime(timezone=True)))
    op.create_index(op.f("ix_notes_stale_after"), "notes", ["stale_after"], unique=False)
    op.create_index(op.f("ix_notes_superseded_by_id"), "notes", ["superseded_by_id"], unique=False)

    # Not a batch: rebuilding passages on SQLite would drop its full-text triggers.
    op.add_column("passages", sa.Column("topic", sa.String(length=32), nullable=True))
    op.execute(
        "INSERT INTO embedding_jobs (note_id, created_at, generation, attempts) "
        "SELECT id, CURRENT_TIMESTAMP, 0, 0 FROM notes WHERE deleted_at IS NULL "
        "AND id NOT IN (SELECT note_id FROM embedding_jobs)"
    )


def downgrade() -> None:
    op.drop_column("passages", "topic")

    op.drop_index(op.f("ix_notes_superseded_by_id"), table_name="notes")
    op.drop_index(op.f("ix_notes_stale_after"), table_name="notes")
    for column in (
        "stale_after",
        "superseded_by_id",
        "verified_by_id",
        "verified_at",
        "topics",
        "classified_topics",
    ):
        op.drop_column("notes", column)

    with op.batch_alter_table("note_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_verifications_user_id"))
        batch_op.drop_index(batch_op.f("ix_note_verifications_note_id"))

    op.drop_table("note_verifications")
    with op.batch_alter_table("note_flags", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_note_flags_note_id"))

    op.drop_table("note_flags")
    with op.batch_alter_table("mentions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentions_note_id"))
        batch_op.drop_index(batch_op.f("ix_mentions_contact_id"))

    op.drop_table("mentions")
    with op.batch_alter_table("role_decisions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_role_decisions_contact_id"))

    op.drop_table("role_decisions")
