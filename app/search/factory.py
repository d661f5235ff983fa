"""The one place a search backend is chosen: by the database that holds the notes, since each
backend searches with its database's own machinery (FTS5 and a matrix in memory; tsvector and
pgvector). Every backend is built from the same argument, the embedder whose vectors it
searches."""

from __future__ import annotations

from collections.abc import Callable

from app.db.engine import Database
from app.embedding.base import Embedder
from app.search.base import SearchIndex
from app.search.postgres import PostgresIndex
from app.search.sqlite import SqliteIndex

BACKENDS: dict[str, Callable[[Embedder], SearchIndex]] = {
    "sqlite": SqliteIndex,
    "postgresql": PostgresIndex,
}


def open_index(db: Database, embedder: Embedder) -> SearchIndex:
    """The search index over ``db``'s notes, for vectors of ``embedder``'s model."""
    backend = BACKENDS.get(db.dialect)
    if backend is None:  # make_engine refuses other databases first; this says why here
        raise ValueError(f"no search backend for {db.dialect!r}: use sqlite or postgresql")
    return backend(embedder)
