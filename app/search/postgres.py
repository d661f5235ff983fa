"""PostgreSQL: ``tsvector`` + GIN for keywords, pgvector HNSW for meaning.

HNSW with iterative scans keeps filtered queries' recall: when the visibility and scope
filters reject candidates, the index scan goes on past ``ef_search`` instead of returning short.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import ColumnClause, Integer, cast, column, func, select, text
from sqlalchemy.orm import Session

from app.db.models import Note, Passage
from app.embedding.base import Embedder
from app.search.base import KeywordQuery, PassageHit, Scope

_TSV: ColumnClause[Any] = column("tsv")


class _Stats:
    """Collection statistics for BM25: passages, their mean length, and how many passages
    hold each term. Counted with the GIN index and kept for a while: they drift slowly."""

    TTL = 300.0
    K1, B = 1.2, 0.75

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals: tuple[float, int, float] = (0.0, 0, 1.0)  # (when, passages, mean length)
        self._df: dict[str, tuple[float, int]] = {}
        self.passages, self.mean_length, self.df = 0, 1.0, [0]

    def get(self, session: Session, terms: list[str]) -> _Stats:
        now = time.monotonic()
        with self._lock:
            if now - self._totals[0] > self.TTL:
                count, mean = session.execute(
                    select(
                        func.count(), func.coalesce(func.avg(func.length(_TSV)), 1.0)
                    ).select_from(Passage)
                ).one()
                self._totals = (now, int(count), float(mean) or 1.0)
            if len(self._df) > 50_000:
                self._df.clear()
            for term in terms:
                cached = self._df.get(term)
                if cached is None or now - cached[0] > self.TTL:
                    tsquery = func.websearch_to_tsquery("english", f'"{term}"')
                    df = session.scalar(
                        select(func.count()).select_from(Passage).where(_TSV.op("@@")(tsquery))
                    )
                    self._df[term] = (now, int(df or 0))
            snapshot = _Stats()
            snapshot.passages, snapshot.mean_length = self._totals[1], self._totals[2]
            snapshot.df = [self._df[term][1] for term in terms]
        return snapshot

    def bm25(self, length: int, present: Sequence[int]) -> float:
        norm = self.K1 * (1 - self.B + self.B * (length or 1) / self.mean_length)
        score = 0.0
        for df, hit in zip(self.df, present, strict=True):
            if hit:
                idf = math.log(1 + (self.passages - df + 0.5) / (df + 0.5))
                score += idf * (self.K1 + 1) / (1 + norm)
        return score


class PostgresIndex:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._stats = _Stats()

    @property
    def model(self) -> str:
        return self._embedder.name

    @property
    def dims(self) -> int:
        return self._embedder.dims  # loads the model on first use, not at start-up

    def keyword(
        self, session: Session, query: KeywordQuery, scope: Scope, limit: int
    ) -> list[PassageHit]:
        """BM25, as SQLite's FTS5 ranks: ``ts_rank`` knows no inverse document frequency, so
        the GIN index finds candidates and each is rescored with the terms' rarity."""
        if not query:
            return []
        # websearch_to_tsquery accepts any input safely; "or" between quoted terms matches a
        # passage holding any of them.
        any_term = func.websearch_to_tsquery(
            "english", " or ".join(f'"{term}"' for term in query.terms)
        )
        each = [func.websearch_to_tsquery("english", f'"{term}"') for term in query.terms]
        stmt = (
            select(
                Passage.id,
                Passage.note_id,
                func.length(_TSV),
                *(_TSV.op("@@")(term).cast(Integer) for term in each),
            )
            .join(Note, Note.id == Passage.note_id)
            .where(_TSV.op("@@")(any_term), *scope.conditions())
            .order_by(func.ts_rank(_TSV, any_term, 1).desc(), Passage.id)
            .limit(max(limit * 5, 500))
        )
        rows = session.execute(stmt).all()
        if not rows:
            return []
        stats = self._stats.get(session, query.terms)
        scored = [PassageHit(row[0], row[1], stats.bm25(row[2], row[3:])) for row in rows]
        scored.sort(key=lambda h: (-h.score, h.passage_id))
        return scored[:limit]

    def semantic(
        self, session: Session, vector: np.ndarray, scope: Scope, limit: int
    ) -> list[PassageHit]:
        session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
        session.execute(text(f"SET LOCAL hnsw.ef_search = {max(limit, 40)}"))
        # The cast and the vector_dims filter match the partial expression index exactly.
        typed = cast(Passage.embedding, Vector(self.dims))
        distance = typed.cosine_distance(np.asarray(vector, dtype=np.float32)).label("distance")
        stmt = (
            select(Passage.id, Passage.note_id, distance)
            .join(Note, Note.id == Passage.note_id)
            .where(
                func.vector_dims(Passage.embedding) == self.dims,
                Passage.model == self.model,
                *scope.conditions(),
            )
            .order_by(distance)
            .limit(limit)
        )
        # relaxed_order may return near-ties slightly out of order.
        hits = [PassageHit(pid, nid, 1.0 - float(d)) for pid, nid, d in session.execute(stmt)]
        return sorted(hits, key=lambda h: -h.score)


def ensure_vector_index(session: Session, dims: int) -> None:
    """The partial HNSW index for vectors of ``dims`` (the migration made the 384-d one)."""
    session.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS ix_passages_embedding_{dims} ON passages USING hnsw "
            f"((embedding::vector({dims})) vector_cosine_ops) WHERE vector_dims(embedding) = {dims}"
        )
    )
