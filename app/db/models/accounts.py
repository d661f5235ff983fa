"""Customers: accounts, the domains that name them, their contacts, and the buying roles
people confirmed or rejected."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db.base import Base, UTCDateTime, utcnow
from app.db.models.columns import (
    BuyingRole,
    JSONType,
    created_column,
    portable_enum,
    updated_column,
)


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
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

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
    # An erased contact's id is never another person's: events and revisions still name it.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str | None] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    buying_role: Mapped[BuyingRole] = mapped_column(
        portable_enum(BuyingRole, "buying_role"), default=BuyingRole.unknown
    )
    reports_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    external_id: Mapped[str | None] = mapped_column(String(255), unique=True)
    created_at: Mapped[datetime] = created_column()
    updated_at: Mapped[datetime] = updated_column()

    account: Mapped[Account] = relationship(lazy="joined", innerjoin=True)


class RoleDecision(Base):
    """A person's answer to a buying-role suggestion; a rejected one is not suggested again."""

    __tablename__ = "role_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[BuyingRole] = mapped_column(portable_enum(BuyingRole, "buying_role"))
    decision: Mapped[str] = mapped_column(String(16))  # "confirmed" or "rejected"
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    evidence: Mapped[list[int]] = mapped_column(JSONType, default=list)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
