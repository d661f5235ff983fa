"""Keeping search in step with notes, inside the note's own transaction.

Every write path calls ``note_changed`` (or ``note_removed``) before its unit of work commits:
the note's passages are re-split (so keyword search sees the new text at once), passages whose
text is unchanged keep their vectors, an embedding job is queued for the rest, and the note's
search sequence is raised so in-memory indexes know to refresh it. Once a transaction that
queued jobs commits, ``jobs_queued`` is set, and the embedding workers of this process start at
once rather than at their next poll.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from sqlalchemy import case, delete, event, func, insert, select, text, update
from sqlalchemy.orm import Session

from app.db.models import EmbeddingJob, Note, Passage
from app.search.passages import split_passages, text_hash

_CHUNK = 5000  # ids per IN (...) list, well under every driver's parameter limit
# Failed tries after which the worker (``app.worker.embedding``) parks an embedding job and
# ``/v1/status`` counts it as failed, until new text (``enqueue_embedding``) or a reindex frees it.
# Here, with the job rows, so that the domain can count parked jobs without importing the worker.
MAX_ATTEMPTS = 5

# Set after a commit that queued embedding jobs; the in-process workers wait on it between
# polls (app/worker/embedding.py). Workers in other processes poll.
jobs_queued = threading.Event()
_ANNOUNCE = "tacit.jobs_queued"
_listening = threading.Lock()


def _after_commit(session: Session) -> None:
    if session.info.pop(_ANNOUNCE, False):
        jobs_queued.set()


def _after_rollback(session: Session) -> None:
    session.info.pop(_ANNOUNCE, None)


def _announce_after_commit(session: Session) -> None:
    """Set ``jobs_queued`` once this transaction commits (not before: a worker woken early
    finds nothing it can see yet, and goes back to sleep)."""
    session.info[_ANNOUNCE] = True
    with _listening:  # listeners on every session, added on first use (nothing at import)
        if not event.contains(Session, "after_commit", _after_commit):
            event.listen(Session, "after_commit", _after_commit)
            event.listen(Session, "after_rollback", _after_rollback)


def bump_search_seq(session: Session, note_ids: Iterable[int]) -> None:
    """Give the notes a sequence number above every other one.

    On SQLite writers are serialised, so numbers are handed out in commit order and a reader
    that remembers the highest number it has seen never misses a change.
    """
    ids = sorted(set(note_ids))
    if not ids:
        return
    session.flush()
    top = session.scalar(select(func.coalesce(func.max(Note.search_seq), 0))) or 0
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        session.execute(update(Note).where(Note.id.in_(chunk)).values(search_seq=top + 1))


def notes_added(session: Session, notes: list[Note]) -> None:
    """Index new notes in bulk: passages now, vectors by a queued job."""
    if not notes:
        return
    session.flush()
    passages = [
        {
            "note_id": note.id,
            "account_id": note.account_id,
            "ordinal": ordinal,
            "text": text,
            "text_hash": text_hash(text),
        }
        for note in notes
        for ordinal, text in enumerate(split_passages(note.body))
    ]
    session.execute(insert(Passage), passages)
    session.execute(
        insert(EmbeddingJob), [{"note_id": n.id, "generation": 0, "attempts": 0} for n in notes]
    )
    _announce_after_commit(session)
    bump_search_seq(session, [n.id for n in notes])


def enqueue_embedding(session: Session, note_id: int) -> None:
    _announce_after_commit(session)
    bumped = session.execute(
        update(EmbeddingJob)
        .where(EmbeddingJob.note_id == note_id)
        .values(
            generation=EmbeddingJob.generation + 1,
            attempts=0,
            last_error=None,
            # A job parked or waiting after failures is free again: the text is new. A job a
            # live worker holds (no error) keeps its lease; the generation tells that worker.
            leased_until=case(
                (EmbeddingJob.last_error.is_not(None), None), else_=EmbeddingJob.leased_until
            ),
        )
    )
    if bumped.rowcount == 0:  # type: ignore[attr-defined]
        session.execute(insert(EmbeddingJob).values(note_id=note_id, generation=0, attempts=0))


def note_changed(session: Session, note: Note) -> None:
    """Re-split the note's text; queue embedding for the passages that are new."""
    session.flush()
    existing = list(
        session.scalars(select(Passage).where(Passage.note_id == note.id).order_by(Passage.ordinal))
    )
    texts = split_passages(note.body)
    hashes = [text_hash(t) for t in texts]
    if [p.text_hash for p in existing] != hashes:
        # Vectors follow their text, wherever an edit moved it.
        kept = {p.text_hash: p for p in existing if p.embedding is not None}
        for passage in existing:
            session.delete(passage)
        session.flush()
        for ordinal, (text, digest) in enumerate(zip(texts, hashes, strict=True)):
            old = kept.get(digest)
            session.add(
                Passage(
                    note_id=note.id,
                    account_id=note.account_id,
                    ordinal=ordinal,
                    text=text,
                    text_hash=digest,
                    embedding=old.embedding if old else None,
                    model=old.model if old else None,
                    embedded_at=old.embedded_at if old else None,
                )
            )
        session.flush()
    else:  # the note may have moved to another account
        session.execute(
            update(Passage)
            .where(Passage.note_id == note.id, Passage.account_id != note.account_id)
            .values(account_id=note.account_id)
        )
    pending = session.scalar(
        select(func.count()).where(Passage.note_id == note.id, Passage.embedding.is_(None))
    )
    if pending:
        enqueue_embedding(session, note.id)
    bump_search_seq(session, [note.id])


def note_removed(session: Session, note: Note) -> None:
    """A deleted note leaves the indexes: its passages, vectors and pending job go."""
    session.execute(delete(Passage).where(Passage.note_id == note.id))
    session.execute(delete(EmbeddingJob).where(EmbeddingJob.note_id == note.id))
    bump_search_seq(session, [note.id])


def note_erased(session: Session, note: Note, *, merge: bool = True) -> None:
    """``note_removed``, and no copy of its words left in the keyword index
    (``merge_keyword_index``; ``merge=False`` when the caller merges once for many notes)."""
    note_removed(session, note)
    if merge:
        merge_keyword_index(session)


def merge_keyword_index(session: Session) -> None:
    """SQLite's FTS5 keeps the terms of deleted and rewritten passages in its index segments
    until they are merged, so an erasure merges them (the whole index is rewritten: seconds on
    a large one, for a rare operation). PostgreSQL keeps the words in the passage row's own
    ``tsvector``, gone with it."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("INSERT INTO passages_fts(passages_fts) VALUES ('optimize')"))


def enqueue_stale(session: Session, model: str, *, force: bool = False) -> int:
    """Queue every live note with a passage lacking a vector from ``model`` (``force``: all of
    them, dropping their vectors). Returns how many notes were queued."""
    live = select(Note.id).where(Note.deleted_at.is_(None))
    if force:
        session.execute(update(Passage).values(embedding=None, model=None, embedded_at=None))
        stale = live
    else:
        stale = live.where(
            Note.id.in_(
                select(Passage.note_id).where(
                    (Passage.embedding.is_(None)) | (Passage.model != model)
                )
            )
        )
    ids = list(session.scalars(stale))
    for note_id in ids:
        enqueue_embedding(session, note_id)
    return len(ids)


def enqueue_other_models(session: Session, model: str) -> int:
    """Queue the live notes that hold a vector of another model than ``model`` and have no
    job yet; how many. Unlike ``enqueue_stale``, a note already queued is left alone, so that
    several workers starting at once queue each note once."""
    other = select(Passage.note_id).where(Passage.embedding.is_not(None), Passage.model != model)
    if session.scalar(other.limit(1)) is None:
        return 0
    stale = session.scalars(
        select(Note.id).where(
            Note.deleted_at.is_(None),
            Note.id.in_(other),
            Note.id.not_in(select(EmbeddingJob.note_id)),
        )
    ).all()
    for note_id in stale:
        enqueue_embedding(session, note_id)
    return len(stale)
