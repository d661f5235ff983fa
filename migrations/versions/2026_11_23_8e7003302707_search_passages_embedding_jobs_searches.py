"""search passages embedding jobs searches

Revision ID: 8e7003302707
Revises: a5daa34fdce1
Create Date: 2026-11-23 04:02:14.504026
"""

import hashlib
import re
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from pgvector.sqlalchemy import Vector

revision: str = "8e7003302707"
down_revision: str | None = "a5daa34fdce1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # Needs a role allowed to create extensions (pgvector must be installed on the server).
        op.execute("CREATE EXTENSION IF NOT EXISTS vector")
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("query", sa.Text(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("took_ms", sa.Double(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_searches_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_searches")),
    )
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_searches_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_searches_user_id"), ["user_id"], unique=False)

    op.create_table(
        "embedding_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_embedding_jobs_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_embedding_jobs")),
        sa.UniqueConstraint("note_id", name=op.f("uq_embedding_jobs_note_id")),
    )
    with op.batch_alter_table("embedding_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_embedding_jobs_leased_until"), ["leased_until"], unique=False
        )

    op.create_table(
        "passages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("ordinal", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "embedding", sa.LargeBinary().with_variant(Vector(), "postgresql"), nullable=True
        ),
        sa.Column("model", sa.String(length=255), nullable=True),
        sa.Column("embedded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["note_id"], ["notes.id"], name=op.f("fk_passages_note_id_notes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_passages")),
        sa.UniqueConstraint("note_id", "ordinal", name=op.f("uq_passages_note_id_ordinal")),
    )
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_passages_note_id"), ["note_id"], unique=False)

    op.create_table(
        "search_impressions",
        sa.Column("search_id", sa.Integer(), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("note_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["note_id"],
            ["notes.id"],
            name=op.f("fk_search_impressions_note_id_notes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["search_id"],
            ["searches.id"],
            name=op.f("fk_search_impressions_search_id_searches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_search_impressions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("search_id", "rank", name=op.f("pk_search_impressions")),
    )
    with op.batch_alter_table("search_impressions", schema=None) as batch_op:
        batch_op.create_index("ix_search_impressions_note_at", ["note_id", "at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_search_impressions_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("search_seq", sa.BigInteger(), nullable=False, server_default="0")
        )
        batch_op.create_index(batch_op.f("ix_notes_search_seq"), ["search_seq"], unique=False)

    if op.get_bind().dialect.name == "postgresql":
        _create_postgres_search()
    else:
        _create_sqlite_search()
    _backfill_passages()


# The keyword and vector indexes are dialect-specific and invisible to autogenerate
# (app.db.migrate.include_object): FTS5 on SQLite, tsvector + GIN and pgvector HNSW on PostgreSQL.
def _create_sqlite_search() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE passages_fts USING fts5(text, content='passages', "
        "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')"
    )
    # Triggers keep the index in the same transaction as the passage rows.
    op.execute(
        "CREATE TRIGGER passages_fts_insert AFTER INSERT ON passages BEGIN "
        "INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text); END"
    )
    op.execute(
        "CREATE TRIGGER passages_fts_delete AFTER DELETE ON passages BEGIN "
        "INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text); "
        "END"
    )
    op.execute(
        "CREATE TRIGGER passages_fts_update AFTER UPDATE OF text ON passages BEGIN "
        "INSERT INTO passages_fts(passages_fts, rowid, text) VALUES ('delete', old.id, old.text); "
        "INSERT INTO passages_fts(rowid, text) VALUES (new.id, new.text); END"
    )


def _create_postgres_search() -> None:
    op.execute(
        "ALTER TABLE passages ADD COLUMN tsv tsvector "
        # Hyphens and slashes split words, as in SQLite's FTS5: PostgreSQL's parser would
        # read "INC-40412" as "inc" and the number -40412, so the id could never match.
        "GENERATED ALWAYS AS (to_tsvector('english', translate(text, '-/', '  '))) STORED"
    )
    op.execute("CREATE INDEX ix_passages_tsv ON passages USING gin (tsv)")
    # One partial HNSW index per vector size; this one serves the default 384-d model, and
    # `tacit reindex` adds the one a differently sized model needs.
    op.execute(
        "CREATE INDEX ix_passages_embedding_384 ON passages USING hnsw "
        "((embedding::vector(384)) vector_cosine_ops) WHERE vector_dims(embedding) = 384"
    )


def _backfill_passages() -> None:
    """Notes written before search existed get their passages and a job to embed them."""
    conn = op.get_bind()
    notes = conn.execute(sa.text("SELECT id, body FROM notes WHERE deleted_at IS NULL")).all()
    for note_id, body in notes:
        for ordinal, text in enumerate(_split_passages(body)):
            conn.execute(
                sa.text(
                    "INSERT INTO passages (note_id, ordinal, text, text_hash) "
                    "VALUES (:note_id, :ordinal, :text, :hash)"
                ),
                {"note_id": note_id, "ordinal": ordinal, "text": text, "hash": _text_hash(text)},
            )
        conn.execute(
            sa.text(
                "INSERT INTO embedding_jobs (note_id, created_at, generation, attempts) "
                "VALUES (:note_id, CURRENT_TIMESTAMP, 0, 0)"
            ),
            {"note_id": note_id},
        )


# A frozen copy of app.search.passages (split_passages, text_hash), taken when migrations
# stopped importing app code (December 2026): a migration must build the same rows forever,
# whatever the app's splitter becomes. A changed splitter re-splits a note on its next edit or
# on `tacit reindex`, never here.
_MAX_WORDS = 35
_MIN_WORDS = 8
_BLOCKS = re.compile(r"\n\s*\n")
_SENTENCES = re.compile(r"(?<=[.!?;])\s+|\n+")


def _words(text: str) -> int:
    return len(text.split())


def _windows(block: str) -> list[str]:
    sentences = [s.strip() for s in _SENTENCES.split(block) if s.strip()]
    windows: list[str] = []
    current: list[str] = []
    for sentence in sentences:
        if current and _words(" ".join([*current, sentence])) > _MAX_WORDS:
            windows.append(" ".join(current))
            current = current[-1:] if _words(current[-1]) < _MAX_WORDS // 2 else []
        current.append(sentence)
    if current:
        windows.append(" ".join(current))
    out: list[str] = []
    for window in windows:
        words = window.split()
        out += [" ".join(words[i : i + _MAX_WORDS]) for i in range(0, len(words), _MAX_WORDS)]
    return out


def _split_passages(text: str) -> list[str]:
    text = text.strip()
    if _words(text) <= _MAX_WORDS:
        return [text] if text else []
    merged: list[str] = []
    carry = ""
    for block in (b.strip() for b in _BLOCKS.split(text)):
        if not block:
            continue
        block = f"{carry}\n{block}" if carry else block
        carry = ""
        if _words(block) < _MIN_WORDS:
            carry = block
        else:
            merged.append(block)
    if carry:
        if merged and _words(merged[-1]) + _words(carry) <= _MAX_WORDS:
            merged[-1] = f"{merged[-1]}\n{carry}"
        else:
            merged.append(carry)
    passages: list[str] = []
    for block in merged:
        passages += [block] if _words(block) <= _MAX_WORDS else _windows(block)
    return passages


def _text_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_passages_embedding_384")
        op.execute("DROP INDEX IF EXISTS ix_passages_tsv")
    else:
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS passages_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS passages_fts")
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_search_seq"))
        batch_op.drop_column("search_seq")

    with op.batch_alter_table("search_impressions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_search_impressions_user_id"))
        batch_op.drop_index("ix_search_impressions_note_at")

    op.drop_table("search_impressions")
    with op.batch_alter_table("passages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_passages_note_id"))

    op.drop_table("passages")
    with op.batch_alter_table("embedding_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_embedding_jobs_leased_until"))

    op.drop_table("embedding_jobs")
    with op.batch_alter_table("searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_searches_user_id"))
        batch_op.drop_index(batch_op.f("ix_searches_at"))

    op.drop_table("searches")
