"""What people did with notes: searches and what they showed, views, helpful marks, and the
audit trail."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, utcnow
from app.db.models.columns import JSONType


class Search(Base):
    __tablename__ = "searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)
    took_ms: Mapped[float] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # Where the question was asked: "api", "web" or "mcp" (an AI assistant), as NoteView says.
    source: Mapped[str] = mapped_column(String(16), default="api", server_default="api")


class SearchImpression(Base):
    """A note shown to a user in a search result, at a rank: what reuse analytics credit."""

    __tablename__ = "search_impressions"
    __table_args__ = (
        Index("ix_search_impressions_note_at", "note_id", "at"),
        # Covers the reuse analytics' scan of a period.
        Index("ix_search_impressions_at", "at", "note_id", "user_id"),
    )

    search_id: Mapped[int] = mapped_column(
        ForeignKey("searches.id", ondelete="CASCADE"), primary_key=True
    )
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class NoteView(Base):
    """A note put before a reader outside search: opened in full ("opened") or shown in an
    account or meeting brief ("shown"). What reuse analytics credit besides search impressions,
    and, for notes with personal context, what the audit trail lists."""

    __tablename__ = "note_views"
    __table_args__ = (
        # Covers the reuse analytics' scan of a period, opens told from briefs by kind.
        Index("ix_note_views_at", "at", "note_id", "user_id", "kind"),
        Index("ix_note_views_note_at", "note_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "opened" or "shown"
    source: Mapped[str] = mapped_column(String(16))  # "api", "web", "brief", "meeting", "mcp"
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HelpfulMark(Base):
    """A reader said a note helped them: one mark per reader and note."""

    __tablename__ = "helpful_marks"
    __table_args__ = (Index("ix_helpful_marks_at", "at"),)

    note_id: Mapped[int] = mapped_column(
        ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ReuseDaily(Base):
    """Reuse of an author's notes on one UTC day, duplicates and trivial notes excepted: what
    contribution analytics read for whole days instead of every impression, view and mark.

    Holds the days before ``ReuseRollup.rolled_until``; later days are read from the events
    themselves. Kept exact by triggers (migration ``2026_12_05_7d3e5a1c9b20``): an event
    written or deleted for a rolled-up day, a note whose author or credit changes, a note
    erased. No foreign key: a row names whoever was the notes' author, and a deleted user's rows
    are never read (figures are per current user)."""

    __tablename__ = "reuse_daily"
    # Read in key order: clustered on SQLite.
    __table_args__ = ({"sqlite_with_rowid": False},)

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    author_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    impressions: Mapped[int] = mapped_column(Integer, default=0)  # search hits, brief "shown"
    opens: Mapped[int] = mapped_column(Integer, default=0)
    helpful: Mapped[int] = mapped_column(Integer, default=0)


class HelpersDaily(Base):
    """Who opened or marked helpful an author's notes on one UTC day: what the distinct
    "colleagues helped" figure reads for whole days instead of every view and mark.

    Same days and same triggers' rules as ``ReuseDaily`` (migration ``2026_12_06_b5d2a8e4c1f3``);
    ``events`` counts the opens and marks so that one taken back leaves the others. A row
    whose count fell to 0 stays and is never read. The key leads with the author: the figure
    reads each author's colleagues in order, without sorting."""

    __tablename__ = "helpers_daily"
    __table_args__ = ({"sqlite_with_rowid": False},)

    author_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)


class ReuseRollup(Base):
    """The one row saying up to which day ``reuse_daily`` holds the counts (exclusive)."""

    __tablename__ = "reuse_rollup"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rolled_until: Mapped[date] = mapped_column(Date)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
