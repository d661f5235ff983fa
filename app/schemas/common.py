"""Shared schema pieces and the fixed, documented limits of the API."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

MAX_NOTE_CHARS = 20_000
MAX_CONTACTS_PER_NOTE = 100
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL; larger ones cannot exist

T = TypeVar("T")


# The times Tacit accepts, in UTC. A fact about a customer is not from before 1900, and a
# filter beyond 2199 means "no end"; the bounds keep every date sum and database far from
# datetime's own limits (year 1 and 9999), where converting an offset overflows.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)
TIME_RANGE = "between 1900-01-01 and 2200-01-01 UTC"


def to_utc(value: datetime) -> datetime:
    """``value`` in UTC, ``ValueError`` outside ``EARLIEST``..``LATEST``. A time without an
    offset is UTC: a client that sends "2026-03-01T10:00:00" means UTC far more often than
    the server's local time; the docs say so rather than guess per request."""
    try:
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    except OverflowError:  # "0001-01-01T00:00:00+01:00" is in year 0
        raise ValueError(f"the time must be {TIME_RANGE}") from None
    if not EARLIEST <= aware < LATEST:
        raise ValueError(f"the time must be {TIME_RANGE}")
    return aware


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Every time the API reads (bodies and query parameters) is one of these.
UTCInput = Annotated[datetime, AfterValidator(to_utc)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
OptionalText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True, to_lower=True, max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    ),
]


class Schema(BaseModel):
    model_config = ConfigDict(from_attributes=True, extra="forbid")


class Ref(Schema):
    """A short reference to a related record."""

    id: int
    name: str
    external_id: str | None = None


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        default=None, description="Pass as `cursor` to get the next page; null on the last page."
    )
