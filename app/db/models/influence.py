"""The buying influences as sellers keep them (Strategic Selling's Blue Sheet): one record per
contact (and per sales objective, when a team keeps one per deal), every person's answer to a
field's value kept as a decision with the sentences it rests on, and the account's reviews.

The record holds the current values; the decisions are their history (who confirmed, edited,
removed or rejected which value, when, citing which note and sentence). A citation is a row of
its own with a foreign key to its note, so that erasing the note takes the quoted sentence
with it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UTCDateTime, utcnow
from app.db.models.columns import JSONType, created_column, updated_column


class InfluenceRecord(Base):
    """What is known, and confirmed by a person, about one buying influence."""

    __tablename__ = "influence_records"
    __table_args__ = (
        UniqueConstraint("contact_id", "objective"),
        # NULL objectives are distinct to a unique constraint on both dialects: the general
        # record (no objective) is kept unique by an index of its own.
        Index(
            "uq_influence_records_contact_id_general",
            "contact_id",
            unique=True,
            sqlite_where=text("objective IS NULL"),
            postgresql_where=text("objective IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    # The sales objective the record is kept for ("Renewal 2027"); None: the person in general.
    objective: Mapped[str | None] = mapped_column(String(200))
    roles: Mapped[list[str]] = mapped_column(JSONType, default=list)  # main role first
    degree: Mapped[str | None] = mapped_column(String(16))
    mode: Mapped[str | None] = mapped_column(String(16))
    mode_reason: Mapped[str | None] = mapped_column(Text)
    rating: Mapped[int | None] = mapped_column(Integer)
    key_win_result: Mapped[str | None] = mapped_column(Text)
    hot_buttons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cold_buttons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()


class InfluenceDecision(Base):
    """A person's answer about one value of one field: ``confirmed`` (a suggestion accepted),
    ``edited`` (set by hand), ``removed`` (taken off by hand) or ``rejected`` (a suggestion
    declined: not suggested again, to everyone or to the rep alone: ``app.domain.access``).
    A row written by the migration from a recorded buying role has no user."""

    __tablename__ = "influence_decisions"
    __table_args__ = (Index("ix_influence_decisions_record_field", "record_id", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("influence_records.id", ondelete="CASCADE"), index=True
    )
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    field: Mapped[str] = mapped_column(String(32))
    # One value: a role, a phrase, a degree, a mode or a rating (a JSON string or number).
    value: Mapped[Any] = mapped_column(JSONType)
    reason: Mapped[str | None] = mapped_column(Text)  # the mode's reason
    decision: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    citations: Mapped[list[InfluenceCitation]] = relationship(
        cascade="all, delete-orphan",
        order_by="InfluenceCitation.id",
        lazy="selectin",
        passive_deletes=True,
    )


class InfluenceCitation(Base):
    """A sentence of a note that a decision rests on."""

    __tablename__ = "influence_citations"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("influence_decisions.id", ondelete="CASCADE"), index=True
    )
    note_id: Mapped[int] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"), index=True)
    sentence: Mapped[str] = mapped_column(Text)


class InfluenceReview(Base):
    """Someone went over the account's map: a new player is one who appeared after the last
    review (a confirmation or edit of any field on the account counts as one too)."""

    __tablename__ = "influence_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
