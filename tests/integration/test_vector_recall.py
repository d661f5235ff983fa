"""Filtered recall of PostgreSQL's HNSW search: a filter must not cost recall. Without
iterative scans the index would return ``ef_search`` neighbours, drop the ones the filter
rejects (99% of them for a 1% filter) and come back nearly empty.

The vectors are synthetic (clustered, so the graph has the structure real embeddings give it)
and written as the worker would write them: what is under test is the index and the filtered
query, not the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy import event, insert, text

from app.db.engine import Database
from app.db.models import Note, Passage, User, Visibility
from app.domain.access import readable_by
from app.embedding.fake import HashingEmbedder
from app.search.base import Scope
from app.search.postgres import PostgresIndex, ensure_vector_index
from tests.factories import make_account, make_user
from tests.worlds import Site, world_template

NOTES = 10_000
DIMS = 384
QUERIES = 40
K = 10
START = datetime(2020, 1, 1, tzinfo=UTC)
WINDOW = (START + timedelta(days=400), START + timedelta(days=430))

pytestmark = pytest.mark.db("postgres")


@dataclass
class Base:
    writer: int
    note_ids: list[int]
    vectors: np.ndarray
    centers: np.ndarray
    in_window: np.ndarray  # observed inside WINDOW: 1% of the notes
    accounts: np.ndarray  # each note's account: "big" holds 20% of the notes, "tiny" 1%
    account_ids: dict[str, int]


def _clustered(rng: np.random.Generator, count: int, centers: np.ndarray) -> np.ndarray:
    picked = centers[rng.integers(len(centers), size=count)]
    vectors = picked + 0.6 * rng.standard_normal((count, DIMS)).astype(np.float32) / np.sqrt(DIMS)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@world_template
def base(site: Site) -> Base:
    """10,000 one-passage notes. Both filters are drawn independently of the vectors, so the
    neighbours the graph meets first are mostly outside them."""
    db = site.db
    rng = np.random.default_rng(7)
    centers = rng.standard_normal((64, DIMS)).astype(np.float32)
    centers /= np.linalg.norm(centers, axis=1, keepdims=True)
    vectors = _clustered(rng, NOTES, centers)
    writer = make_user(db, "Wide Writer")
    account_ids = {name: make_account(db, f"{name} co") for name in ("big", "tiny", "rest")}
    in_window = rng.random(NOTES) < 0.01
    accounts = rng.choice(["big", "tiny", "rest"], size=NOTES, p=[0.2, 0.01, 0.79])
    observed = [
        START + timedelta(days=400 + int(rng.integers(30)) if hit else int(rng.integers(390)))
        for hit in in_window
    ]
    with db.unit_of_work() as session:
        # Built after the bulk load, as for any large import (pgvector builds faster that way).
        session.execute(text("DROP INDEX ix_passages_embedding_384"))
        note_ids = session.scalars(
            insert(Note).returning(Note.id, sort_by_parameter_order=True),
            [
                {
                    "account_id": account_ids[accounts[i]],
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
                    "account_id": account_ids[accounts[i]],
                    "ordinal": 0,
                    "text": f"note {i}",
                    "text_hash": str(i),
                    "embedding": vectors[i],
                    "model": HashingEmbedder(DIMS).name,
                }
                for i, note_id in enumerate(note_ids)
            ],
        )
        ensure_vector_index(session, DIMS)
    with db.unit_of_work() as session:
        session.connection().execute(text("ANALYZE"))
    return Base(writer.id, list(note_ids), vectors, centers, in_window, accounts, account_ids)


def _recall_and_plan(
    db: Database, base: Base, inside: np.ndarray, **filters: object
) -> tuple[float, str]:
    """Mean recall@10 of ``semantic`` against exact search over the notes ``inside`` the
    filter, and the plan of its last statement."""
    index = PostgresIndex(HashingEmbedder(DIMS))
    queries = _clustered(np.random.default_rng(11), QUERIES, base.centers)
    captured: list[tuple[str, object]] = []
    event.listen(db.engine, "before_cursor_execute", lambda *a: captured.append((a[2], a[3])))
    rows = np.flatnonzero(inside)
    recalls = []
    with db.session(write=False) as session:
        viewer = session.get_one(User, base.writer)
        scope = Scope(readable=readable_by(viewer), **filters)  # type: ignore[arg-type]
        for query in queries:
            hits = index.semantic(session, query, scope, 100)[:K]
            exact = rows[np.argsort(-(base.vectors[rows] @ query), kind="stable")[:K]]
            expected = {base.note_ids[i] for i in exact}
            recalls.append(len(expected & {h.note_id for h in hits}) / K)
        statement, parameters = next(c for c in reversed(captured) if "<=>" in c[0])
        explain = session.connection().exec_driver_sql("EXPLAIN " + statement, parameters)
        return float(np.mean(recalls)), "\n".join(explain.scalars())


def test_hnsw_keeps_recall_under_a_filter_matching_one_percent(db: Database, base: Base) -> None:
    assert 50 <= base.in_window.sum() <= 150  # about 1% of the notes
    recall, plan = _recall_and_plan(db, base, base.in_window, since=WINDOW[0], until=WINDOW[1])
    # Recall measured on the graph, not on an exact plan the planner might have preferred.
    assert "Index Scan using ix_passages_embedding_384" in plan
    assert recall >= 0.99


def test_a_large_account_is_searched_through_the_graph_and_keeps_recall(
    db: Database, base: Base
) -> None:
    recall, plan = _recall_and_plan(
        db, base, base.accounts == "big", account_ids=(base.account_ids["big"],)
    )
    assert "Index Scan using ix_passages_embedding_384" in plan  # too large to scan exactly
    assert recall >= 0.99


def test_a_small_account_is_scanned_exactly(db: Database, base: Base) -> None:
    recall, plan = _recall_and_plan(
        db, base, base.accounts == "tiny", account_ids=(base.account_ids["tiny"],)
    )
    assert "ix_passages_embedding_384" not in plan
    assert recall == 1.0
