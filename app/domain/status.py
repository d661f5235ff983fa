"""How far the embedding of the base has got."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import EmbeddingJob, Note, Passage
from app.worker.embedding import MAX_ATTEMPTS


def index_status(session: Session, model: str) -> dict[str, Any]:
    live = select(Note.id).where(Note.deleted_at.is_(None))
    unembedded = select(Passage.note_id).where(
        or_(Passage.embedding.is_(None), Passage.model != model)
    )
    notes = session.scalar(select(func.count()).select_from(live.subquery())) or 0
    waiting = (
        session.scalar(
            select(func.count(func.distinct(Passage.note_id))).where(
                Passage.note_id.in_(live), Passage.note_id.in_(unembedded)
            )
        )
        or 0
    )
    jobs = session.scalar(select(func.count()).select_from(EmbeddingJob)) or 0
    failed = session.scalar(select(func.count()).where(EmbeddingJob.attempts >= MAX_ATTEMPTS)) or 0
    return {
        "database": session.get_bind().dialect.name,
        "model": model,
        "notes": notes,
        "embedded_notes": notes - waiting,
        "pending_jobs": jobs,
        "failed_jobs": failed,
    }
