"""The embedding worker: claims queued jobs, embeds the passages that lack a vector from the
configured model, and stores the vectors and finishes the jobs in one transaction.

Several workers may run at once (threads in ``tacit serve``, processes of ``tacit worker``):
a claim is a lease, taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and inside a short
``BEGIN IMMEDIATE`` transaction on SQLite. The model runs outside any transaction. A worker
that dies leaves its lease to run out; the next one embeds what was never stored, so a crash
delays an embedding and never loses or duplicates one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from sqlalchemy import Table, bindparam, delete, func, or_, select, update

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import EmbeddingJob, Passage
from app.embedding.base import Embedder
from app.search.indexing import bump_search_seq

log = logging.getLogger("tacit.worker")

LEASE = timedelta(seconds=120)
MAX_ATTEMPTS = 5
# Notes per round: ~1,000 passages per model call keeps the model busy (measured: 64 notes
# reached 0.81 of plain encode throughput, 256 about 0.92).
BATCH_NOTES = 256
RETRY_AFTER = timedelta(seconds=30)


@dataclass(frozen=True)
class Claim:
    job_id: int
    note_id: int
    generation: int


def claim_jobs(db: Database, *, limit: int, lease: timedelta = LEASE) -> list[Claim]:
    now = utcnow()
    with db.unit_of_work() as session:
        free = (
            select(EmbeddingJob.id)
            .where(or_(EmbeddingJob.leased_until.is_(None), EmbeddingJob.leased_until < now))
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
    claims = claim_jobs(db, limit=batch_notes)
    if not claims:
        return 0
    note_ids = [c.note_id for c in claims]
    with db.session(write=False) as session:
        todo = session.execute(
            select(Passage.id, Passage.text, Passage.text_hash).where(
                Passage.note_id.in_(note_ids),
                or_(Passage.embedding.is_(None), Passage.model != embedder.name),
            )
        ).all()
    try:
        vectors = embedder.embed([text for _, text, _ in todo])
    except Exception as exc:  # a model failure must not kill the worker; the jobs retry
        log.exception("embedding failed for notes %s", note_ids)
        _release(db, claims, error=f"{type(exc).__name__}: {exc}")
        return len(claims)
    now = utcnow()
    with db.unit_of_work() as session:
        if todo:
            # One executemany; the hash guard leaves text edited since we read it for the
            # next round.
            table = cast(Table, Passage.__table__)
            session.execute(
                update(table)
                .where(table.c.id == bindparam("pid"), table.c.text_hash == bindparam("digest"))
                .values(embedding=bindparam("vector"), model=embedder.name, embedded_at=now),
                [
                    {"pid": pid, "digest": digest, "vector": vector}
                    for (pid, _, digest), vector in zip(todo, vectors, strict=True)
                ],
            )
        for claim in claims:
            done = session.execute(
                delete(EmbeddingJob).where(
                    EmbeddingJob.id == claim.job_id, EmbeddingJob.generation == claim.generation
                )
            )
            if done.rowcount == 0:  # type: ignore[attr-defined]
                # The note changed while we worked: hand the job straight back.
                session.execute(
                    update(EmbeddingJob)
                    .where(EmbeddingJob.id == claim.job_id)
                    .values(leased_until=None)
                )
        bump_search_seq(session, note_ids)
    return len(claims)


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


def pending_jobs(db: Database) -> int:
    with db.session(write=False) as session:
        return session.scalar(select(func.count()).select_from(EmbeddingJob)) or 0


class WorkerThread:
    """Embedding workers running inside the API process (``tacit serve``)."""

    def __init__(self, db: Database, embedder: Embedder, *, poll_seconds: float = 0.5) -> None:
        self._db, self._embedder, self._poll = db, embedder, poll_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.run, name="tacit-embedder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def run(self) -> None:
        while not self._stop.is_set():
            try:
                busy = run_once(self._db, self._embedder)
            except Exception:  # the database may be briefly unreachable; keep going
                log.exception("embedding worker round failed")
                busy = 0
            if not busy:
                self._stop.wait(self._poll)

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
