"""The outbox: a row per change, written in the change's own transaction, and the deliveries
of those rows to named consumers (webhooks, Slack, calendar briefs, in-process caches).

An event names what changed and who changed it, never what it says: no note text, no names,
no e-mail addresses. A consumer reads the current state through the access rule of its own
principal when it delivers. The subject columns carry no foreign keys on purpose: an erased
note's row is gone, and the event announcing its erasure must outlive it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.db.models import Note

EventType = Literal[
    "note.created",
    "note.updated",
    "note.deleted",
    "note.erased",
    "contact.updated",
    "contact.erased",
    "contact.role_confirmed",
    "contact.influence_changed",
    "account.updated",
    "account.handover",
    "user.deactivated",
    "webhook.disabled",
]
# Read by in-process search indexes (``app.search.sqlite``): an erased note's row is gone, so
# no sequence number can announce it; this event does.
NOTE_ERASED: EventType = "note.erased"


class Event(Base):
    __tablename__ = "events"
    # SQLite would otherwise reuse the ids of purged rows; readers remember the last id seen.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(String(40))
    subject_type: Mapped[str] = mapped_column(String(20))
    note_id: Mapped[int | None] = mapped_column(Integer)
    account_id: Mapped[int | None] = mapped_column(Integer)
    contact_id: Mapped[int | None] = mapped_column(Integer)
    user_id: Mapped[int | None] = mapped_column(Integer)
    webhook_id: Mapped[int | None] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(Integer)  # None: the system (an import, cron)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    # Lets an event name a note added in the same flush, before the note has an id: the unit
    # of work inserts the note first and copies its id here. No constraint (see above), and
    # never loaded: events are read by id.
    note: Mapped[Note | None] = relationship(
        primaryjoin="foreign(Event.note_id) == Note.id", lazy="raise", viewonly=False
    )


class EventConsumer(Base):
    """A named reader of the stream; events emitted after it registered are queued for it."""

    __tablename__ = "event_consumers"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EventDelivery(Base):
    """One event owed to one consumer. Claimable while ``available_at`` has passed: a claim
    moves it to the end of the lease, a retry to the end of the back-off; ``None`` is parked
    (out of attempts). Deleted when acknowledged."""

    __tablename__ = "event_deliveries"
    __table_args__ = (
        UniqueConstraint("consumer", "event_id"),
        Index("ix_event_deliveries_consumer_available_at", "consumer", "available_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consumer: Mapped[str] = mapped_column(ForeignKey("event_consumers.name", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    available_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)

    event: Mapped[Event] = relationship(lazy="joined")
