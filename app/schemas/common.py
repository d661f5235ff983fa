"""Shared schema pieces and the fixed, documented limits of the API."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

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


_ISO_DATE = re.compile(r"\s*[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_text(value: object) -> object:
    # Pydantic would also read a number, or a string of digits, as seconds since 1970: the
    # schema says an ISO 8601 date-time, and "since=-4e-34" is no time anyone meant.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("give an ISO 8601 time, such as 2026-03-01T10:00:00Z")
    if not isinstance(value, str | datetime):
        raise ValueError("give an ISO 8601 time, such as 2026-03-01T10:00:00Z")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Every time the API reads (bodies and query parameters) is one of these.
UTCInput = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(to_utc)]
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


NUL_REFUSED = "text may not contain NUL characters (\\u0000)"


def has_nul(value: object) -> bool:
    """Whether a value, or a string in a list or dict of it, holds a NUL character."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return False


class Input(Schema):
    """What a client sends. PostgreSQL cannot store a NUL character and SQLite would keep it,
    so it is refused here, before either sees it, with the field named in a 422."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if has_nul(value):
            raise ValueError(NUL_REFUSED)
        return value


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


class ProblemError(BaseModel):
    location: list[str] = Field(description='Where: ["body", "observed_at"], ["query", "q"].')
    message: str
    type: str


class Problem(BaseModel):
    """An error, as RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(extra="allow")  # suggestions, candidates, current_version ...

    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[ProblemError] | None = Field(
        default=None, description="Each invalid field, on a 422 for invalid input."
    )
