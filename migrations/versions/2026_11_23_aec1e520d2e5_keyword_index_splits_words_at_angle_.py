"""keyword index splits words at angle brackets

PostgreSQL's text parser reads ``<...>`` as a tag and drops it, and a tag holding quotes can
swallow the rest of the text: ``<script>alert("x")</script> Meg haggled`` gave an empty
vector, so the note could not be found by any word. Angle brackets now split words, as in
SQLite's FTS5. Recomputing the stored column rewrites the table (its indexes are rebuilt).

Revision ID: aec1e520d2e5
Revises: 19de36b4b367
Create Date: 2026-11-23 07:59:53.338420
"""

from collections.abc import Sequence

from alembic import op

revision: str = "aec1e520d2e5"
down_revision: str | None = "19de36b4b367"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    _tsv("'-/<>', '    '")


def downgrade() -> None:
    _tsv("'-/', '  '")


def _tsv(translation: str) -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # FTS5's tokenizer already splits at every punctuation mark
    op.execute("DROP INDEX IF EXISTS ix_passages_tsv")
    op.execute("ALTER TABLE passages DROP COLUMN tsv")
    op.execute(
        "ALTER TABLE passages ADD COLUMN tsv tsvector GENERATED ALWAYS AS "
        f"(to_tsvector('english', translate(text, {translation}))) STORED"
    )
    op.execute("CREATE INDEX ix_passages_tsv ON passages USING gin (tsv)")
