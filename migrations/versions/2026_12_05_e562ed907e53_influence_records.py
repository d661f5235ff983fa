"""influence records, their decisions and citations, and the account reviews

The buying influences as a map (``app.domain.influence``): ``influence_records`` (one per
contact, and per sales objective), ``influence_decisions`` (who confirmed, edited, removed or
rejected which value of which field, when), ``influence_citations`` (the sentences a decision
rests on; erased with their note) and ``influence_reviews`` (someone went over an account's
map). Each contact's recorded buying role becomes the first role of its record, as a
confirmation by nobody (the migration) dated when the contact last changed.

Revision ID: e562ed907e53
Revises: 8ecca626e6cc
Create Date: 2026-12-05 20:40:37.257740
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "e562ed907e53"
down_revision: str | None = "8ecca626e6cc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_ROLES = ("economic", "technical", "user", "coach")


def upgrade() -> None:
    op.create_table(
        "influence_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("objective", sa.String(length=200), nullable=True),
        sa.Column("roles", _JSON, nullable=False),
        sa.Column("degree", sa.String(length=16), nullable=True),
        sa.Column("mode", sa.String(length=16), nullable=True),
        sa.Column("mode_reason", sa.Text(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("key_win_result", sa.Text(), nullable=True),
        sa.Column("hot_buttons", _JSON, nullable=False),
        sa.Column("cold_buttons", _JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_influence_records_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influence_records")),
        sa.UniqueConstraint(
            "contact_id", "objective", name=op.f("uq_influence_records_contact_id_objective")
        ),
    )
    with op.batch_alter_table("influence_records", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_influence_records_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "uq_influence_records_contact_id_general",
            ["contact_id"],
            unique=True,
            sqlite_where=sa.text("objective IS NULL"),
            postgresql_where=sa.text("objective IS NULL"),
        )

    op.create_table(
        "influence_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_influence_reviews_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_influence_reviews_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influence_reviews")),
    )
    with op.batch_alter_table("influence_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_influence_reviews_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "influence_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("value", _JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_influence_decisions_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["record_id"],
            ["influence_records.id"],
            name=op.f("fk_influence_decisions_record_id_influence_records"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_influence_decisions_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influence_decisions")),
    )
    with op.batch_alter_table("influence_decisions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_influence_decisions_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            "ix_influence_decisions_record_field", ["record_id", "field"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_influence_decisions_record_id"), ["record_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_influence_decisions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "influence_citations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["influence_decisions.id"],
            name=op.f("fk_influence_citations_decision_id_influence_decisions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_influence_citations_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_influence_citations")),
    )
    with op.batch_alter_table("influence_citations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_influence_citations_decision_id"), ["decision_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_influence_citations_note_id"), ["note_id"], unique=False
        )

    _records_from_recorded_roles()


def _records_from_recorded_roles() -> None:
    """Each recorded buying role becomes its contact's record, confirmed by nobody."""
    conn = op.get_bind()
    contacts = sa.table(
        "contacts",
        sa.column("id", sa.Integer()),
        sa.column("buying_role", sa.String()),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    records = sa.table(
        "influence_records",
        sa.column("id", sa.Integer()),
        sa.column("contact_id", sa.Integer()),
        sa.column("roles", _JSON),
        sa.column("hot_buttons", _JSON),
        sa.column("cold_buttons", _JSON),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    decisions = sa.table(
        "influence_decisions",
        sa.column("record_id", sa.Integer()),
        sa.column("contact_id", sa.Integer()),
        sa.column("field", sa.String()),
        sa.column("value", _JSON),
        sa.column("decision", sa.String()),
        sa.column("at", sa.DateTime(timezone=True)),
    )
    rows = conn.execute(
        sa.select(contacts.c.id, contacts.c.buying_role, contacts.c.updated_at)
        .where(contacts.c.buying_role.in_(_ROLES))
        .order_by(contacts.c.id)
    ).all()
    for contact_id, role, at in rows:
        record_id = conn.execute(
            sa.insert(records)
            .values(
                contact_id=contact_id,
                roles=[role],
                hot_buttons=[],
                cold_buttons=[],
                created_at=at,
                updated_at=at,
            )
            .returning(records.c.id)
        ).scalar_one()
        conn.execute(
            sa.insert(decisions).values(
                record_id=record_id,
                contact_id=contact_id,
                field="roles",
                value=role,
                decision="confirmed",
                at=at,
            )
        )


def downgrade() -> None:
    op.drop_table("influence_citations")
    op.drop_table("influence_decisions")
    op.drop_table("influence_reviews")
    op.drop_table("influence_records")
