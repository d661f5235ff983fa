"""Who uses Tacit: teams, users, their API tokens and their signed-in browsers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UTCDateTime
from app.db.models.columns import (
    Role,
    ScopeSet,
    TokenScope,
    created_column,
    portable_enum,
    updated_column,
)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = created_column()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(portable_enum(Role, "role"), default=Role.rep)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Opted in to the weekly digest (``app.domain.digest``): off unless they ask for it.
    weekly_digest: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
    # Who this user is in Slack (app.integrations.slack): linked once, by the user through
    # `/tacit link` or by an admin. The workspace is kept when known; none matches any.
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True, index=True)
    slack_team_id: Mapped[str | None] = mapped_column(String(32))

    team: Mapped[Team | None] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # What the token may be used for (``app.http.scopes`` says which routes need which).
    scopes: Mapped[frozenset[TokenScope]] = mapped_column(ScopeSet(), nullable=False)

    user: Mapped[User] = relationship(lazy="joined")


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database signs no one in. Each session has its own CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)
