"""PostgreSQL: ``tsvector`` + GIN for keywords, pgvector HNSW for meaning.

HNSW with iterative scans keeps filtered queries' recall: when the visibility and scope
filters reject candidates, the index scan goes on past ``ef_search`` instead of returning short.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pgvector.sqlalchemy import Vector
from sqlalchemy import ColumnClause, Float, Integer, cast, column, func, select, text
from sqlalchemy.orm import Session

from app.db.models import Note, Passage
from app.embedding.base import Embedder
from app.search.base import KeywordQuery, PassageHit, Scope, TermStats

_TSV: ColumnClause[Any] = column("tsv")
EXACT_SCAN_ACCOUNTS = 5  # scopes of up to this many accounts are scanned exactly


class PostgresIndex:
    def __init__(self, embedder: Embedder) -> None:
        self._embedder = embedder
        self._stats = TermStats(self._totals, self._matching)

    @staticmethod
    def _totals(session: Session) -> tuple[int, float]:
        count, mean = session.execute(
            select(func.count(), func.coalesce(func.avg(func.length(_TSV)), 1.0)).select_from(
                Passage
            )
        ).one()
        return int(count), float(mean) or 1.0

    @staticmethod
    def _matching(session: Session, term: str) -> int:
        tsquery = func.websearch_to_tsquery("english", f'"{term}"')
        found = session.scalar(
            select(func.count()).select_from(Passage).where(_TSV.op("@@")(tsquery))
        )
        return int(found or 0)

    def warm(self, session: Session) -> None:
        """Nothing to load: the vector index lives in PostgreSQL."""

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
        stats = self._stats.get(session, query.terms)
        # Candidates come from the selective terms only: a common word adds little to BM25 yet
        # would make the index return (and rank) most of the table. It still counts below.
        selective = stats.selective(query.terms, scoped=scope.account_ids is not None)
        if not selective:
            return []
        any_term = func.websearch_to_tsquery(
            "english", " or ".join(f'"{term}"' for term in selective)
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
        scored = [PassageHit(row[0], row[1], stats.bm25(row[2], row[3:])) for row in rows]
        scored.sort(key=lambda h: (-h.score, h.passage_id))
        return scored[:limit]

    def semantic(
        self, session: Session, vector: np.ndarray, scope: Scope, limit: int
    ) -> list[PassageHit]:
        query_vector = np.asarray(vector, dtype=np.float32)
        if scope.account_ids is not None and len(scope.account_ids) <= EXACT_SCAN_ACCOUNTS:
            # A few accounts' passages are few: scanning them exactly beats walking the graph
            # past every other account's neighbours, and recall is 1.0. This expression does
            # not match the HNSW index, so the planner takes the notes' account index.
            distance = Passage.embedding.op("<=>", return_type=Float)(
                cast(query_vector, Vector(self.dims))
            ).label("distance")
        else:
            session.execute(text("SET LOCAL hnsw.iterative_scan = relaxed_order"))
            session.execute(text(f"SET LOCAL hnsw.ef_search = {max(limit, 40)}"))
            # The cast and the vector_dims filter match the partial expression index exactly.
            typed = cast(Passage.embedding, Vector(self.dims))
            distance = typed.cosine_distance(query_vector).label("distance")
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
