"""A calendar feed (the secret .ics address Google, Outlook and Apple publish) read into the
meeting occurrences of a time window.

``recurring-ical-events`` expands what a feed states once: RRULE and RDATE, EXDATE, moved
occurrences (an override with RECURRENCE-ID), and time zones (VTIMEZONE, TZID). An occurrence
keeps STATUS:CANCELLED rather than vanishing, so that a brief already on its way can be held
back. All-day events are left out: nobody needs a brief an hour before a holiday."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import recurring_ical_events
from icalendar import Component

from app.mail.ics import (
    Attendee,
    InvitationError,
    calendar_person,
    event_attendees,
    read_calendar,
    unique_attendees,
)
from app.schemas.common import to_utc

MAX_SUMMARY_CHARS = 500


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of an event. ``key`` names it across polls: the event's UID and the
    start it has in the series (its RECURRENCE-ID), which a move leaves as it was."""

    uid: str
    key: str
    start: datetime  # UTC
    end: datetime  # UTC
    summary: str | None
    attendees: list[Attendee]  # the organizer first, when there is one
    cancelled: bool


def read_feed(data: bytes, *, start: datetime, end: datetime) -> list[Occurrence]:
    """The timed occurrences that overlap ``start``..``end``, in start order. Raises
    ``InvitationError`` when ``data`` is not a calendar."""
    calendar = read_calendar(data)
    try:
        events = recurring_ical_events.of(calendar).between(start, end)
    except (ValueError, TypeError, recurring_ical_events.InvalidCalendar) as exc:
        raise InvitationError(f"the calendar cannot be expanded: {exc}") from None
    found = [o for o in (_occurrence(e) for e in events) if o is not None]
    return sorted(found, key=lambda o: (o.start, o.key))


def _occurrence(event: Component) -> Occurrence | None:
    start, end = _moment(event.get("DTSTART")), _moment(event.get("DTEND"))
    if start is None:
        return None  # all day, or unreadable
    uid = str(event.get("UID", "")).strip()
    if not uid:
        return None  # nothing to recognise it by at the next poll
    series_start = _moment(event.get("RECURRENCE-ID")) or start
    organizer = calendar_person(event.get("ORGANIZER"))
    people = unique_attendees([*([organizer] if organizer else []), *event_attendees(event)])
    summary = str(event.get("SUMMARY", "")).strip()[:MAX_SUMMARY_CHARS]
    return Occurrence(
        uid=uid,
        key=f"{uid}#{series_start.strftime('%Y%m%dT%H%M%SZ')}",
        start=start,
        end=end if end is not None and end > start else start,
        summary=summary or None,
        attendees=people,
        cancelled=str(event.get("STATUS", "")).upper() == "CANCELLED",
    )


def _moment(prop: object) -> datetime | None:
    value = getattr(prop, "dt", None)
    if not isinstance(value, datetime):
        return None
    try:  # a floating time (no zone) is taken as UTC, as everywhere in Tacit
        return to_utc(value)
    except ValueError:  # outside the years Tacit stores
        return None
