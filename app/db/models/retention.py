"""Retention of personal context: an admin's decision to keep a note that the retention
review (``app.domain.retention``) put before them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, utcnow


class RetentionDecision(Base):
    """A note kept past the retention period, and until when. One row per note, replaced by
    each new decision; erasing the note deletes it (the reason may name the person)."""

    __tablename__ = "retention_decisions"

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    kept_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The note returns to the queue after this: a keep is reviewed again, never for good.
    review_after: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
