"""Linking a Slack user to a Tacit user: the one-time links that ``/tacit link`` hands out."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, UTCDateTime
from app.db.models.columns import created_column


class SlackLinkRequest(Base):
    """A Slack user asked to be linked. The link's random token is never stored, only its
    SHA-256 (as API tokens), so a copy of the database links no one. It works once, before
    ``expires_at``, for the signed-in Tacit user who confirms it."""

    __tablename__ = "slack_link_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    slack_team_id: Mapped[str] = mapped_column(String(32))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    # As Slack named them when the link was asked for: shown on the confirmation page.
    slack_user_name: Mapped[str] = mapped_column(String(255))
    slack_team_domain: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
