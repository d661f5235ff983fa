"""PostgreSQL: ``tsvector`` + GIN for keywords, pgvector HNSW for meaning.

HNSW with iterative scans keeps filtered queries' recall: when the visibility and scope
filters reject candidates, the index scan goes on past ``ef_search`` instead of returning short.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import ColumnClause, cast, column, func, select, text
from sqlalchemy.orm import Session

from app.db.models import Note, Passage
from app.embedding.base import Embedder
from app.search.base import KeywordQuery, PassageHit, Scope

_TSV: ColumnClause[Any] = column("tsv")


class PostgresIndex:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder

    @property
    def model(self) -> str:
        return self._embedder.name

    @property
    def dims(self) -> int:
        return self._embedder.dims  # loads the model on first use, not at start-up

    def keyword(
        self, session: Session, query: KeywordQuery, scope: Scope, limit: int
    ) -> list[PassageHit]:
        if not query:
            return []
        # websearch_to_tsquery accepts any input safely; "or" between quoted terms ranks by
        # how many of them a passage holds instead of demanding all.
        tsquery = func.websearch_to_tsquery(
            "english", " or ".join(f'"{term}"' for term in query.terms)
        )
        # Normalisation 1: divide by 1 + log(length), close to BM25's damping of long text.
        rank = func.ts_rank(_TSV, tsquery, 1)
        stmt = (
            select(Passage.id, Passage.note_id, rank.label("rank"))
            .join(Note, Note.id == Passage.note_id)
            .where(_TSV.op("@@")(tsquery), *scope.conditions())
            .order_by(rank.desc(), Passage.id)
            .limit(limit)
        )
        return [PassageHit(pid, nid, float(score)) for pid, nid, score in session.execute(stmt)]

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
