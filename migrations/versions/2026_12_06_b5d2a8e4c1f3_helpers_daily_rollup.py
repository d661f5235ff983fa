"""the "colleagues helped" figure reads whole days from a daily rollup

``helpers_daily``: per author, colleague and UTC day, how many of the author's notes that
count as reuse (credit ``credited`` or not judged yet) the colleague opened or marked helpful,
for the days before ``reuse_rollup.rolled_until`` (the same watermark as ``reuse_daily``).
Counting the distinct colleagues of an author over two years then walks an index in order
instead of joining some 100,000 opens and marks to their notes and sorting them.

Triggers keep it exact on the same events as ``reuse_daily``'s: an open or mark written or
deleted for a rolled-up day, a note whose author or credit changes, a note erased. The
migration fills every day already rolled up.

Revision ID: b5d2a8e4c1f3
Revises: 7d3e5a1c9b20
Create Date: 2026-12-06 00:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b5d2a8e4c1f3"
down_revision: str | None = "7d3e5a1c9b20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (table, the condition on its row ``{row}`` for the row to count as help)
_EVENTS = (("note_views", "{row}.kind = 'opened'"), ("helpful_marks", "1 = 1"))
_UPSERT = (
    " ON CONFLICT (author_id, user_id, day) DO UPDATE SET "
    "events = helpers_daily.events + excluded.events"
)
_INSERT = "INSERT INTO helpers_daily (author_id, user_id, day, events) "
_ROLLED = "(SELECT rolled_until FROM reuse_rollup)"


def _day(dialect: str, column: str) -> str:
    return f"date({column})" if dialect == "sqlite" else f"(({column}) AT TIME ZONE 'UTC')::date"


def _reused(row: str) -> str:
    return f"({row}.credit IS NULL OR {row}.credit = 'credited')"


def _helped(dialect: str, where: str) -> str:
    """Every rolled-up open and mark matching ``where``: (note_id, user_id, day) rows."""
    return " UNION ALL ".join(
        f"SELECT note_id, user_id, {_day(dialect, 'at')} AS day FROM {table} "
        f"WHERE {counts.format(row=table)} AND {where}"
        for table, counts in _EVENTS
    )


def _move_note(dialect: str, row: str, sign: str) -> str:
    """Add (``sign`` '') or take away ('-') the note ``row``'s rolled-up help, under its
    author, if it counts as reuse."""
    return (
        _INSERT + f"SELECT {row}.author_id, user_id, day, {sign}count(*) "
        f"FROM ({_helped(dialect, f'note_id = {row}.id')}) AS helped "
        f"WHERE day < {_ROLLED} AND user_id != {row}.author_id AND {_reused(row)} "
        "GROUP BY user_id, day" + _UPSERT
    )


def _event(dialect: str, row: str, sign: str) -> str:
    """The one open or mark ``row`` added (``sign`` '') or taken away ('-')."""
    return (
        _INSERT + f"SELECT notes.author_id, {row}.user_id, {_day(dialect, f'{row}.at')}, {sign}1 "
        f"FROM notes WHERE notes.id = {row}.note_id AND notes.author_id != {row}.user_id "
        f"AND {_reused('notes')}" + _UPSERT
    )


def _sqlite_triggers() -> list[str]:
    statements = []
    for table, counts in _EVENTS:
        for when, row, sign in (("INSERT", "NEW", ""), ("DELETE", "OLD", "-")):
            statements.append(
                f"CREATE TRIGGER helpers_{table}_{when.lower()} AFTER {when} ON {table} "
                f"WHEN {counts.format(row=row)} AND date({row}.at) < {_ROLLED} BEGIN "
                + _event("sqlite", row, sign)
                + "; END"
            )
    # Before the row goes: its events are still there to count.
    statements.append(
        "CREATE TRIGGER helpers_notes_delete BEFORE DELETE ON notes BEGIN "
        + _move_note("sqlite", "OLD", "-")
        + "; END"
    )
    statements.append(
        "CREATE TRIGGER helpers_notes_update AFTER UPDATE OF author_id, credit ON notes "
        f"WHEN OLD.author_id != NEW.author_id OR {_reused('OLD')} != {_reused('NEW')} BEGIN "
        + _move_note("sqlite", "OLD", "-")
        + "; "
        + _move_note("sqlite", "NEW", "")
        + "; END"
    )
    return statements


def _postgres_triggers() -> list[str]:
    statements = []
    for table, counts in _EVENTS:
        statements.append(
            f"CREATE FUNCTION helpers_{table}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            "BEGIN\n"
            "  IF TG_OP = 'INSERT' THEN\n"
            f"    IF {counts.format(row='NEW')} AND {_day('postgresql', 'NEW.at')} < {_ROLLED}"
            f" THEN {_event('postgresql', 'NEW', '')}; END IF;\n"
            f"  ELSIF {counts.format(row='OLD')} AND {_day('postgresql', 'OLD.at')} < {_ROLLED}"
            f" THEN {_event('postgresql', 'OLD', '-')};\n"
            "  END IF;\n  RETURN NULL;\nEND $$"
        )
        statements.append(
            f"CREATE TRIGGER helpers_{table} AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION helpers_{table}()"
        )
    statements += [
        "CREATE FUNCTION helpers_note() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        "BEGIN\n  "
        + _move_note("postgresql", "OLD", "-")
        + ";\n  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;\n  "
        + _move_note("postgresql", "NEW", "")
        + ";\n  RETURN NEW;\nEND $$",
        "CREATE TRIGGER helpers_notes_delete BEFORE DELETE ON notes "
        "FOR EACH ROW EXECUTE FUNCTION helpers_note()",
        "CREATE TRIGGER helpers_notes_update AFTER UPDATE OF author_id, credit ON notes "
        f"FOR EACH ROW WHEN (OLD.author_id <> NEW.author_id OR {_reused('OLD')} <> "
        f"{_reused('NEW')}) EXECUTE FUNCTION helpers_note()",
    ]
    return statements


def _backfill(dialect: str) -> str:
    return (
        _INSERT + "SELECT notes.author_id, helped.user_id, helped.day, count(*) "
        f"FROM ({_helped(dialect, '1 = 1')}) AS helped JOIN notes ON notes.id = helped.note_id "
        f"WHERE helped.day < {_ROLLED} AND helped.user_id != notes.author_id "
        f"AND {_reused('notes')} GROUP BY notes.author_id, helped.user_id, helped.day"
    )


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "helpers_daily",
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("author_id", "user_id", "day", name=op.f("pk_helpers_daily")),
        sqlite_with_rowid=False,
    )
    op.execute(_backfill(dialect))
    for statement in _sqlite_triggers() if dialect == "sqlite" else _postgres_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in (
            *(f"helpers_{t}_{w}" for t, _ in _EVENTS for w in ("insert", "delete")),
            "helpers_notes_delete",
            "helpers_notes_update",
        ):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        for table, _ in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS helpers_{table} ON {table}")
            op.execute(f"DROP FUNCTION IF EXISTS helpers_{table}()")
        op.execute("DROP TRIGGER IF EXISTS helpers_notes_delete ON notes")
        op.execute("DROP TRIGGER IF EXISTS helpers_notes_update ON notes")
        op.execute("DROP FUNCTION IF EXISTS helpers_note()")
    op.drop_table("helpers_daily")
