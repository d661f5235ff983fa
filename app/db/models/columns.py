"""What the tables share: the enums stored in them, and portable column types."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from app.db.base import UTCDateTime, utcnow

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Role(enum.StrEnum):
    """Access role. A job title such as "support" is kept in ``User.title``, not here."""

    rep = "rep"
    manager = "manager"
    admin = "admin"


class TokenScope(enum.StrEnum):
    """What an API token may be used for. A scope only narrows its owner's powers: the role
    rules of ``app.domain.access`` still apply to whatever the token is let through to."""

    read = "read"
    write = "write"
    admin = "admin"
    mail = "mail"  # posting raw e-mail to /v1/inbound/email, and nothing else


class ScopeSet(TypeDecorator[frozenset[TokenScope]]):
    """A token's scopes as one space-separated string (as OAuth writes a scope list): the same
    column on both dialects, and short enough to read in a database shell."""

    impl = String(64)
    cache_ok = True

    def process_bind_param(
        self, value: frozenset[TokenScope] | None, dialect: Dialect
    ) -> str | None:
        if value is None:
            return None
        return " ".join(sorted(TokenScope(v).value for v in value))

    def process_result_value(
        self, value: str | None, dialect: Dialect
    ) -> frozenset[TokenScope] | None:
        if value is None:
            return None
        return frozenset(TokenScope(v) for v in value.split())


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


def portable_enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # Portable: a VARCHAR with a CHECK constraint on both dialects, no native PG enum to migrate.
    return Enum(
        cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=16,
        values_callable=lambda members: [m.value for m in members],
    )


def created_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow)


def updated_column() -> Mapped[datetime]:
    return mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
