"""Webhooks: a user's URL that is sent the events they chose, rendered for them; and the log of
each event's delivery to each webhook."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime
from app.db.models.columns import JSONType, created_column, portable_enum, updated_column


class WebhookStatus(enum.StrEnum):
    active = "active"
    disabled = "disabled"  # by its owner or an admin, or after failing too long


class DeliveryStatus(enum.StrEnum):
    pending = "pending"  # due at ``next_attempt_at``
    delivered = "delivered"  # a 2xx came back
    failed = "failed"  # no 2xx in the 24 hours since the first attempt: given up


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The owner: what is sent is what they may read, rendered when it is sent.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    events: Mapped[list[str]] = mapped_column(JSONType)
    # The signing secret, sealed with a key derived from TACIT_SECRET_KEY (app.outbound.signing).
    secret_sealed: Mapped[str] = mapped_column(Text)
    status: Mapped[WebhookStatus] = mapped_column(
        portable_enum(WebhookStatus, "webhook_status"), default=WebhookStatus.active
    )
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Deliveries given up in a row; a success sets it back to 0.
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # The newest event when the webhook was made: it is sent only events after this one.
    after_event_id: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()


class WebhookDelivery(Base):
    """One event owed to one webhook, and how its attempts went. Kept once done, as the log;
    purged with its event (``tacit events purge``)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("webhook_id", "event_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(40))
    status: Mapped[DeliveryStatus] = mapped_column(
        portable_enum(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.pending
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # When it is due; while an attempt runs, the end of its lease; None once done.
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_column()

    @property
    def message_id(self) -> str:
        """The ``webhook-id`` header: the event's, so the same on every retry."""
        return f"evt_{self.event_id}"
