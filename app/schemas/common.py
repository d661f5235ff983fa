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


def _aware(value: datetime) -> datetime:
    # A client that sends "2026-03-01T10:00:00" without an offset means UTC far more often than
    # the server's local time; say so in the docs rather than guess per request.
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


Id = Annotated[int, Field(ge=1, le=MAX_ID)]
UTCInput = Annotated[datetime, AfterValidator(_aware)]
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
