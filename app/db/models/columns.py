"""What the tables share: the enums stored in them, and portable column types."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, Enum
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import UTCDateTime, utcnow

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
