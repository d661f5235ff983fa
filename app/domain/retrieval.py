"""Search: the question in, the notes that answer it out, ranked, quoted and attributed.

1. Understand the question: the accounts, people and years it names (``search.query``).
2. Retrieve passages by keyword and by meaning, each inside the same scope: what the asker may
   read, the explicit filters, and the recognised accounts.
3. Fuse per note (``search.fusion``): each retrieval's evidence standardised over the
   candidates and weighed, plus boosts for the named people and years, and a mild preference
   for fresher knowledge; the priors only as far as the question is about a sale.
4. Answer it directly when it asks for something the buying-influence map knows ("who signs
   off at X?": ``app.domain.answers``), and rank that answer's evidence notes first.
5. Quote the best passage with the query's words marked, and record who was shown what.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, defaultload, lazyload

from app.db.base import utcnow
from app.db.models import (
    Account,
    Contact,
    Note,
    NoteFlag,
    Search,
    SearchImpression,
    User,
    note_contacts,
)
from app.db.request import SideWrites
from app.domain import answers, results
from app.domain.access import readable_by, visible_notes
from app.embedding.base import Embedder
from app.search.base import KeywordQuery, Scope, SearchIndex, keyword_query
from app.search.fusion import Candidate, Weights, candidates, fuse
from app.search.intents import recognise
from app.search.listing import ListQuestion, recognise_list
from app.search.query import (
    Understanding,
    Vocabulary,
    about_a_sale,
    person_by_first_name,
    understand,
)
from app.search.topics import TopicModel
from app.telemetry.metrics import SEARCH_STAGE_SECONDS

M = TypeVar("M", Account, Contact)
# Passages each retrieval returns before fusion: measured on crm-dev and MED and CISI, 300
# gave fusion what 1,000 did (100 cost CISI 0.004 nDCG@10).
CANDIDATES = 300


@dataclass(frozen=True, kw_only=True)
class SearchRequest:
    q: str
    account_id: int | None = None
    contact_id: int | None = None
    author_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 10
    # False: accounts the question names do not narrow it (the web page's "any account").
    scope_to_named_accounts: bool = True


@dataclass
class Hit:
    note: Note
    score: float
    snippet: str
    matched: str  # "keyword", "meaning", "both", or "answer" (found only as its evidence)
    evidence: bool = False  # evidence for the search's answer
    confidence: float = 1.0  # the probability that it answers (app.domain.results)
    weak: bool = False  # below the confidence a match needs
    similar: list[int] = field(default_factory=list)  # near-duplicates it stands for
    group: str | None = None  # its group's key, for a question that asks for a list
    features: results.Features | None = None  # what its confidence was computed from


@dataclass
class SearchResult:
    hits: list[Hit]
    took_ms: float
    understanding: Understanding
    accounts: list[Account] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    search_id: int | None = None
    answer: answers.Answer | None = None
    groups: list[results.Group] = field(default_factory=list)
    listing: ListQuestion | None = None

    @property
    def confident(self) -> bool:
        """Whether any hit is a confident match."""
        return any(not hit.weak for hit in self.hits)


@dataclass
class SearchServices:
    """What a search needs besides the database, built once per process."""

    index: SearchIndex
    embedder: Embedder
    vocabulary: Vocabulary = field(default_factory=Vocabulary)
    weights: Weights = field(default_factory=Weights)
    topics: TopicModel | None = None

    def __post_init__(self) -> None:
        if self.topics is None:
            self.topics = TopicModel(self.embedder)


class _Stages:
    """Times each stage of a search into ``tacit_search_stage_duration_seconds``."""

    def __init__(self, started: float) -> None:
        self.last = started

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        SEARCH_STAGE_SECONDS.labels(name).observe(now - self.last)
        self.last = now


def search(
    session: Session, services: SearchServices, viewer: User, request: SearchRequest
) -> SearchResult:
    started = time.perf_counter()
    stage = _Stages(started)
    services.vocabulary.refresh(session)
    understanding = understand(services.vocabulary, request.q)
    named = understanding.account_ids if request.scope_to_named_accounts else []
    accounts: Sequence[int] | None = (
        [request.account_id] if request.account_id is not None else named or None
    )
    listing = recognise_list(request.q, text=understanding.text, accounts=len(accounts or ()))
    text = listing.topic if listing is not None else understanding.text
    scope = Scope(
        readable=readable_by(viewer),
        account_ids=tuple(accounts) if accounts else None,
        author_id=request.author_id,
        contact_id=request.contact_id,
        since=request.since,
        until=request.until,
    )
    if listing is not None:
        scope = results.narrowed(scope, understanding, services.vocabulary)
    keywords = keyword_query(" ".join([text, *understanding.contact_names]))
    stage("understand")
    question = services.embedder.embed([text])[0]
    vector = question
    topicality = services.topics.topicality(vector) if services.topics is not None else 0.0
    if not keywords.identifiers and services.topics is not None:
        vector = services.topics.expand(vector, pull=services.weights.pull * topicality)
    sale = about_a_sale(understanding, scoped=request.account_id is not None, topicality=topicality)
    stage("embed")
    # A note may fill several places with its passages: fetch enough for the hits asked for.
    depth = max(CANDIDATES, 3 * request.limit)
    lists = {
        "keyword": services.index.keyword(session, keywords, scope, depth),
        "semantic": services.index.semantic(session, vector, scope, depth),
    }
    if keywords.identifiers:
        codes = KeywordQuery(keywords.identifiers)
        lists["identifier"] = services.index.keyword(session, codes, scope, depth)
    found = candidates(lists)
    stage("retrieve")
    similarity = services.index.similarity(session, vector, list(found))
    fuse(found, lists, similarity, services.weights, sale=sale)
    observed = _observed_visible(session, viewer, list(found))
    _boost(session, found, observed, understanding, services.weights, sale=sale)
    ranked = sorted(
        (c for c in found.values() if c.note_id in observed),
        key=lambda c: (-c.score, -c.note_id),
    )
    answer = _answer(session, services, viewer, request, understanding)
    quoted: dict[int, str] = {}
    if answer is not None:
        quoted = _promoted(session, viewer, scope, answer)
        first = [found.get(i) or Candidate(i) for i in quoted]
        ranked = first + [c for c in ranked if c.note_id not in quoted]
    stage("rank")
    shaped = results.shape(
        session,
        viewer,
        [
            results.Ranked(c.note_id, c.score, c.best_passage, frozenset(c.by), c.note_id in quoted)
            for c in ranked
        ],
        question=question,
        model=services.embedder.name,
        keywords=keywords,
        listing=listing,
        limit=request.limit,
    )
    notes = _load_visible(session, viewer, [h.note_id for h in shaped.hits])
    hits = []
    for shown in shaped.hits:
        if shown.note_id not in notes:
            continue
        note = notes[shown.note_id]
        text = quoted.get(note.id) or shaped.passages.get(shown.passage_id or -1, note.body)
        hits.append(
            Hit(
                note=note,
                score=round(shown.score, 6),
                snippet=snippet(text, keywords),
                matched=_matched(set(shown.found_by)) if shown.found_by else "answer",
                evidence=shown.evidence,
                confidence=round(shown.confidence, 3),
                weak=shown.weak,
                similar=shown.similar,
                group=shown.group,
                features=shown.features,
            )
        )
    stage("shape")
    took = (time.perf_counter() - started) * 1000
    return SearchResult(
        hits=hits,
        took_ms=round(took, 2),
        understanding=understanding,
        accounts=_by_ids(session, Account, understanding.account_ids),
        contacts=_by_ids(session, Contact, understanding.contact_ids),
        answer=answer,
        groups=shaped.groups,
        listing=listing,
    )


def _answer(
    session: Session,
    services: SearchServices,
    viewer: User,
    request: SearchRequest,
    understanding: Understanding,
) -> answers.Answer | None:
    asked = recognise(request.q)
    if asked is None:
        return None
    contact_id = request.contact_id
    if contact_id is None and not understanding.contact_ids and asked.about_a_person:
        contact_id = person_by_first_name(services.vocabulary, request.q)
    about = answers.target(understanding, account_id=request.account_id, contact_id=contact_id)
    return answers.answer(session, services.index, viewer, asked, about)


def _promoted(
    session: Session, viewer: User, scope: Scope, answer: answers.Answer
) -> dict[int, str]:
    """The answer's evidence notes that the search's own filters let through, each with the
    sentence that bears the answer out: they lead the hits. Not for who-knows, whose answer is
    colleagues: their latest notes are context, and ranking them first cost nDCG on the dev
    influence set (0.814 to 0.785 on its who-knows questions)."""
    if answer.intent == "who_knows":
        return {}
    wanted = {e.note.id: e.text for e in answer.evidence}
    if not wanted:
        return {}
    stmt = select(Note.id).where(Note.id.in_(wanted), visible_notes(viewer))
    if scope.account_ids:
        stmt = stmt.where(Note.account_id.in_(scope.account_ids))
    if scope.author_id is not None:
        stmt = stmt.where(Note.author_id == scope.author_id)
    if scope.since is not None:
        stmt = stmt.where(Note.observed_at >= scope.since)
    if scope.until is not None:
        stmt = stmt.where(Note.observed_at < scope.until)
    if scope.contact_id is not None:
        stmt = stmt.where(
            Note.id.in_(
                select(note_contacts.c.note_id).where(
                    note_contacts.c.contact_id == scope.contact_id
                )
            )
        )
    allowed = set(session.scalars(stmt))
    return {note_id: text for note_id, text in wanted.items() if note_id in allowed}


def _by_ids(session: Session, model: type[M], ids: list[int]) -> list[M]:
    return (
        list(
            session.scalars(  # named by id and name only: none of their relationships
                select(model).where(model.id.in_(ids)).order_by(model.id).options(lazyload("*"))
            )
        )
        if ids
        else []
    )


def _matched(by: set[str]) -> str:
    lexical = bool(by & {"keyword", "identifier"})
    if lexical and "semantic" in by:
        return "both"
    return "keyword" if lexical else "meaning"


@dataclass(frozen=True)
class _Currency:
    observed_at: datetime
    superseded: bool
    contradicted: bool
    stale: bool


def _observed_visible(session: Session, viewer: User, note_ids: list[int]) -> dict[int, _Currency]:
    """When each candidate was observed and whether it is still current; a note the viewer
    may not read is left out (the retrievals filtered already, this guards against a change
    between them)."""
    if not note_ids:
        return {}
    flagged = (
        select(NoteFlag.id)
        .where(NoteFlag.note_id == Note.id, NoteFlag.resolved_at.is_(None))
        .exists()
    )
    stmt = select(
        Note.id, Note.observed_at, Note.superseded_by_id, flagged, Note.stale_after
    ).where(Note.id.in_(note_ids), visible_notes(viewer))
    now = utcnow()
    return {
        note_id: _Currency(seen_at, by is not None, bool(doubt), due is not None and due <= now)
        for note_id, seen_at, by, doubt, due in session.execute(stmt)
    }


def _load_visible(session: Session, viewer: User, note_ids: list[int]) -> dict[int, Note]:
    if not note_ids:
        return {}
    # A hit shows the note, its author and account: not the contacts or domains they carry.
    stmt = (
        select(Note)
        .where(Note.id.in_(note_ids), visible_notes(viewer))
        .options(lazyload(Note.contacts), defaultload(Note.account).lazyload(Account.domain_rows))
    )
    return {note.id: note for note in session.scalars(stmt).unique()}


def _boost(
    session: Session,
    candidates: dict[int, Candidate],
    observed: dict[int, _Currency],
    understanding: Understanding,
    weights: Weights,
    *,
    sale: float,
) -> None:
    """Boosts for the people named; for the years named, a freshness prior and a penalty for
    a note past its shelf life, each scaled by ``sale``: in notes about accounts a note's date
    is when its fact was learned, so a year in the question is the note's year, the newer of
    two facts is likelier current, and a topic of a sale ages; in other text (an archive of
    papers, with the dates it was imported on) none of that holds."""
    mentioned: set[int] = set()
    if understanding.contact_ids and observed:
        mentioned = set(
            session.scalars(
                select(note_contacts.c.note_id).where(
                    note_contacts.c.contact_id.in_(understanding.contact_ids),
                    note_contacts.c.note_id.in_(list(observed)),
                )
            )
        )
    now = utcnow()
    for note_id, cand in candidates.items():
        current = observed.get(note_id)
        if current is None:
            continue
        seen_at = current.observed_at
        if note_id in mentioned:
            cand.score += weights.contact
        if understanding.years and seen_at.year in understanding.years:
            cand.score += weights.year * sale
        age_days = max(0.0, (now - seen_at).total_seconds() / 86400)
        cand.score += weights.freshness * sale * math.exp(-age_days / weights.freshness_days)
        if current.superseded:
            cand.score -= weights.superseded
        elif current.contradicted:
            cand.score -= weights.contradicted
        elif current.stale:
            cand.score -= weights.stale * sale


SNIPPET_CHARS = 320


def snippet(text: str, query: KeywordQuery) -> str:
    """The passage around its first matching word, HTML-escaped, matches in ``<mark>``."""
    stems = [re.escape(w[: max(4, len(w) - 2)]) for term in query.terms for w in term.split()]
    pattern = re.compile(rf"\b(?:{'|'.join(stems)})\w*", re.I) if stems else None
    flat = " ".join(text.split())
    first = pattern.search(flat) if pattern else None
    start = 0
    if first and first.start() > SNIPPET_CHARS // 2 and len(flat) > SNIPPET_CHARS:
        start = flat.rfind(" ", 0, first.start() - SNIPPET_CHARS // 3) + 1
    window = flat[start : start + SNIPPET_CHARS]
    if start + SNIPPET_CHARS < len(flat):
        window = window[: window.rfind(" ")] + " …"
    if start:
        window = "… " + window
    if pattern is None:
        return html.escape(window)
    out, last = [], 0
    for match in pattern.finditer(window):
        out += [
            html.escape(window[last : match.start()]),
            f"<mark>{html.escape(match.group())}</mark>",
        ]
        last = match.end()
    out.append(html.escape(window[last:]))
    return "".join(out)


def record(
    writes: SideWrites,
    viewer: User,
    request: SearchRequest,
    result: SearchResult,
    *,
    source: str = "api",
) -> None:
    """Who was shown which note at which rank: what reuse analytics credit authors for, and
    where the question came from (``source``: "api", "web", "mcp").
    Buffered; ``result.search_id`` is set once it is written."""

    def write(session: Session) -> None:
        entry = Search(
            user_id=viewer.id,
            query=request.q[:2000],
            account_id=request.account_id,
            hits=len(result.hits),
            took_ms=result.took_ms,
            source=source,
        )
        session.add(entry)
        session.flush()
        now = utcnow()
        session.add_all(
            SearchImpression(
                search_id=entry.id, rank=rank, note_id=hit.note.id, user_id=viewer.id, at=now
            )
            for rank, hit in enumerate(result.hits, start=1)
            # Reuse is by others: a reader's own notes in their results are not impressions.
            if hit.note.author_id != viewer.id
        )
        result.search_id = entry.id

    writes.defer(write)
