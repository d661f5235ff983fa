"""Calendar feeds and the briefs sent before external meetings: a user's feed, the upcoming
external occurrences read from it, and one delivery row per version of an occurrence."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime
from app.db.models.columns import JSONType, created_column, portable_enum, updated_column


class BriefKind(enum.StrEnum):
    brief = "brief"  # the first one sent for an occurrence
    update = "update"  # the occurrence changed after a brief was sent


class BriefStatus(enum.StrEnum):
    pending = "pending"  # due at ``next_attempt_at``
    sent = "sent"  # every channel took it
    failed = "failed"  # not sent before the meeting began: given up


class CalendarFeed(Base):
    """A user's calendar feed: polled by the worker (``app/worker/calendar.py``)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # The secret address, sealed with a key derived from TACIT_SECRET_KEY (as webhook
    # secrets are); ``url_hint`` is what may be shown: the host and the last four characters.
    url_sealed: Mapped[str] = mapped_column(Text)
    url_hint: Mapped[str] = mapped_column(String(300))
    deliver_briefs: Mapped[bool] = mapped_column(Boolean, default=True)
    # The validators of the last answer, for a conditional GET.
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    # When the feed was last read in full: the window of occurrences moves on with time,
    # so an unchanged feed is still read again now and then.
    full_read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_polled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    # When it is due; while a poll runs, the end of its lease.
    next_poll_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()


class MeetingOccurrence(Base):
    """An upcoming external occurrence of a feed's event, as last read. ``fingerprint`` is
    its version (start, end, attendees, cancelled): a brief is sent once per version."""

    __tablename__ = "meeting_occurrences"
    __table_args__ = (UniqueConstraint("feed_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    feed_id: Mapped[int] = mapped_column(ForeignKey("calendar_feeds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(600))  # the UID and the start in its series
    summary: Mapped[str | None] = mapped_column(String(500))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # [{"email": ..., "name": ...}], the organizer first.
    attendees: Mapped[list[dict[str, str | None]]] = mapped_column(JSONType)
    account_ids: Mapped[list[int]] = mapped_column(JSONType)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    fingerprint: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = updated_column()


class BriefDelivery(Base):
    """One version of an occurrence's brief owed to its feed's owner, claimed like a webhook
    delivery. Unique per (occurrence, fingerprint): the same version is never queued twice.
    Kept once sent, so that a later version knows it is an update."""

    __tablename__ = "brief_deliveries"
    __table_args__ = (
        UniqueConstraint("occurrence_id", "fingerprint"),
        Index("ix_brief_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    occurrence_id: Mapped[int] = mapped_column(
        ForeignKey("meeting_occurrences.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    fingerprint: Mapped[str] = mapped_column(String(64))
    kind: Mapped[BriefKind] = mapped_column(portable_enum(BriefKind, "brief_kind"))
    status: Mapped[BriefStatus] = mapped_column(
        portable_enum(BriefStatus, "brief_status"), default=BriefStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Each channel that took it: a retry sends only to the others.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    slacked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()
