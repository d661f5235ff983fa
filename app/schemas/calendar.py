"""A user's calendar feed, their upcoming external meetings, and whether briefs are delivered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from urllib.parse import urlsplit

from pydantic import AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from app.schemas.common import Input, Ref, Schema

MAX_FEED_URL_CHARS = 2000


def _feed_url(url: str) -> str:
    # The value is a secret: the messages below never repeat it.
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise ValueError("not a URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise ValueError(
            "the address must start with https:// or http:// (for webcal://, write https://)"
        )
    if not parts.hostname:
        raise ValueError("the address names no host")
    if any(c.isspace() for c in url):
        raise ValueError("the address may not contain spaces")
    return url


FeedUrl = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_FEED_URL_CHARS),
    AfterValidator(_feed_url),
]

STATUS_DESCRIPTION = (
    "scheduled: the brief will be sent before the meeting; sent: it was; updated: the meeting "
    "changed after a brief and the update was sent; failed: it could not be sent before the "
    "meeting began; off: you turned delivery off."
)


class CalendarSet(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ics_url": "https://calendar.google.com/calendar/ical/ana%40tacit.example/"
                    "private-4f1c0a9e/basic.ics"
                }
            ]
        }
    )

    ics_url: FeedUrl = Field(
        description="Your calendar's secret .ics address (Google: Settings, Secret address in "
        "iCal format; Outlook: Publish a calendar, ICS; Apple: a public calendar's link with "
        "webcal:// written as https://). Stored encrypted, never shown in full again."
    )
    deliver: bool | None = Field(
        default=None, description="Whether briefs are sent before your meetings (default: on)."
    )


class CalendarRead(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "configured": True,
                    "url": "calendar.google.com ….ics",
                    "deliver": True,
                    "last_polled_at": "2026-12-07T08:55:00Z",
                    "last_error": "HTTP 404: the address no longer works (was it reset?); "
                    "set it again",
                    "poll_seconds": 300,
                    "lead_minutes": 60,
                    "weekly_digest": False,
                }
            ]
        }
    )

    configured: bool = Field(description="Whether you have a calendar feed.")
    url: str | None = Field(description="The feed's host and its last four characters only.")
    deliver: bool = Field(description="Whether briefs are sent before your external meetings.")
    last_polled_at: datetime | None = Field(description="When the feed was last read.")
    last_error: str | None = Field(description="Why the last read failed; null when it worked.")
    poll_seconds: int = Field(description="How often the feed is read.")
    lead_minutes: int = Field(description="How long before a meeting its brief is sent.")
    weekly_digest: bool = Field(
        default=False, description="Whether you get the weekly digest by e-mail."
    )


class BriefsSet(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"deliver": False}, {"weekly_digest": True}]}
    )

    deliver: bool | None = Field(
        default=None,
        description="false: no briefs before your meetings; true: again (needs a calendar feed).",
    )
    weekly_digest: bool | None = Field(
        default=None,
        description="true: e-mail me the weekly digest (colleagues' new notes on the accounts "
        "I write about or meet, and their stale facts due for review, once a week at "
        "TACIT_DIGEST_WEEKDAY and TACIT_DIGEST_HOUR UTC); false: stop. Off unless asked for; "
        "needs no calendar feed.",
    )

    @model_validator(mode="after")
    def _something(self) -> BriefsSet:
        if self.deliver is None and self.weekly_digest is None:
            raise ValueError("send deliver, weekly_digest or both")
        return self


class AttendeeRead(Schema):
    email: str | None
    name: str | None


class UpcomingRead(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "summary": "Harbor Freightways renewal",
                    "starts_at": "2026-12-07T09:00:00Z",
                    "ends_at": "2026-12-07T10:00:00Z",
                    "attendees": [
                        {"email": "ana.reyes@tacit.example", "name": "Ana Reyes"},
                        {"email": "meg@harbor.example", "name": "Meg Ortiz"},
                    ],
                    "accounts": [{"id": 4, "name": "Harbor Freightways"}],
                    "brief": "scheduled",
                    "brief_at": "2026-12-07T08:00:00Z",
                }
            ]
        }
    )

    summary: str | None
    starts_at: datetime
    ends_at: datetime
    attendees: list[AttendeeRead]
    accounts: list[Ref] = Field(description="The accounts the attendees belong to.")
    brief: Literal["scheduled", "sent", "updated", "failed", "off"] = Field(
        description=STATUS_DESCRIPTION
    )
    brief_at: datetime = Field(description="When the brief is (or was) due.")
