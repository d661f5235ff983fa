"""SQLite: FTS5 (BM25) for keywords, an exact in-memory vector index for meaning.

Why not sqlite-vec: measured on this project's target machine (2 cores), a 150,000-passage
scan took 172 ms with ``vec_distance_cosine`` in SQL and 102 ms with a ``vec0`` table, against
12 ms for one numpy matrix product; the p95 budget for a whole search is 100 ms. So vectors are
stored in the ``passages`` table (the source of truth, written in transactions) and searched
from a matrix each process keeps in memory: exact (recall 1.0), refreshed before every search
from the notes whose ``search_seq`` rose since the last look, so it never serves stale data.
Visibility and filters are a mask computed from the same rule as the SQL predicate
(``Scope.readable``, from ``access.readable_by``), applied before ranking.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import ColumnElement, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from app.db.models import Event, Note, Passage, Visibility, note_contacts
from app.db.outbox import NOTE_ERASED
from app.embedding.base import Embedder
from app.search.base import (
    KeywordQuery,
    NoteSimilarity,
    PassageHit,
    Scope,
    TermStats,
    similarity_of,
)

_FTS = table("passages_fts", column("rowid"), column("passages_fts"))
_VISIBILITY = {v: i for i, v in enumerate(Visibility)}
_NONE = -1


class SqliteIndex:
    def __init__(self, embedder: Embedder) -> None:
        # Only the model's name: the vectors come stored, and the question embedded by the caller.
        self.model = embedder.name
        self.vectors = MemoryVectors(self.model)
        self._stats = TermStats(self._totals, self._matching)

    @staticmethod
    def _totals(session: Session) -> tuple[int, float]:
        return int(session.scalar(select(func.count()).select_from(Passage)) or 0), 1.0

    @staticmethod
    def _matching(session: Session, terms: list[str]) -> list[int]:
        # FTS5 counts from its posting lists: a term in 30,000 passages takes 2 ms.
        return [
            session.scalar(
                select(func.count())
                .select_from(_FTS)
                .where(_FTS.c.passages_fts.op("MATCH")(f'text : "{term}"'))
            )
            or 0
            for term in terms
        ]

    def keyword(
        self, session: Session, query: KeywordQuery, scope: Scope, limit: int
    ) -> list[PassageHit]:
        if not query or scope.account_ids == ():
            return []
        # Common words would make FTS5 score most of the table for little gain in ranking.
        stats = self._stats.get(session, query.terms)
        terms = stats.selective(query.terms, scoped=scope.account_ids is not None)
        if not terms:
            return []
        match = "text : ({})".format(" OR ".join(f'"{term}"' for term in terms))
        if scope.account_ids is not None:
            # FTS5 intersects the account's postings with the terms' before scoring, instead
            # of scoring every passage that holds a common word and joining afterwards.
            match += " AND account_id : ({})".format(" OR ".join(map(str, scope.account_ids)))
        # The account column is a filter, not evidence: it weighs nothing in the ranking.
        bm25: ColumnElement[float] = literal_column("bm25(passages_fts, 1.0, 0.0)")
        stmt = (
            select(Passage.id, Passage.note_id, bm25)
            .select_from(_FTS)
            .join(Passage, Passage.id == _FTS.c.rowid)
            .join(Note, Note.id == Passage.note_id)
            .where(_FTS.c.passages_fts.op("MATCH")(match), *scope.conditions())
            .order_by(bm25, Passage.id)
            .limit(limit)
        )
        # bm25() is lower-is-better; negate so that every retrieval ranks higher-is-better.
        return [PassageHit(pid, nid, -float(s)) for pid, nid, s in session.execute(stmt)]

    def semantic(
        self, session: Session, vector: np.ndarray, scope: Scope, limit: int
    ) -> list[PassageHit]:
        return self.vectors.search(session, vector, scope, limit)

    def similarity(
        self, session: Session, vector: np.ndarray, note_ids: Sequence[int]
    ) -> dict[int, NoteSimilarity]:
        return self.vectors.similarity(session, vector, note_ids)

    def warm(self, session: Session) -> None:
        self.vectors.refresh(session)

    def prepare(self, session: Session) -> None:
        """Nothing to create: FTS5 came with the migrations, and vectors of any size fit the
        ``passages`` column and the in-memory matrix."""


@dataclass
class _Rows:
    """Column arrays, one row per stored passage vector (dead rows are masked out)."""

    matrix: np.ndarray
    passage_id: np.ndarray
    note_id: np.ndarray
    visibility: np.ndarray
    author_id: np.ndarray
    team_id: np.ndarray
    account_id: np.ndarray
    observed: np.ndarray
    alive: np.ndarray
    size: int = 0

    @classmethod
    def empty(cls, dims: int, capacity: int = 1024) -> _Rows:
        def ints() -> np.ndarray:
            return np.full(capacity, _NONE, dtype=np.int64)

        return cls(
            matrix=np.zeros((capacity, dims), dtype=np.float32),
            passage_id=ints(),
            note_id=ints(),
            visibility=ints(),
            author_id=ints(),
            team_id=ints(),
            account_id=ints(),
            observed=np.zeros(capacity, dtype=np.float64),
            alive=np.zeros(capacity, dtype=bool),
        )

    def bury(self, indexes: list[int]) -> None:
        """Rows of a changed or erased note leave the search, and their vectors the memory:
        a vector of an erased person's sentence is as much theirs as the sentence."""
        self.alive[indexes] = False
        self.matrix[indexes] = 0.0

    def grown(self, needed: int) -> _Rows:
        capacity = len(self.alive)
        if self.size + needed <= capacity:
            return self
        new_capacity = max(capacity * 2, self.size + needed)
        bigger = _Rows.empty(self.matrix.shape[1], new_capacity)
        for name in (
            "matrix",
            "passage_id",
            "note_id",
            "visibility",
            "author_id",
            "team_id",
            "account_id",
            "observed",
            "alive",
        ):
            getattr(bigger, name)[: self.size] = getattr(self, name)[: self.size]
        bigger.size = self.size
        return bigger


class MemoryVectors:
    def __init__(self, model: str) -> None:
        self.model = model
        self._rows: _Rows | None = None
        self._rows_of_note: dict[int, list[int]] = {}
        self._seq = -1
        self._event = -1  # the last event of the outbox looked at for erasures
        self._lock = threading.Lock()

    def refresh(self, session: Session) -> _Rows | None:
        # One round trip, two index lookups: this runs before every search.
        top, event = session.execute(
            select(
                select(func.coalesce(func.max(Note.search_seq), 0)).scalar_subquery(),
                select(func.coalesce(func.max(Event.id), 0)).scalar_subquery(),
            )
        ).one()
        if top == self._seq and event == self._event:
            return self._rows
        with self._lock:
            # Erasures first: in a base older than AUTOINCREMENT a new note may have the id of
            # a note erased before.
            if event != self._event:
                self._forget_erased(session, since=self._event, top=event)
            if top != self._seq:
                self._load_changes(session, since=self._seq, top=top)
        return self._rows

    def _forget_erased(self, session: Session, *, since: int, top: int) -> None:
        """Drop the vectors of notes erased since the last look. An erased note's row is gone,
        so no sequence number announces it: its ``note.erased`` event does. Event ids are never
        reused (``AUTOINCREMENT``) and on SQLite are handed out in commit order, so no erasure
        falls between two looks. Only a process that searched nothing for the whole retention
        period (``TACIT_EVENT_RETENTION_DAYS``) can miss one; its hits are read back through
        ``notes``, where the erased note is gone, so even then no words of it are shown."""
        if self._rows is not None:
            erased = session.scalars(
                select(Event.note_id).where(
                    Event.id > since, Event.id <= top, Event.type == NOTE_ERASED
                )
            )
            for note_id in erased:
                self._rows.bury(self._rows_of_note.pop(note_id or 0, []))
        self._event = top

    def _load_changes(self, session: Session, *, since: int, top: int) -> None:
        notes = {
            row.id: row
            for row in session.execute(
                select(
                    Note.id,
                    Note.visibility,
                    Note.author_id,
                    Note.team_id,
                    Note.account_id,
                    Note.observed_at,
                    Note.deleted_at,
                ).where(Note.search_seq > since, Note.search_seq <= top)
            )
        }
        passages = session.execute(
            select(Passage.id, Passage.note_id, Passage.embedding).where(
                Passage.note_id.in_(
                    select(Note.id).where(
                        Note.search_seq > since, Note.search_seq <= top, Note.deleted_at.is_(None)
                    )
                ),
                Passage.model == self.model,
                Passage.embedding.is_not(None),
            )
        ).all()
        rows = self._rows
        if rows is None and passages:
            rows = _Rows.empty(len(passages[0].embedding), max(1024, len(passages)))
        if rows is not None:
            for note_id in notes:
                rows.bury(self._rows_of_note.pop(note_id, []))
            rows = rows.grown(len(passages))
            for passage_id, note_id, embedding in passages:
                note = notes[note_id]
                i = rows.size
                rows.matrix[i] = embedding
                rows.passage_id[i], rows.note_id[i] = passage_id, note_id
                rows.visibility[i] = _VISIBILITY[note.visibility]
                rows.author_id[i] = note.author_id
                rows.team_id[i] = note.team_id if note.team_id is not None else _NONE
                rows.account_id[i] = note.account_id
                rows.observed[i] = note.observed_at.timestamp()
                rows.alive[i] = True
                rows.size += 1
                self._rows_of_note.setdefault(note_id, []).append(i)
        self._rows, self._seq = rows, top

    def similarity(
        self, session: Session, vector: np.ndarray, note_ids: Sequence[int]
    ) -> dict[int, NoteSimilarity]:
        rows = self.refresh(session)
        if rows is None:
            return {}
        query = np.asarray(vector, dtype=np.float32)
        out = {}
        for note_id in note_ids:
            at = [i for i in self._rows_of_note.get(note_id, ()) if rows.alive[i]]
            if at:
                out[note_id] = similarity_of(rows.matrix[at], query)
        return out

    def search(
        self, session: Session, vector: np.ndarray, scope: Scope, limit: int
    ) -> list[PassageHit]:
        rows = self.refresh(session)
        if rows is None or rows.size == 0:
            return []
        n = rows.size
        mask = rows.alive[:n] & _mask(rows, n, scope, session)
        query = np.asarray(vector, dtype=np.float32)
        in_scope = int(mask.sum())
        k = min(limit, in_scope)
        if k == 0:
            return []
        if in_scope < n // 4:
            # A narrow scope (one account, one author): gathering its rows and scoring those
            # reads a fraction of the matrix, which is what a full product costs.
            where = np.flatnonzero(mask)
            scores = rows.matrix[where] @ query
        else:
            where = np.arange(n)
            scores = rows.matrix[:n] @ query
            scores[~mask] = -np.inf
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [
            PassageHit(int(rows.passage_id[row]), int(rows.note_id[row]), float(scores[at]))
            for at, row in zip(top, where[top], strict=True)
        ]


def _mask(rows: _Rows, n: int, scope: Scope, session: Session) -> np.ndarray:
    """``Scope.conditions`` evaluated over the arrays: the access rule, then the filters."""
    readable = np.zeros(n, dtype=bool)
    for clause in scope.readable:
        holds = np.ones(n, dtype=bool)
        for name, value in clause.items():
            code = _VISIBILITY[value] if name == "visibility" else value
            holds &= getattr(rows, name)[:n] == code
        readable |= holds
    if scope.account_ids is not None:
        readable &= np.isin(rows.account_id[:n], scope.account_ids)
    if scope.author_id is not None:
        readable &= rows.author_id[:n] == scope.author_id
    if scope.contact_id is not None:
        mentioning = list(
            session.scalars(
                select(note_contacts.c.note_id).where(
                    note_contacts.c.contact_id == scope.contact_id
                )
            )
        )
        readable &= np.isin(rows.note_id[:n], mentioning)
    if scope.since is not None:
        readable &= rows.observed[:n] >= scope.since.timestamp()
    if scope.until is not None:
        readable &= rows.observed[:n] < scope.until.timestamp()
    return readable
