"""What search reads besides notes: passages and their vectors, mentions of contacts, and the
embedding jobs that fill them in."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, Embedding, UTCDateTime
from app.db.models.columns import JSONType, created_column


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
    __table_args__ = (
        Index("ix_mentions_topic_contact", "topic", "contact_id", "note_id"),
        # Covers contribution analytics' contacts and personal context per note.
        Index("ix_mentions_note_contact", "note_id", "contact_id", "topic"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    ordinal: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    topic: Mapped[str] = mapped_column(String(32))
    score: Mapped[float] = mapped_column(Float)
    # How many contacts the sentence names: a role is read only from a sentence about one.
    named: Mapped[int] = mapped_column(Integer, default=1)
    # Each buying role's probability from the learned classifiers (app.search.influence_learned),
    # for a sentence naming one contact; null before the column, or for two people.
    role_scores: Mapped[dict[str, float] | None] = mapped_column(JSONType, default=None)


class EmbeddingJob(Base):
    """Work that must not be lost: written in the note's own transaction, deleted in the
    transaction that stores the vectors. A crashed worker's lease runs out and another takes
    the job over."""

    __tablename__ = "embedding_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = created_column()
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # Raised by every change to the note: a worker that embedded an older text sees the
    # difference and leaves the job for the next round instead of deleting it.
    generation: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
