"""The search index interface, and what both backends share: the scope every retrieval is
filtered by, and how a question becomes keyword terms."""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.db.models import Note, Passage, note_contacts
from app.db.predicates import Clause, notes_matching


@dataclass(frozen=True, kw_only=True)
class Scope:
    """Which notes the question may return: those the asker may read, narrowed by filters.
    Applied inside each retrieval, as conditions over passages joined with their notes.

    ``readable`` is the asker's access rule as data (``app.domain.access.readable_by``), which
    the domain puts here: search applies the rule without knowing it. No clause, no note."""

    readable: tuple[Clause, ...]
    account_ids: tuple[int, ...] | None = None
    author_id: int | None = None
    contact_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = [notes_matching(self.readable)]
        if self.account_ids is not None:
            conditions.append(Passage.account_id.in_(self.account_ids))
        if self.author_id is not None:
            conditions.append(Note.author_id == self.author_id)
        if self.contact_id is not None:
            conditions.append(
                Note.id.in_(
                    select(note_contacts.c.note_id).where(
                        note_contacts.c.contact_id == self.contact_id
                    )
                )
            )
        if self.since is not None:
            conditions.append(Note.observed_at >= self.since)
        if self.until is not None:
            conditions.append(Note.observed_at < self.until)
        return conditions


@dataclass(frozen=True)
class PassageHit:
    passage_id: int
    note_id: int
    score: float  # higher is better, comparable only within one retrieval


@dataclass(frozen=True)
class NoteSimilarity:
    """How close a note's stored vectors are to a question vector (cosines)."""

    best: float  # its closest passage
    second: float  # its second closest (the closest again, for a note of one passage)
    whole: float  # the mean of its passage vectors: the note taken as a whole


@dataclass
class KeywordQuery:
    """Terms OR-ed together; a term of several words is a phrase (``INC-43399`` → "inc 43399").

    ``identifiers`` are the terms that look like codes (ticket and order numbers, SKUs,
    acronyms such as HITRUST): a note holding one is very likely what was asked for.
    """

    terms: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.terms)


class TermStats:
    """Collection statistics for keyword ranking: how many passages there are, their mean
    length, and how many hold each term. Counted with the keyword index and kept a while,
    since they drift slowly."""

    TTL = 300.0
    K1, B = 1.2, 0.75

    def __init__(
        self,
        totals: Callable[[Session], tuple[int, float]],
        matching: Callable[[Session, list[str]], list[int]],
    ) -> None:
        self._count_totals, self._count_matching = totals, matching
        self._lock = threading.Lock()
        self._totals: tuple[float, int, float] = (-math.inf, 0, 1.0)  # when, passages, length
        self._df: dict[str, tuple[float, int]] = {}

    def get(self, session: Session, terms: list[str]) -> TermSnapshot:
        now = time.monotonic()
        with self._lock:
            if now - self._totals[0] > self.TTL:
                self._totals = (now, *self._count_totals(session))
            if len(self._df) > 50_000:
                self._df.clear()
            stale = [t for t in terms if now - self._df.get(t, (-math.inf, 0))[0] > self.TTL]
            if stale:
                for term, count in zip(stale, self._count_matching(session, stale), strict=True):
                    self._df[term] = (now, count)
            return TermSnapshot(
                self._totals[1], self._totals[2], [self._df[term][1] for term in terms]
            )


@dataclass(frozen=True)
class TermSnapshot:
    passages: int
    mean_length: float
    df: list[int]

    def selective(self, terms: list[str], *, scoped: bool = False) -> list[str]:
        """The terms rare enough to find candidates with: a word in one passage of 200 adds
        little to a ranking but would make the index return, and score, a large part of the
        table. Failing those: inside an account's notes, where a common word still tells
        notes apart, the two rarest terms; across the base, the rarest if not too common,
        else none, leaving the question to the meaning retrieval."""
        limit = max(500, self.passages // 200)
        by_rarity = sorted(zip(self.df, terms, strict=True))
        chosen = [term for df, term in by_rarity if df <= limit]
        if chosen:
            return chosen
        if scoped:
            return [term for _, term in by_rarity[:2]]
        return [by_rarity[0][1]] if by_rarity and by_rarity[0][0] <= 5 * limit else []

    def bm25(self, length: int, present: Sequence[int]) -> float:
        """BM25 of a passage of ``length`` words holding the terms flagged in ``present``."""
        norm = TermStats.K1 * (1 - TermStats.B + TermStats.B * (length or 1) / self.mean_length)
        score = 0.0
        for df, hit in zip(self.df, present, strict=True):
            if hit:
                idf = math.log(1 + (self.passages - df + 0.5) / (df + 0.5))
                score += idf * (TermStats.K1 + 1) / (1 + norm)
        return score


class SearchIndex(Protocol):
    """Keyword and semantic retrieval of passages, each filtered by a ``Scope`` in its query.

    A backend is built by ``app.search.factory.open_index`` from the embedder whose vectors it
    searches, and passes ``tests/integration/test_search_contract.py``. Both retrievals return
    at most ``limit`` hits, best first (``PassageHit.score`` higher is better), and never a
    passage of a deleted note or one outside the scope."""

    def warm(self, session: Session) -> None:
        """Load whatever the first search would otherwise wait for."""
        ...

    def prepare(self, session: Session) -> None:
        """Create what storing and searching this embedder's vectors needs, in the caller's
        transaction. ``tacit reindex`` runs it after a model change, so that the CLI need not
        know what each backend keeps."""
        ...

    def keyword(
        self, session: Session, query: KeywordQuery, scope: Scope, limit: int
    ) -> list[PassageHit]: ...

    def semantic(
        self, session: Session, vector: np.ndarray, scope: Scope, limit: int
    ) -> list[PassageHit]: ...

    def similarity(
        self, session: Session, vector: np.ndarray, note_ids: Sequence[int]
    ) -> dict[int, NoteSimilarity]:
        """For notes already retrieved within a scope: how close each one's vectors are to
        ``vector``, over all its passages, not only those a retrieval returned. A note with
        no vector of this model yet is left out."""
        ...


# A question's filler words: they would make every passage a keyword match.
_FILLER = """
    a about above after again all am an and any anybody anyone anything are as at be been
    before being below between both but by can colleagues could did do does doing down during
    each else ever every few for from further get got had has have having he her here hers him
    his how i if in into is it its itself just know let like me more most my no nor not now of
    off on once only or other our ours out over own same say said she should so some such tell
    than that the their theirs them then there these they this those through to too under until
    up us very was we were what when where which while who whom whose why will with would you
    your yours
"""
STOPWORDS = frozenset(_FILLER.split())
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:[-/.#&'][A-Za-z0-9]+)*")
_YEARS = re.compile(r"(1[5-9]|20)\d\d(s|'s|[-/]((1[5-9]|20)?\d\d))?", re.I)


def written_in_capitals(text: str) -> bool:
    """Whether ``text`` is written all in capitals ("I AM INTERESTED IN ..."): old records,
    forms, pasted telex. Then a word's capitals tell nothing (every word would be an acronym).
    A short question of codes alone ("VPAT BAA") is not: it takes four words or more."""
    words = re.findall(r"[A-Za-z]{2,}", text)
    return len(words) >= 4 and not any(c.islower() for c in text)


def keyword_query(text: str) -> KeywordQuery:
    terms: list[str] = []
    identifiers: list[str] = []
    capitals = written_in_capitals(text)
    for token in _TOKEN.findall(text):
        parts = [p for p in re.split(r"[-/.#&']", token.lower()) if p]
        term = " ".join(parts)
        if len(parts) == 1 and (term in STOPWORDS or (len(term) < 2 and not term.isdigit())):
            continue
        terms.append(term)
        # A code mixes letters and digits or joins numbers ("PO 7700-755208"); a bare number,
        # a year, a decade ("1960s") or a span of years ("1972-1979") is not one.
        code = (
            any(c.isdigit() for c in token)
            and (len(parts) > 1 or not token.isdigit())
            and not _YEARS.fullmatch(token)
        )
        acronym = not capitals and token.isupper() and sum(c.isalpha() for c in token) >= 3
        if (code and len(token) >= 4) or acronym:
            identifiers.append(term)
    return KeywordQuery(list(dict.fromkeys(terms)), list(dict.fromkeys(identifiers)))


def similarity_of(passages: np.ndarray, vector: np.ndarray) -> NoteSimilarity:
    """``NoteSimilarity`` of one note's passage vectors (rows, normalised) to ``vector``."""
    cosines = np.sort(passages @ vector)[::-1]
    mean = passages.mean(axis=0)
    norm = float(np.linalg.norm(mean))
    return NoteSimilarity(
        best=float(cosines[0]),
        second=float(cosines[1] if len(cosines) > 1 else cosines[0]),
        whole=float(mean @ vector) / norm if norm else 0.0,
    )
