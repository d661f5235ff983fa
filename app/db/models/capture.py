"""What makes a note sent twice one note: the idempotency keys of API and web posts, and
e-mails by Message-ID."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime, utcnow
from app.db.models.columns import JSONType, created_column


class IdempotencyKey(Base):
    """A client's retry key. Claimed in its own short transaction before the work (so that a
    concurrent retry sees it and gets 409), completed in the same transaction as the work."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "scope", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    scope: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    created_at: Mapped[datetime] = created_column()
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class InboundMessage(Base):
    """An e-mail captured for its sender. Every accepted message has a row, unique per sender
    and Message-ID, so a re-delivery finds it instead of making a second note. A message whose
    account could not be recognised waits here (``resolved_at`` empty) in its sender's inbox,
    with its text, until filed; once it is a note, the text lives only in the note."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("user_id", "message_id"),
        Index("ix_inbound_messages_user_received", "user_id", "received_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    message_id: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str | None] = mapped_column(Text)
    participants: Mapped[list[dict[str, str]]] = mapped_column(JSONType, default=list)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    # Why the account was not recognised, for the person who files it.
    unresolved_reason: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    note_id: Mapped[int | None] = mapped_column(
        ForeignKey("notes.id", ondelete="SET NULL"), index=True
    )
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
