"""Notes, their revisions, and what readers and newer notes say about them: flags and
verifications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UTCDateTime, utcnow
from app.db.models.accounts import Account, Contact
from app.db.models.columns import (
    JSONType,
    Visibility,
    created_column,
    portable_enum,
    updated_column,
)
from app.db.models.people import User

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
        # Contribution analytics count an author's notes of a period from this index alone.
        Index(
            "ix_notes_author_written",
            "author_id",
            "written_at",
            "credit",
            "deleted_at",
            "account_id",
        ),
        # Reuse analytics join events to their notes' author and credit without reading notes.
        Index("ix_notes_reuse", "id", "author_id", "credit"),
        # An erased note's id is never handed out again (SQLite would reuse the highest):
        # events, logs and in-memory indexes outlive the note and still name it.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The author's team when the note was written: `team` visibility means that team, so a
    # note shared with the east team stays with the east team when its author moves.
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(portable_enum(Visibility, "visibility"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    source: Mapped[str] = mapped_column(String(32), default="api")
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = created_column()
    # When it was written at its source: saved here (as ``created_at``), or the date an import
    # row or an e-mail gives. Contribution analytics count the note then, so imported history
    # is not "written" on the day of the import. Set once, at capture.
    written_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()
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
    # The sensitive categories its text states (``app.domain.sensitivity``), as a JSON list;
    # empty when none. Null: not checked yet (a note from before the column, until
    # ``tacit migrate`` checks it).
    sensitive: Mapped[list[str] | None] = mapped_column(JSONType)
    # Where the note came from when that is a page of its own: a Slack message's permalink.
    source_url: Mapped[str | None] = mapped_column(String(1000))

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
    visibility: Mapped[Visibility] = mapped_column(portable_enum(Visibility, "visibility"))
    observed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    contact_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    edited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = created_column()

    note: Mapped[Note] = relationship()


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
    created_at: Mapped[datetime] = created_column()
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class NoteVerification(Base):
    """Someone confirmed a note still holds: its clock restarts, and the credit is kept."""

    __tablename__ = "note_verifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
