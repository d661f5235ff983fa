"""Filtered recall of PostgreSQL's HNSW search: a filter that keeps 1% of the notes must not
cost recall. Without iterative scans the index would return ``ef_search`` neighbours, drop the
99% the filter rejects, and come back nearly empty.

The vectors are synthetic (clustered, so the graph has the structure real embeddings give it)
and written as the worker would write them: what is under test is the index and the filtered
query, not the model.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import event, insert, text

from app.db.engine import Database
from app.db.models import Note, Passage, User, Visibility
from app.embedding.fake import HashingEmbedder
from app.search.base import Scope
from app.search.postgres import PostgresIndex, ensure_vector_index
from tests.factories import make_account, make_user

NOTES = 10_000
DIMS = 384
QUERIES = 40
K = 10


def _clustered(rng: np.random.Generator, count: int, centers: np.ndarray) -> np.ndarray:
    picked = centers[rng.integers(len(centers), size=count)]
    vectors = picked + 0.6 * rng.standard_normal((count, DIMS)).astype(np.float32) / np.sqrt(DIMS)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_hnsw_keeps_recall_under_a_filter_matching_one_percent(db: Database) -> None:
    rng = np.random.default_rng(7)
    centers = rng.standard_normal((64, DIMS)).astype(np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    vectors = _clustered(rng, NOTES, centers)
    writer = make_user(db, "Wide Writer")
    account = make_account(db, "Recall Labs")
    # The filter: an observation window holding 1% of the notes, drawn independently of the
    # vectors, so the neighbours the graph meets first are mostly outside it.
    start = datetime(2020, 1, 1, tzinfo=UTC)
    in_window = rng.random(NOTES) < 0.01
    observed = [
        start + timedelta(days=400 + int(rng.integers(30)) if hit else int(rng.integers(390)))
        for hit in in_window
    ]
    embedder = HashingEmbedder(DIMS)
    with db.unit_of_work() as session:
        # Built after the bulk load, as for any large import (pgvector builds faster that way).
        session.execute(text("DROP INDEX ix_passages_embedding_384"))
        note_ids = session.scalars(
            insert(Note).returning(Note.id, sort_by_parameter_order=True),
            [
                {
                    "account_id": account,
                    "author_id": writer.id,
                    "team_id": None,
                    "body": f"note {i}",
                    "visibility": Visibility.company,
                    "observed_at": observed[i],
                }
                for i in range(NOTES)
            ],
        ).all()
        session.execute(
            insert(Passage),
            [
                {
                    "note_id": note_id,
                    "account_id": account,
                    "ordinal": 0,
                    "text": f"note {i}",
                    "text_hash": str(i),
                    "embedding": vectors[i],
                    "model": embedder.name,
                }
                for i, note_id in enumerate(note_ids)
            ],
        )
        ensure_vector_index(session, DIMS)
    with db.unit_of_work() as session:
        session.connection().execute(text("ANALYZE"))

    index = PostgresIndex(embedder)
    window = (start + timedelta(days=400), start + timedelta(days=430))
    inside = np.flatnonzero(in_window)
    assert 50 <= len(inside) <= 150  # about 1% of the notes
    captured: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: captured.append((a[2], a[3])))
    recalls = []
    with db.session(write=False) as session:
        viewer = session.get_one(User, writer.id)
        scope = Scope(viewer=viewer, since=window[0], until=window[1])
        for query in _clustered(rng, QUERIES, centers):
            hits = index.semantic(session, query, scope, 100)[:K]
            exact = inside[np.argsort(-(vectors[inside] @ query), kind="stable")[:K]]
            expected = {note_ids[i] for i in exact}
            recalls.append(len(expected & {h.note_id for h in hits}) / K)
        statement, parameters = next(c for c in reversed(captured) if "<=>" in c[0])
        explain = session.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
        plan = "\n".join(explain.scalars())
    # Recall measured on the graph, not on an exact plan the planner might have preferred.
    assert "Index Scan using ix_passages_embedding_384" in plan
    assert np.mean(recalls) >= 0.99, recalls
