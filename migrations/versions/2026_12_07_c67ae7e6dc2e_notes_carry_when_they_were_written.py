"""notes carry when they were written at their source

``notes.written_at``: when the note was written where it was written. For a note written in
Tacit (the API, the web page, Slack, an AI assistant) that is when it was saved, its
``created_at``; for one brought in from elsewhere (a CSV or data-set import, whose source
is ``import``, or an e-mail, ``email``) it is the date the source gives, its ``observed_at``
as captured. Contribution analytics count a note in the period it was written, so imported
history counts at its own dates, not on the day of the import.

The covering index of contribution analytics (``ix_notes_author_created``, made by
7d3e5a1c9b20) becomes ``ix_notes_author_written`` over the same columns with ``written_at``
for ``created_at``: nothing else reads notes by author and creation time.

On SQLite a NOT NULL column can be added only with a constant default; the default
(1970-01-01) is overwritten at once by the backfill and never used afterwards, since every
writer sets the column. PostgreSQL drops it after the backfill.

Revision ID: c67ae7e6dc2e
Revises: b5d2a8e4c1f3
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c67ae7e6dc2e"
down_revision: str | None = "b5d2a8e4c1f3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies (migrations import no app code): the sources of notes brought in from
# elsewhere (app.domain.transfer.csv_import.SOURCE, the data-set import's, and
# app.domain.inbound.SOURCE).
_FROM_ELSEWHERE = ("import", "email")
_COLUMNS = ("author_id", "{time}", "credit", "deleted_at", "account_id")


def _index(time: str) -> list[str]:
    return [c.format(time=time) for c in _COLUMNS]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    epoch = "1970-01-01 00:00:00.000000" if dialect == "sqlite" else "1970-01-01 00:00:00+00"
    op.add_column(
        "notes",
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False, server_default=epoch),
    )
    sources = ", ".join(f"'{s}'" for s in _FROM_ELSEWHERE)
    op.execute(
        "UPDATE notes SET written_at = CASE WHEN source IN "
        f"({sources}) THEN observed_at ELSE created_at END"
    )
    if dialect != "sqlite":
        op.alter_column("notes", "written_at", server_default=None)
    op.drop_index("ix_notes_author_created", table_name="notes")
    op.create_index("ix_notes_author_written", "notes", _index("written_at"))


def downgrade() -> None:
    op.drop_index("ix_notes_author_written", table_name="notes")
    op.create_index("ix_notes_author_created", "notes", _index("created_at"))
    op.drop_column("notes", "written_at")
