"""reuse analytics read whole days from a daily rollup

``reuse_daily``: per UTC day and author, the impressions (search hits and brief "shown"
views), opens and helpful marks of their notes that count as reuse (credit ``credited`` or
not judged yet), for the days before ``reuse_rollup.rolled_until``. Contribution analytics
over two years read some 100,000 of these rows instead of a million impressions.

Triggers keep the rolled-up days exact whatever writes them: an event written or deleted with
a rolled-up day (a backdated load, a helpful mark taken back, a purge, a user's cascade), a
note whose author or credit changes (its rolled-up counts move), a note erased (its counts go
before its events cascade away). Events of days not rolled up yet, which is every event a
request writes, fire a trigger that only reads the watermark: the write path takes no lock on
the rollup. The migration fills every day that ended over 15 minutes ago.

Revision ID: 7d3e5a1c9b20
Revises: e562ed907e53
Create Date: 2026-12-05 21:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "7d3e5a1c9b20"
down_revision: str | None = "e562ed907e53"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copy of app.domain.analytics.ROLL_UP_AFTER (migrations import no app code).
_ROLL_UP_AFTER = timedelta(minutes=15)
_EVENTS = ("search_impressions", "note_views", "helpful_marks")
# (table, index, its columns before (none: it replaces ix_<table>_note_id), after)
_COVERING: tuple[tuple[str, str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("notes", "ix_notes_author_created", ("author_id", "created_at"),
     ("author_id", "created_at", "credit", "deleted_at", "account_id")),
    ("note_views", "ix_note_views_at", ("at", "note_id", "user_id"),
     ("at", "note_id", "user_id", "kind")),
    ("mentions", "ix_mentions_note_contact", (), ("note_id", "contact_id", "topic")),
)  # fmt: skip


def _day(dialect: str, column: str) -> str:
    return f"date({column})" if dialect == "sqlite" else f"(({column}) AT TIME ZONE 'UTC')::date"


def _counts(dialect: str, table: str, row: str) -> tuple[str, str, str]:
    """(impressions, opens, helpful) that one event of ``table`` adds, as SQL over ``row``."""
    if table == "note_views":
        shown = f"CASE WHEN {row}.kind = 'shown' THEN 1 ELSE 0 END"
        opened = f"CASE WHEN {row}.kind = 'opened' THEN 1 ELSE 0 END"
        return shown, opened, "0"
    return ("0", "0", "1") if table == "helpful_marks" else ("1", "0", "0")


def _note_events(dialect: str, note: str) -> str:
    """Every rolled-up event of the note whose id is ``note``: (day, i, o, h) rows."""
    parts = []
    for table in _EVENTS:
        i, o, h = _counts(dialect, table, table)
        parts.append(
            f"SELECT {_day(dialect, 'at')} AS day, {i} AS i, {o} AS o, {h} AS h "
            f"FROM {table} WHERE note_id = {note}"
        )
    return (
        "SELECT day, sum(i) AS i, sum(o) AS o, sum(h) AS h FROM ("
        + " UNION ALL ".join(parts)
        + ") AS events WHERE day < (SELECT rolled_until FROM reuse_rollup) GROUP BY day"
    )


def _reused(row: str) -> str:
    return f"({row}.credit IS NULL OR {row}.credit = 'credited')"


_UPSERT = (
    " ON CONFLICT (day, author_id) DO UPDATE SET "
    "impressions = reuse_daily.impressions + excluded.impressions, "
    "opens = reuse_daily.opens + excluded.opens, "
    "helpful = reuse_daily.helpful + excluded.helpful"
)


def _move_note(dialect: str, row: str, sign: str) -> str:
    """Add (``sign`` '') or take away ('-') the note ``row``'s rolled-up counts, under its
    author, if it counts as reuse."""
    return (
        "INSERT INTO reuse_daily (day, author_id, impressions, opens, helpful) "
        f"SELECT day, {row}.author_id, {sign}i, {sign}o, {sign}h "
        f"FROM ({_note_events(dialect, f'{row}.id')}) AS per_day WHERE {_reused(row)}" + _UPSERT
    )


def _sqlite_triggers() -> list[str]:
    statements = []
    for table in _EVENTS:
        for when, row, sign in (("INSERT", "NEW", ""), ("DELETE", "OLD", "-")):
            i, o, h = _counts("sqlite", table, row)
            statements.append(
                f"CREATE TRIGGER reuse_{table}_{when.lower()} AFTER {when} ON {table} "
                f"WHEN date({row}.at) < (SELECT rolled_until FROM reuse_rollup) BEGIN "
                "INSERT INTO reuse_daily (day, author_id, impressions, opens, helpful) "
                f"SELECT date({row}.at), notes.author_id, {sign}{i}, {sign}{o}, {sign}{h} "
                f"FROM notes WHERE notes.id = {row}.note_id AND {_reused('notes')}"
                + _UPSERT
                + "; END"
            )
    # Before the row goes: its events are still there to count; once it is gone, the
    # cascade's event triggers find no note and change nothing.
    statements.append(
        "CREATE TRIGGER reuse_notes_delete BEFORE DELETE ON notes BEGIN "
        + _move_note("sqlite", "OLD", "-")
        + "; END"
    )
    statements.append(
        "CREATE TRIGGER reuse_notes_update AFTER UPDATE OF author_id, credit ON notes "
        f"WHEN OLD.author_id != NEW.author_id OR {_reused('OLD')} != {_reused('NEW')} BEGIN "
        + _move_note("sqlite", "OLD", "-")
        + "; "
        + _move_note("sqlite", "NEW", "")
        + "; END"
    )
    return statements


def _postgres_triggers() -> list[str]:
    branches = []
    for table in _EVENTS:
        i, o, h = _counts("postgresql", table, "ev")
        branches.append(f"IF TG_TABLE_NAME = '{table}' THEN i := {i}; o := {o}; h := {h}; END IF;")
    statements = [
        "CREATE FUNCTION reuse_event() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "DECLARE ev record; s int; d date; i int; o int; h int;\n"
        "BEGIN\n"
        "  IF TG_OP = 'INSERT' THEN ev := NEW; s := 1; ELSE ev := OLD; s := -1; END IF;\n"
        f"  d := {_day('postgresql', 'ev.at')};\n"
        "  IF d >= (SELECT rolled_until FROM reuse_rollup) THEN RETURN NULL; END IF;\n  "
        + "\n  ".join(branches)
        + "\n  INSERT INTO reuse_daily (day, author_id, impressions, opens, helpful)\n"
        "  SELECT d, notes.author_id, s * i, s * o, s * h FROM notes\n"
        f"  WHERE notes.id = ev.note_id AND {_reused('notes')}\n "
        + _UPSERT
        + ";\n  RETURN NULL;\nEND $$",
        "CREATE FUNCTION reuse_note() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  "
        + _move_note("postgresql", "OLD", "-")
        + ";\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  "
        + _move_note("postgresql", "NEW", "")
        + ";\n  RETURN NEW;\nEND $$",
        "CREATE TRIGGER reuse_notes_delete BEFORE DELETE ON notes "
        "FOR EACH ROW EXECUTE FUNCTION reuse_note()",
        "CREATE TRIGGER reuse_notes_update AFTER UPDATE OF author_id, credit ON notes "
        f"FOR EACH ROW WHEN (OLD.author_id <> NEW.author_id OR {_reused('OLD')} <> "
        f"{_reused('NEW')}) EXECUTE FUNCTION reuse_note()",
    ]
    statements += [
        f"CREATE TRIGGER reuse_{table} AFTER INSERT OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION reuse_event()"
        for table in _EVENTS
    ]
    return statements


def _backfill(dialect: str) -> str:
    parts = []
    for table in _EVENTS:
        i, o, h = _counts(dialect, table, table)
        parts.append(
            f"SELECT {_day(dialect, 'at')} AS day, note_id, {i} AS i, {o} AS o, {h} AS h "
            f"FROM {table}"
        )
    return (
        "INSERT INTO reuse_daily (day, author_id, impressions, opens, helpful) "
        "SELECT events.day, notes.author_id, sum(i), sum(o), sum(h) FROM ("
        + " UNION ALL ".join(parts)
        + ") AS events JOIN notes ON notes.id = events.note_id "
        f"WHERE events.day < (SELECT rolled_until FROM reuse_rollup) AND {_reused('notes')} "
        "GROUP BY events.day, notes.author_id"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "reuse_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("impressions", sa.Integer(), nullable=False),
        sa.Column("opens", sa.Integer(), nullable=False),
        sa.Column("helpful", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "author_id", name=op.f("pk_reuse_daily")),
        sqlite_with_rowid=False,
    )
    rollup = op.create_table(
        "reuse_rollup",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("rolled_until", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reuse_rollup")),
    )
    until = (datetime.now(UTC) - _ROLL_UP_AFTER).date()
    op.bulk_insert(rollup, [{"id": 1, "rolled_until": until}])
    op.execute(_backfill(dialect))
    for statement in _sqlite_triggers() if dialect == "sqlite" else _postgres_triggers():
        op.execute(statement)
    # Covering indexes: the figures over two years read them without reading the rows.
    for table, name, old, new in _COVERING:
        op.drop_index(name if old else f"ix_{table}_note_id", table_name=table)
        op.create_index(name, table, list(new))
    op.create_index("ix_notes_reuse", "notes", ["id", "author_id", "credit"])


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.drop_index("ix_notes_reuse", table_name="notes")
    for table, name, old, _ in _COVERING:
        op.drop_index(name, table_name=table)
        op.create_index(name if old else f"ix_{table}_note_id", table, list(old or ("note_id",)))
    if dialect == "sqlite":
        for name in (
            *(f"reuse_{t}_{w}" for t in _EVENTS for w in ("insert", "delete")),
            "reuse_notes_delete",
            "reuse_notes_update",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS reuse_{table} ON {table}")
        op.execute("DROP TRIGGER IF EXISTS reuse_notes_delete ON notes")
        op.execute("DROP TRIGGER IF EXISTS reuse_notes_update ON notes")
        op.execute("DROP FUNCTION IF EXISTS reuse_event()")
        op.execute("DROP FUNCTION IF EXISTS reuse_note()")
    op.drop_table("reuse_rollup")
    op.drop_table("reuse_daily")
