"""Successors named for a departing colleague's accounts, and the handover brief owed to each;
the weekly digests owed to those who opted in."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime
from app.db.models.columns import created_column


class OwedMail:
    """An e-mail owed as a row, claimed with a lease and recorded by ``app.domain.owed_mail``:
    pending (due at ``next_attempt_at``), sent, or failed (given up, or no address reaches
    its recipient)."""

    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)


class HandoverSuccession(OwedMail, Base):
    """An admin named ``successor_id`` to take ``account_id`` over from ``user_id``. The row
    is also the handover brief's delivery (claimed with a lease like a brief delivery): one
    per leaver and account, so naming another successor replaces it and owes them a brief."""

    __tablename__ = "handover_successions"
    __table_args__ = (
        UniqueConstraint("user_id", "account_id"),
        Index("ix_handover_successions_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    successor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    named_by_id: Mapped[int | None] = mapped_column(Integer)  # no key: the audit trail keeps it
    created_at: Mapped[datetime] = created_column()


class DigestDelivery(OwedMail, Base):
    """A user's weekly digest for one week, claimed like a brief delivery. Unique per (user,
    week): a week's digest is queued once, whichever worker and however many passes see it."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (
        UniqueConstraint("user_id", "week"),
        Index("ix_digest_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The week's digest time (TACIT_DIGEST_WEEKDAY at TACIT_DIGEST_HOUR, UTC): the digest
    # covers the seven days before it.
    week: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = created_column()


class HandoverRequest(OwedMail, Base):
    """An admin asked ``user_id``, before deactivating them, to review and share their private
    notes: the web page shows them a banner, and this row is also the e-mail's delivery
    (claimed with a lease, like a brief delivery). One per user: asking again re-sends."""

    __tablename__ = "handover_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    requested_by_id: Mapped[int | None] = mapped_column(Integer)  # the audit trail keeps it
    created_at: Mapped[datetime] = created_column()
