"""How far the embedding of the base has got, counted over the notes the asker may read:
a count must not reveal notes the asker cannot see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import EmbeddingJob, Note, Passage, User
from app.domain.access import visible_notes
from app.search.indexing import MAX_ATTEMPTS


def index_status(session: Session, viewer: User, model: str) -> dict[str, Any]:
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
    return {
        "database": session.get_bind().dialect.name,
        "model": model,
        "notes": notes,
        "embedded_notes": notes - waiting,
        "pending_jobs": count(jobs),
        "failed_jobs": count(jobs.where(EmbeddingJob.attempts >= MAX_ATTEMPTS)),
    }
