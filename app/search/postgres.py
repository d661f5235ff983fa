"""PostgreSQL: ``tsvector`` + GIN for keywords, pgvector HNSW for meaning.

HNSW with iterative scans keeps filtered queries' recall: when the visibility and scope
filters reject candidates, the index scan goes on past ``ef_search`` instead of returning short.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import ColumnClause, ColumnElement, column, func, literal_column, select, text
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
        distance: ColumnElement[float] = literal_column(
            f"(passages.embedding::vector({self.dims})) <=> CAST(:qvec AS vector({self.dims}))"
        )
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
        rows = session.execute(stmt, {"qvec": _literal(vector)}).all()
        # relaxed_order may return near-ties slightly out of order.
        hits = [PassageHit(pid, nid, 1.0 - float(d)) for pid, nid, d in rows]
        return sorted(hits, key=lambda h: -h.score)


def _literal(vector: np.ndarray) -> str:
    return "[" + ",".join(f"{x:.7g}" for x in np.asarray(vector, dtype=np.float32)) + "]"
