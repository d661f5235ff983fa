"""How far the embedding of the base has got, counted over the notes the asker may read:
a count must not reveal notes the asker cannot see. The rate and the time left are counted
over the same notes, so that they say nothing of the others either."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import EmbeddingJob, Note, Passage, User
from app.domain.access import visible_notes
from app.search.indexing import MAX_ATTEMPTS

# The rate is that of the last five minutes' work: long enough to span two worker rounds (each
# stamps its notes with one time) even on torch's one thread under load, where a round of 256
# notes took over a minute (scripts/ingest_bench.py); short enough to follow a change of pace.
RATE_WINDOW = timedelta(minutes=5)


def index_status(
    session: Session, viewer: User, model: str, *, backend: str | None = None
) -> dict[str, Any]:
    readable = select(Note.id).where(visible_notes(viewer))
    unembedded = select(Passage.note_id).where(
        or_(Passage.embedding.is_(None), Passage.model != model)
    )

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    notes = count(select(func.count()).select_from(readable.subquery()))
    waiting = count(
        select(func.count(func.distinct(Passage.note_id))).where(
            Passage.note_id.in_(readable), Passage.note_id.in_(unembedded)
        )
    )
    jobs = select(func.count()).where(EmbeddingJob.note_id.in_(readable))
    rate = embedding_rate(session, readable, model, busy=waiting > 0)
    return {
        "database": session.get_bind().dialect.name,
        "model": model,
        "backend": backend,
        "notes": notes,
        "embedded_notes": notes - waiting,
        "pending_jobs": count(jobs),
        "failed_jobs": count(jobs.where(EmbeddingJob.attempts >= MAX_ATTEMPTS)),
        "notes_per_second": None if rate is None else round(rate, 1),
        "seconds_left": 0.0 if not waiting else (round(waiting / rate, 1) if rate else None),
    }


def embedding_rate(session: Session, readable: Any, model: str, *, busy: bool) -> float | None:
    """Readable notes embedded per second over the last five minutes, or None before two worker
    rounds have finished in it. A round stamps all its notes with one time, so the notes of the
    first stamp are the work done before the window's clock starts: they are left out."""
    now = utcnow()
    # A note's time is its last passage's: an edit that re-embeds one passage counts once.
    stamped = (
        select(Passage.note_id, func.max(Passage.embedded_at).label("at"))
        .where(
            Passage.note_id.in_(readable),
            Passage.model == model,
            Passage.embedded_at >= now - RATE_WINDOW,
        )
        .group_by(Passage.note_id)
        .subquery()
    )
    row = session.execute(
        select(func.count(), func.min(stamped.c.at), func.max(stamped.c.at))
    ).one()
    done, first, last = int(row[0]), _aware(row[1]), _aware(row[2])
    if not done or first is None or last is None:
        return None
    first_round = int(
        session.scalar(select(func.count()).select_from(stamped).where(stamped.c.at == row[1])) or 0
    )
    # While notes still wait, the round under way has taken time since the last stamp.
    seconds = ((now if busy else last) - first).total_seconds()
    if done == first_round or seconds <= 0:
        return None
    return (done - first_round) / seconds


def _aware(value: datetime | None) -> datetime | None:
    """``func.min`` over a UTC column comes back naive from SQLite's driver."""
    from datetime import UTC

    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)
