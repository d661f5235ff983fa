"""Who is in a meeting: the attendees of a typed list or of an iCalendar (.ics) invitation.

The meeting brief needs people, not a calendar: the first VEVENT's SUMMARY, DTSTART, ORGANIZER
and ATTENDEEs. ``icalendar`` reads the text (folding, quoting, escapes, RFC 6868 carets); this
module decodes the bytes first and turns its properties into people. A calendar feed's events
(``app.mail.feed``) are read with the same helpers."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

from icalendar import Calendar, Component, Event, vBroken, vDDDTypes

from app.schemas.common import to_utc

MAX_BYTES = 1024 * 1024

_FOLD = r"(?:\r\n|\r|\n)[ \t]"
_PART = r'[^@\s<>()\[\],;:"\\.]+'
_EMAIL = re.compile(rf"{_PART}(?:\.{_PART})*@{_PART}(?:\.{_PART})*")
_ANGLED = re.compile(r"(?P<name>.*?)\s*<(?P<address>[^<>]*)>")
_NOT_PEOPLE = {"ROOM", "RESOURCE"}


class InvitationError(ValueError):
    """The input cannot be read; the message is one sentence meant for the user."""


@dataclass(frozen=True)
class Attendee:
    """A person: the lower-cased address and/or the display name (never both None)."""

    email: str | None
    name: str | None


@dataclass(frozen=True)
class Meeting:
    """The first VEVENT; ``start`` is in UTC (a floating time or a DATE is taken as UTC)."""

    summary: str | None
    start: datetime | None
    organizer: Attendee | None
    attendees: list[Attendee]


def parse_attendee(text: str) -> Attendee:
    """One person from "Name <address>", "address", "mailto:address" or just "Name"."""
    raw = " ".join(text.split())
    if not raw:
        raise InvitationError("an attendee is empty")
    # Hand-rolled rather than email.utils.parseaddr, which reads "Oyelaran, Jill <jill@x>" as
    # the address "Oyelaran" and "Jill <mailto:jill@x>" as "mailto".
    if match := _ANGLED.fullmatch(raw):
        name, address = match["name"], match["address"]
    elif "@" in raw or "<" in raw or ">" in raw or raw.lower().startswith("mailto:"):
        name, address = "", raw
    else:
        return Attendee(None, _display_name(raw))
    email = _email(address)
    if email is None:
        raise InvitationError(f'"{raw}" is not a valid e-mail address')
    return Attendee(email, _display_name(name, email))


def parse_attendees(items: list[str]) -> list[Attendee]:
    """Everyone in ``items``, where one item may hold several people; blank items are skipped
    and a repeated address is kept once."""
    return unique_attendees([parse_attendee(piece) for item in items for piece in _pieces(item)])


def parse_invitation(data: bytes | str) -> Meeting:
    """The first event of an iCalendar invitation."""
    event = first_event(read_calendar(data))
    if event is None:
        raise InvitationError("the invitation has no VEVENT")
    organizer = calendar_person(event.get("ORGANIZER"))
    # The organizer goes first so that a matching ATTENDEE line is dropped (it may lend a name).
    people = event_attendees(event)
    everyone = unique_attendees([organizer, *people] if organizer else people)
    if organizer is not None:
        organizer, everyone = everyone[0], everyone[1:]
    summary = str(event.get("SUMMARY", "")).strip()
    return Meeting(summary or None, _start(event.get("DTSTART")), organizer, everyone)


def read_calendar(data: bytes | str) -> Calendar:
    """``data`` read by ``icalendar``, after this module's decoding (a size limit, a BOM,
    folds inside a UTF-8 sequence, Latin-1 from old clients)."""
    text = _unfolded_text(data)
    try:
        calendar = Calendar.from_ical(text)
    except ValueError:
        calendar = None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise InvitationError("this is not an iCalendar invitation (no BEGIN:VCALENDAR)")
    return calendar


def first_event(calendar: Calendar) -> Event | None:
    """The calendar's own first VEVENT (not one nested in another component)."""
    return next((c for c in calendar.subcomponents if isinstance(c, Event)), None)


def event_attendees(event: Component) -> list[Attendee]:
    """The people among the event's ATTENDEEs (rooms and resources left out), in order."""
    found = event.get("ATTENDEE", [])
    people = []
    for address in found if isinstance(found, list) else [found]:
        person = calendar_person(address)
        cutype = str(getattr(address, "params", {}).get("CUTYPE", "")).upper()
        if person is not None and cutype not in _NOT_PEOPLE:
            people.append(person)
    return people


def _unfolded_text(data: bytes | str) -> str:
    size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace"))
    if size > MAX_BYTES:
        raise InvitationError("the invitation is larger than 1 MiB")
    if isinstance(data, str):
        return re.sub(_FOLD, "", data).removeprefix("\ufeff")
    # Unfold before decoding: a line may be folded in the middle of a UTF-8 sequence.
    data = re.sub(_FOLD.encode(), b"", data)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def calendar_person(address: object) -> Attendee | None:
    """An ORGANIZER or ATTENDEE property as a person; None when it names nobody."""
    if address is None:
        return None
    params = getattr(address, "params", {})
    value = str(address).strip()
    is_mailto = value[:7].lower() == "mailto:"
    # A non-mailto value (urn:uuid:...) may still carry the address in RFC 7986's EMAIL.
    email = _email(value if is_mailto else str(params.get("EMAIL", "")))
    name = _display_name(str(params.get("CN", "")), email)
    return Attendee(email, name) if email or name else None


def _start(prop: object) -> datetime | None:
    """The invitation's start in UTC. Its wall time is read in the zone its TZID names in
    zoneinfo; a name zoneinfo does not know (Outlook's Windows names) is taken as UTC, since
    the brief only needs the day and rough time."""
    if prop is None:
        return None
    if isinstance(prop, vBroken):
        try:  # a lower-case "z" is the one slip worth forgiving
            prop = vDDDTypes(vDDDTypes.from_ical(str(prop).upper()))  # type: ignore[no-untyped-call]
        except ValueError:
            return None
    value = getattr(prop, "dt", None)
    if not isinstance(value, date):
        return None
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    tzid = getattr(prop, "params", {}).get("TZID")
    if value.tzinfo is not None and tzid is None:
        zone: tzinfo = UTC  # "Z": already UTC
    else:
        zone = _zone(str(tzid or "UTC"))
    try:
        return to_utc(value.replace(tzinfo=zone))
    except (ValueError, OverflowError):  # year 1 in Kiribati: no usable start
        return None


def _zone(tzid: str) -> tzinfo:
    try:
        return ZoneInfo(tzid.strip())
    except (KeyError, ValueError, OSError):
        return UTC


def _email(text: str) -> str | None:
    address = text.strip()
    if address[:7].lower() == "mailto:":
        address = address[7:].strip()
    return address.lower() if _EMAIL.fullmatch(address) else None


def _display_name(text: str, email: str | None = None) -> str | None:
    name = " ".join(text.split())
    if len(name) >= 2 and name[0] == name[-1] and name[0] in "\"'":
        name = " ".join(name[1:-1].replace('\\"', '"').split())
    # Google sets CN to the address itself when it knows no name.
    return name if name and name.lower() != email else None


def _pieces(item: str) -> list[str]:
    """An item split into people: at newlines and semicolons, and at commas once it holds an
    address, except the comma of an unquoted "Oyelaran, Jill <jill@x>"."""
    pieces: list[str] = []
    for segment in _split(item, ";\n\r"):
        parts = _split(segment, ",")
        if not parts:
            continue
        if not any("@" in part for part in parts):
            pieces.append(segment)  # "Oyelaran, Jill" is one name, not two
            continue
        merged: list[str] = []
        for part in parts:
            if "<" in part and merged and "@" not in merged[-1]:
                merged[-1] = f"{merged[-1]}, {part}"
            else:
                merged.append(part)
        pieces.extend(merged)
    return pieces


def _split(text: str, separators: str) -> list[str]:
    """``text`` split at ``separators`` outside "quotes" and <angle brackets>, blanks dropped."""
    parts, start, quoted, angled = [], 0, False, False
    for pos, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char in "<>" and not quoted:
            angled = char == "<"
        elif char in separators and not (quoted or angled):
            parts.append(text[start:pos])
            start = pos + 1
    parts.append(text[start:])
    return [part.strip() for part in parts if part.strip()]


def _key(person: Attendee) -> str:
    return person.email or f"name:{(person.name or '').casefold()}"


def unique_attendees(people: list[Attendee]) -> list[Attendee]:
    """First occurrence wins, but a later one may supply the name the first one lacked."""
    kept: dict[str, Attendee] = {}
    for person in people:
        first = kept.setdefault(_key(person), person)
        if first.name is None and person.name:
            kept[_key(person)] = replace(first, name=person.name)
    return list(kept.values())
