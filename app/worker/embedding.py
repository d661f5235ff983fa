"""The embedding worker: claims queued jobs, embeds the passages that lack a vector from the
configured model, classifies them by topic along with the note's sentences that name a contact,
and stores all of it, the notes' review dates and any contradiction flags, and finishes the
jobs in one transaction.

Several workers may run at once (threads in ``tacit serve``, processes of ``tacit worker``):
a claim is a lease, taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and inside a short
``BEGIN IMMEDIATE`` transaction on SQLite, taken only after a read has seen a free job, so that
an idle worker never holds SQLite's write lock. The model runs outside any transaction. A
worker that dies leaves its lease to run out; the next one embeds what was never stored, so a
crash delays an embedding and never loses or duplicates one.

Inside ``tacit serve`` the worker has a model of its own where the backend allows it (ONNX
Runtime's threads belong to a session, torch's to the process): it may use every core while
the one that embeds questions keeps to one thread. It wakes as soon as a write in the same
process queues a job (``app.search.indexing.jobs_queued``) instead of at its next poll.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import numpy as np
from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Contact, EmbeddingJob, Mention, Note, Passage
from app.domain import credit, freshness
from app.embedding.base import Embedder
from app.search import influence_learned
from app.search.indexing import MAX_ATTEMPTS, bump_search_seq, enqueue_other_models, jobs_queued
from app.search.mentions import Person, SentenceMention, find_mentions
from app.search.topics import Classification, TopicModel
from app.services import Services
from app.telemetry.metrics import EMBEDDED_NOTES, EMBEDDING_ROUND_SECONDS
from app.worker.loop import LoopThread

log = logging.getLogger("tacit.worker")

LEASE = timedelta(seconds=120)
# Notes per round: ~1,000 passages per model call keeps the model busy (measured: 64 notes
# reached 0.81 of plain encode throughput, 256 about 0.92).
BATCH_NOTES = 256
RETRY_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    job_id: int
    note_id: int
    generation: int


def _free(now: datetime) -> ColumnElement[bool]:
    return or_(EmbeddingJob.leased_until.is_(None), EmbeddingJob.leased_until < now)


def claim_jobs(db: Database, *, limit: int, lease: timedelta = LEASE) -> list[Claim]:
    now = utcnow()
    with db.session(write=False) as session:
        if session.scalar(select(EmbeddingJob.id).where(_free(now)).limit(1)) is None:
            return []
    with db.unit_of_work() as session:
        free = (
            select(EmbeddingJob.id)
            .where(_free(now))
            .order_by(EmbeddingJob.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = session.execute(
            update(EmbeddingJob)
            .where(EmbeddingJob.id.in_(free.scalar_subquery()))
            .values(leased_until=now + lease, attempts=EmbeddingJob.attempts + 1)
            .returning(EmbeddingJob.id, EmbeddingJob.note_id, EmbeddingJob.generation)
        ).all()
    return [Claim(*row) for row in rows]


def run_once(db: Database, embedder: Embedder, *, batch_notes: int = BATCH_NOTES) -> int:
    """Process one batch of jobs; returns how many jobs it claimed (0: nothing to do)."""
    started = time.perf_counter()
    claims = claim_jobs(db, limit=batch_notes)
    if not claims:
        return 0
    try:
        _embed_claimed(db, embedder, claims)
    finally:
        EMBEDDING_ROUND_SECONDS.observe(time.perf_counter() - started)
    return len(claims)


def _embed_claimed(db: Database, embedder: Embedder, claims: list[Claim]) -> None:
    note_ids = [c.note_id for c in claims]
    topics = TopicModel.of(embedder)
    with db.session(write=False) as session:
        todo = session.execute(
            select(Passage.id, Passage.text, Passage.text_hash).where(
                Passage.note_id.in_(note_ids),
                or_(Passage.embedding.is_(None), Passage.model != embedder.name),
            )
        ).all()
        # Vectors stored before passages had topics: classified without embedding again.
        unclassified = session.execute(
            select(Passage.id, Passage.text_hash, Passage.embedding).where(
                Passage.note_id.in_(note_ids),
                Passage.topic.is_(None),
                Passage.embedding.is_not(None),
                Passage.model == embedder.name,
            )
        ).all()
        mentions, people = _mentions(session, note_ids)
    roles = influence_learned.load()
    if roles is not None and not roles.fits(embedder.name, embedder.dims):
        roles = None  # weights fitted on another model's vectors read nothing here
    # The sentences about one person, their name replaced, for the learned role reader.
    neutral = [
        influence_learned.neutral(m.text, people[m.contact_ids[0]].name, None)
        for _, m in mentions
        if roles is not None and len(m.contact_ids) == 1
    ]
    try:
        vectors = embed_distinct(
            embedder, [text for _, text, _ in todo] + [m.text for _, m in mentions] + neutral
        )
    except Exception as exc:  # a model failure must not kill the worker; the jobs retry
        log.exception("embedding failed for notes %s", note_ids)
        _release(db, claims, error=f"{type(exc).__name__}: {exc}")
        return
    passage_vectors = vectors[: len(todo)]
    sentence_vectors = vectors[len(todo) : len(todo) + len(mentions)]
    role_scores = roles.scores(vectors[len(todo) + len(mentions) :]) if roles else None
    passage_topics = topics.classify(passage_vectors)
    stored_topics = topics.classify(np.asarray([row[2] for row in unclassified], np.float32))
    now = utcnow()
    with db.unit_of_work() as session:
        table = cast(Table, Passage.__table__)
        guard = (table.c.id == bindparam("pid"), table.c.text_hash == bindparam("digest"))
        if todo:
            # One executemany; the hash guard leaves text edited since we read it for the
            # next round.
            session.execute(
                update(table)
                .where(*guard)
                .values(
                    embedding=bindparam("vector"),
                    model=embedder.name,
                    embedded_at=now,
                    topic=bindparam("topic"),
                ),
                [
                    {"pid": pid, "digest": digest, "vector": vector, "topic": found.topic}
                    for (pid, _, digest), vector, found in zip(
                        todo, passage_vectors, passage_topics, strict=True
                    )
                ],
            )
        if unclassified:
            session.execute(
                update(table).where(*guard).values(topic=bindparam("topic")),
                [
                    {"pid": pid, "digest": digest, "topic": found.topic}
                    for (pid, digest, _), found in zip(unclassified, stored_topics, strict=True)
                ],
            )
        _store_mentions(session, note_ids, mentions, topics.classify(sentence_vectors), role_scores)
        finished = 0
        for claim in claims:
            done = session.execute(
                delete(EmbeddingJob).where(
                    EmbeddingJob.id == claim.job_id, EmbeddingJob.generation == claim.generation
                )
            )
            finished += done.rowcount  # type: ignore[attr-defined]
            if done.rowcount == 0:  # type: ignore[attr-defined]
                # The note changed while we worked: hand the job straight back.
                session.execute(
                    update(EmbeddingJob)
                    .where(EmbeddingJob.id == claim.job_id)
                    .values(leased_until=None)
                )
        freshness.refresh_stale_after(session, note_ids)
        freshness.flag_contradictions(session, note_ids)
        credit.assign_credit(session, note_ids)
        bump_search_seq(session, note_ids)
    EMBEDDED_NOTES.inc(finished)


def embed_distinct(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """``embedder.embed(texts)``, each distinct text embedded once: a one-sentence passage is
    also the sentence that names a contact, and notes repeat lines ("Sent the deck.")."""
    distinct = list(dict.fromkeys(texts))
    if len(distinct) == len(texts):
        return embedder.embed(texts)
    where = {text: row for row, text in enumerate(distinct)}
    return embedder.embed(distinct)[[where[text] for text in texts]]


def _mentions(
    session: Session, note_ids: list[int]
) -> tuple[list[tuple[int, SentenceMention]], dict[int, Person]]:
    """The sentences of each note that name contacts of its account, and those contacts."""
    notes = session.execute(
        select(Note.id, Note.account_id, Note.body).where(
            Note.id.in_(note_ids), Note.deleted_at.is_(None)
        )
    ).all()
    people: dict[int, list[Person]] = defaultdict(list)
    for contact_id, account_id, name, title in session.execute(
        select(Contact.id, Contact.account_id, Contact.name, Contact.title).where(
            Contact.account_id.in_({account_id for _, account_id, _ in notes})
        )
    ):
        people[account_id].append(Person(contact_id, name, title))
    found = [
        (note_id, mention)
        for note_id, account_id, body in notes
        for mention in find_mentions(body, people[account_id])
    ]
    return found, {p.id: p for group in people.values() for p in group}


def _store_mentions(
    session: Session,
    note_ids: list[int],
    mentions: list[tuple[int, SentenceMention]],
    found: list[Classification],
    role_scores: np.ndarray | None,
) -> None:
    session.execute(delete(Mention).where(Mention.note_id.in_(note_ids)))
    # one row of scores per sentence naming one contact, in order
    scores = iter(role_scores if role_scores is not None else ())
    learned = [
        influence_learned.as_mapping(next(scores))
        if role_scores is not None and len(mention.contact_ids) == 1
        else None
        for _, mention in mentions
    ]
    rows = [
        {
            "note_id": note_id,
            "contact_id": contact_id,
            "ordinal": mention.ordinal,
            "text": mention.text,
            "topic": topic.topic,
            "score": topic.score,
            "named": len(mention.contact_ids),
            "role_scores": roles,
        }
        for (note_id, mention), topic, roles in zip(mentions, found, learned, strict=True)
        for contact_id in mention.contact_ids
    ]
    if rows:
        session.execute(insert(Mention), rows)


def _release(db: Database, claims: list[Claim], *, error: str) -> None:
    with db.unit_of_work() as session:
        for claim in claims:
            job = session.get(EmbeddingJob, claim.job_id)
            if job is None:
                continue
            job.last_error = error[:2000]
            # After MAX_ATTEMPTS the job stays parked (visible in /v1/status) until reindex.
            parked = job.attempts >= MAX_ATTEMPTS
            job.leased_until = utcnow() + (timedelta(days=3650) if parked else RETRY_AFTER)


def queue_other_models(db: Database, embedder: Embedder) -> int:
    """Queue the live notes that hold a vector of another model (or of the same model on
    another backend whose vectors differ: ``app.embedding.backends.vector_tag``) and have no
    job yet; how many. A worker does this as it starts, so that switching model or backend
    re-embeds the base without a ``tacit reindex``; until then search leaves those vectors
    out, as it leaves out a note not yet embedded."""
    with db.unit_of_work() as session:
        queued = enqueue_other_models(session, embedder.name)
    if queued:
        log.info("queued %d note(s) whose vectors are not %s", queued, embedder.name)
    return queued


def pending_jobs(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(EmbeddingJob)) or 0


def embedding_thread(services: Services, *, poll_seconds: float = 0.5) -> LoopThread:
    """An embedding worker running inside the API process (``tacit serve``), on its services,
    woken by the jobs this process queues."""
    db, embedder = services.database, services.worker_embedder
    starting = [True]

    def one_round() -> int:
        if starting:
            starting.clear()
            queue_other_models(db, embedder)
        return run_once(db, embedder)

    return LoopThread(
        "tacit-embedder",
        one_round,
        poll_seconds=poll_seconds,
        wake=jobs_queued,
    )
