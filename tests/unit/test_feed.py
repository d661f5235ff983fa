"""Calendar feeds read into occurrences (``app.mail.feed``), and invitations whose event
recurs or names a time zone by VTIMEZONE (``app.mail.ics``, read with ``icalendar``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.mail.feed import read_feed
from app.mail.ics import InvitationError, parse_invitation

TOKYO_TZ = (
    "BEGIN:VTIMEZONE",
    "TZID:Tokyo Standard Time",
    "BEGIN:STANDARD",
    "DTSTART:16010101T000000",
    "TZOFFSETFROM:+0900",
    "TZOFFSETTO:+0900",
    "END:STANDARD",
    "END:VTIMEZONE",
)


def calendar(*lines: str) -> bytes:
    return (
        "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//T//EN", *lines, "END:VCALENDAR"])
        + "\r\n"
    ).encode()


WEEKLY = calendar(
    "BEGIN:VEVENT",
    "UID:weekly@test",
    "DTSTART:20270104T100000Z",
    "DTEND:20270104T110000Z",
    "RRULE:FREQ=WEEKLY;COUNT=5",
    "EXDATE:20270125T100000Z",
    "SUMMARY:Harbor sync",
    "ORGANIZER;CN=Ana Reyes:mailto:ana@tacit.example",
    "ATTENDEE;CN=Meg Ortiz:mailto:Meg@Harbor.example",
    "ATTENDEE;CUTYPE=ROOM;CN=Room 4:mailto:room4@tacit.example",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:weekly@test",
    "RECURRENCE-ID:20270111T100000Z",
    "DTSTART:20270112T150000Z",
    "DTEND:20270112T160000Z",
    "SUMMARY:Harbor sync (moved)",
    "ATTENDEE:mailto:meg@harbor.example",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:weekly@test",
    "RECURRENCE-ID:20270118T100000Z",
    "DTSTART:20270118T100000Z",
    "DTEND:20270118T110000Z",
    "STATUS:CANCELLED",
    "SUMMARY:Harbor sync",
    "END:VEVENT",
    "BEGIN:VEVENT",
    "UID:allday@test",
    "DTSTART;VALUE=DATE:20270105",
    "SUMMARY:Holiday",
    "END:VEVENT",
    *TOKYO_TZ,
    "BEGIN:VEVENT",
    "UID:tokyo@test",
    "DTSTART;TZID=Tokyo Standard Time:20270106T180000",
    "DURATION:PT30M",
    "SUMMARY:Bramblewood intro",
    "ATTENDEE:mailto:dario@bramble.example",
    "END:VEVENT",
)
START = datetime(2027, 1, 1, tzinfo=UTC)


def test_recurrences_exdate_moved_and_cancelled_occurrences() -> None:
    found = read_feed(WEEKLY, start=START, end=START + timedelta(days=60))
    weekly = [o for o in found if o.uid == "weekly@test"]

    assert [(o.start, o.cancelled) for o in weekly] == [
        (datetime(2027, 1, 4, 10, tzinfo=UTC), False),
        (datetime(2027, 1, 12, 15, tzinfo=UTC), False),  # moved from the 11th
        (datetime(2027, 1, 18, 10, tzinfo=UTC), True),
        (datetime(2027, 2, 1, 10, tzinfo=UTC), False),  # the 25th is an EXDATE
    ]
    # A move keeps the occurrence's name in the series: the next poll recognises it.
    assert weekly[1].key == "weekly@test#20270111T100000Z"
    assert weekly[1].summary == "Harbor sync (moved)"
    assert [a.email for a in weekly[0].attendees] == ["ana@tacit.example", "meg@harbor.example"]
    assert all(o.uid != "allday@test" for o in found)


def test_a_zone_named_by_its_vtimezone_and_a_duration() -> None:
    tokyo = next(
        o
        for o in read_feed(WEEKLY, start=START, end=START + timedelta(days=30))
        if o.uid == "tokyo@test"
    )

    assert tokyo.start == datetime(2027, 1, 6, 9, tzinfo=UTC)
    assert tokyo.end == datetime(2027, 1, 6, 9, 30, tzinfo=UTC)


def test_only_the_window_is_expanded() -> None:
    found = read_feed(
        WEEKLY, start=datetime(2027, 1, 10, tzinfo=UTC), end=datetime(2027, 1, 17, tzinfo=UTC)
    )

    assert [o.key for o in found] == ["weekly@test#20270111T100000Z"]


@pytest.mark.parametrize("data", [b"", b"<html>Sign in</html>", b"\x89PNG\r\n"])
def test_not_a_calendar(data: bytes) -> None:
    with pytest.raises(InvitationError):
        read_feed(data, start=START, end=START + timedelta(days=1))


def test_invitation_of_a_recurring_event_is_its_first_occurrence() -> None:
    meeting = parse_invitation(WEEKLY)

    assert meeting.summary == "Harbor sync"
    assert meeting.start == datetime(2027, 1, 4, 10, tzinfo=UTC)


def test_invitation_in_a_zone_with_daylight_saving() -> None:
    text = calendar(
        "BEGIN:VEVENT",
        "UID:ny@test",
        "DTSTART;TZID=America/New_York:20270705T100000",
        "RRULE:FREQ=WEEKLY;COUNT=2",
        "ATTENDEE:mailto:meg@harbor.example",
        "END:VEVENT",
    )

    assert parse_invitation(text).start == datetime(2027, 7, 5, 14, tzinfo=UTC)  # EDT, -4
