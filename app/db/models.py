"""The schema, as typed SQLAlchemy models. Alembic migrations are generated from and checked
against this module (``tests/integration/test_migrations.py`` fails when they drift)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, Embedding, UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Role(enum.StrEnum):
    """Access role. A job title such as "support" is kept in ``User.title``, not here."""

    rep = "rep"
    manager = "manager"
    admin = "admin"


class BuyingRole(enum.StrEnum):
    economic = "economic"
    technical = "technical"
    user = "user"
    coach = "coach"
    unknown = "unknown"


class Visibility(enum.StrEnum):
    private = "private"
    team = "team"
    company = "company"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Portable: a VARCHAR with a CHECK constraint on both dialects, no native PG enum to migrate.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


def _created() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow)


def _updated() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = _created()


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    title: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"), default=Role.rep)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    team: Mapped[Team | None] = relationship(lazy="joined")


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined")


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Lower-cased name: the key that account lookups by name use on both dialects.
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSONType, default=list)
    industry: Mapped[str | None] = mapped_column(String(100))
    region: Mapped[str | None] = mapped_column(String(100))
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    domain_rows: Mapped[list[AccountDomain]] = relationship(
        cascade="all, delete-orphan", order_by="AccountDomain.position", lazy="selectin"
    )

    @property
    def domains(self) -> list[str]:
        return [row.domain for row in self.domain_rows]


class AccountDomain(Base):
    """A domain belongs to one account: that is what lets an e-mail address name its account."""

    __tablename__ = "account_domains"

    domain: Mapped[str] = mapped_column(String(255), primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    buying_role: Mapped[BuyingRole] = mapped_column(
        _enum(BuyingRole, "buying_role"), default=BuyingRole.unknown
    )
    reports_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)


note_contacts = Table(
    "note_contacts",
    Base.metadata,
    Column("note_id", ForeignKey("notes.id", ondelete="CASCADE"), primary_key=True),
    Column("contact_id", ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_note_contacts_contact_id", "contact_id"),
)


class Note(Base):
    __tablename__ = "notes"
    __table_args__ = (
        Index("ix_notes_account_observed", "account_id", "observed_at"),
        Index("ix_notes_observed_id", "observed_at", "id"),
        Index("ix_notes_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The author's team when the note was written: `team` visibility means that team, so a
    # note shared with the east team stays with the east team when its author moves.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32), default="api")
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised on every change that search must see (see app.search.sqlite's in-memory index).
    search_seq: Mapped[int] = mapped_column(BigInteger, default=0, index=True)
    # The brief's sections the note's passages were classified into, and the author's
    # correction of them, which wins.
    classified_topics: Mapped[list[str] | None] = mapped_column(JSONType)
    topics: Mapped[list[str] | None] = mapped_column(JSONType)
    # Plain ids, not foreign keys: SQLite can add a column to a live table but can only add a
    # foreign key by rebuilding it, and rebuilding notes would cascade into its children.
    # Notes are soft-deleted, so what these point to stays.
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    verified_by_id: Mapped[int | None] = mapped_column(Integer)
    superseded_by_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # When the note's facts want re-verifying: its last observation or verification plus the
    # shelf life of its main section. Empty until the note is classified.
    stale_after: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Whether the note counts toward its author's contribution (app.domain.credit): "credited",
    # "duplicate" (it restates ``duplicate_of_id``) or "trivial". Empty until embedded.
    credit: Mapped[str | None] = mapped_column(String(16))
    duplicate_of_id: Mapped[int | None] = mapped_column(Integer, index=True)

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])
    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)
    contacts: Mapped[list[Contact]] = relationship(
        secondary=note_contacts, order_by=Contact.id, lazy="selectin"
    )
    verified_by: Mapped[User | None] = relationship(
        primaryjoin="foreign(Note.verified_by_id) == User.id", viewonly=True
    )

    @property
    def sections(self) -> list[str]:
        return self.topics or self.classified_topics or []

    @property
    def topics_corrected(self) -> bool:
        return bool(self.topics)

    @property
    def stale(self) -> bool:
        return self.is_stale()

    def is_stale(self, now: datetime | None = None) -> bool:
        """Past its shelf life or flagged for review (``app.domain.freshness``)."""
        return self.stale_after is not None and self.stale_after <= (now or utcnow())


class NoteRevision(Base):
    """A snapshot of every version of a note, written in the same transaction as the change."""

    __tablename__ = "note_revisions"
    __table_args__ = (UniqueConstraint("note_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    contact_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = _created()

    note: Mapped[Note] = relationship()


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
    created_at: Mapped[datetime] = _created()
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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


class Passage(Base):
    """A window of a note's text, the unit that keyword and semantic search score. Written with
    the note (so keyword search sees it at once); its vector is filled in by the embedding
    worker, keyed by a hash of the text so unchanged passages are never embedded twice."""

    __tablename__ = "passages"
    __table_args__ = (UniqueConstraint("note_id", "ordinal"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    # The note's account, copied so that account-scoped searches narrow inside the indexes.
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    text_hash: Mapped[str] = mapped_column(String(64))
    embedding: Mapped[Any | None] = mapped_column(Embedding())
    model: Mapped[str | None] = mapped_column(String(255))
    embedded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The nearest fine topic (app.search.topics), set with the vector.
    topic: Mapped[str | None] = mapped_column(String(32))


class Mention(Base):
    """A sentence of a note that names one of its account's contacts, classified by topic when
    the note is embedded: the evidence for buying-role suggestions, personal-context gaps and
    contradictions between notes about the same person."""

    __tablename__ = "mentions"
    # Covers the analytics' search for the first personal context about each contact.
    __table_args__ = (Index("ix_mentions_topic_contact", "topic", "contact_id", "note_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    # How many contacts the sentence names: a role is read only from a sentence about one.
    named: Mapped[int] = mapped_column(Integer, default=1)


class NoteFlag(Base):
    """A reason to review a note: a newer note that disagrees with it, or a reader's doubt."""

    __tablename__ = "note_flags"
    __table_args__ = (UniqueConstraint("note_id", "kind", "by_note_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "contradicted" or "reader"
    reason: Mapped[str] = mapped_column(Text)
    by_note_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = _created()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class NoteVerification(Base):
    """Someone confirmed a note still holds: its clock restarts, and the credit is kept."""

    __tablename__ = "note_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RoleDecision(Base):
    """A person's answer to a buying-role suggestion; a rejected one is not suggested again."""

    __tablename__ = "role_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[BuyingRole] = mapped_column(_enum(BuyingRole, "buying_role"))
    decision: Mapped[str] = mapped_column(String(16))  # "confirmed" or "rejected"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    evidence: Mapped[list[int]] = mapped_column(JSONType, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class EmbeddingJob(Base):
    """Work that must not be lost: written in the note's own transaction, deleted in the
    transaction that stores the vectors. A crashed worker's lease runs out and another takes
    the job over."""

    __tablename__ = "embedding_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = _created()
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Raised by every change to the note: a worker that embedded an older text sees the
    # difference and leaves the job for the next round instead of deleting it.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)


class Search(Base):
    __tablename__ = "searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    query: Mapped[str] = mapped_column(Text)
    account_id: Mapped[int | None] = mapped_column(Integer)
    hits: Mapped[int] = mapped_column(Integer)
    took_ms: Mapped[float] = mapped_column()
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


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
        Index("ix_note_views_at", "at", "note_id", "user_id"),
        Index("ix_note_views_note_at", "note_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # "opened" or "shown"
    source: Mapped[str] = mapped_column(String(16))  # "api", "web", "brief", "meeting"
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


class WebSession(Base):
    """A signed-in browser. The cookie holds a random token; only its SHA-256 is stored, so a
    copy of the database signs no one in. Each session has its own CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = _created()
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


# The outbox's tables live in their own module; imported here so that every table is on
# ``Base.metadata`` once this module is (migrations, tests).
from app.db.outbox import Event as Event  # noqa: E402
from app.db.outbox import EventConsumer as EventConsumer  # noqa: E402
from app.db.outbox import EventDelivery as EventDelivery  # noqa: E402
