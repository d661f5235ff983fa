"""Who is in a meeting: the attendees of a typed list or of an iCalendar (.ics) invitation.

The meeting brief needs people, not a calendar, so this reads just enough of RFC 5545 (the first
VEVENT's SUMMARY, DTSTART, ORGANIZER and ATTENDEEs) to cope with what Outlook, Google and Apple
actually send, without a third-party calendar library."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo

from app.schemas.common import to_utc

MAX_BYTES = 1024 * 1024

_FOLD = r"(?:\r\n|\r|\n)[ \t]"
_NAME = re.compile(r"[A-Za-z0-9-]+")
_VALUE = r'(?:"[^"]*"|[^";:,]*)'
_PARAM = re.compile(rf";([A-Za-z0-9-]+)(?:=({_VALUE}(?:,{_VALUE})*))?")
_PART = r'[^@\s<>()\[\],;:"\\.]+'
_EMAIL = re.compile(rf"{_PART}(?:\.{_PART})*@{_PART}(?:\.{_PART})*")
_ANGLED = re.compile(r"(?P<name>.*?)\s*<(?P<address>[^<>]*)>")
_WHEN = re.compile(r"(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?", re.IGNORECASE)
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
    lines = re.split(r"\r\n|\r|\n", _unfolded_text(data))
    in_calendar, depth = False, None  # depth: None before the VEVENT, then nesting inside it
    props: dict[str, tuple[dict[str, str], str]] = {}
    people: list[Attendee] = []
    for line in lines:
        parsed = _content_line(line)
        if parsed is None:
            continue
        name, params, value = parsed
        if name == "BEGIN":
            component = value.strip().upper()
            in_calendar = in_calendar or component == "VCALENDAR"
            if depth is not None:
                depth += 1
            elif in_calendar and component == "VEVENT":
                depth = 0
        elif name == "END" and depth is not None:
            if depth == 0:
                break
            depth -= 1
        elif depth == 0 and name == "ATTENDEE":
            person = _calendar_person(params, value)
            if person is not None and params.get("CUTYPE", "").upper() not in _NOT_PEOPLE:
                people.append(person)
        elif depth == 0:
            props.setdefault(name, (params, value))
    if not in_calendar:
        raise InvitationError("this is not an iCalendar invitation (no BEGIN:VCALENDAR)")
    if depth is None:
        raise InvitationError("the invitation has no VEVENT")

    organizer = _calendar_person(*props["ORGANIZER"]) if "ORGANIZER" in props else None
    # The organizer goes first so that a matching ATTENDEE line is dropped (it may lend a name).
    everyone = unique_attendees([organizer, *people] if organizer else people)
    if organizer is not None:
        organizer, everyone = everyone[0], everyone[1:]
    summary = _unescape(props["SUMMARY"][1]).strip() if "SUMMARY" in props else ""
    start = _start(*props["DTSTART"]) if "DTSTART" in props else None
    return Meeting(summary or None, start, organizer, everyone)


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


def _content_line(line: str) -> tuple[str, dict[str, str], str] | None:
    """``NAME;PARAM=a;CN="Oyelaran, Jill":value`` -> name, params, value; None if malformed."""
    name = _NAME.match(line)
    if name is None:
        return None
    params: dict[str, str] = {}
    pos = name.end()
    while param := _PARAM.match(line, pos):
        value = param[2] or ""
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1]
        # RFC 6868 caret escapes: ^n newline, ^' double quote, ^^ caret.
        value = re.sub(r"\^([n'^])", lambda m: {"n": "\n", "'": '"'}.get(m[1], "^"), value)
        params[param[1].upper()] = value
        pos = param.end()
    if line[pos : pos + 1] != ":":
        return None
    return name[0].upper(), params, line[pos + 1 :]


def _calendar_person(params: dict[str, str], value: str) -> Attendee | None:
    value = value.strip()
    is_mailto = value[:7].lower() == "mailto:"
    # A non-mailto value (urn:uuid:...) may still carry the address in RFC 7986's EMAIL.
    email = _email(value if is_mailto else params.get("EMAIL", ""))
    name = _display_name(params.get("CN", ""), email)
    return Attendee(email, name) if email or name else None


def _start(params: dict[str, str], value: str) -> datetime | None:
    match = _WHEN.fullmatch(value.strip())
    if match is None:
        return None
    *numbers, zulu = match.groups()
    year, month, day, hour, minute, second = (int(number or 0) for number in numbers)
    try:
        moment = datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
    zone = UTC if numbers[3] is None or zulu else _zone(params.get("TZID", ""))
    try:
        return to_utc(moment.replace(tzinfo=zone))
    except ValueError:  # year 1 in Kiribati, year 9999 in Honolulu: no usable start
        return None


def _zone(tzid: str) -> tzinfo:
    # Outlook writes Windows names ("W. Europe Standard Time") that zoneinfo does not know;
    # the brief only needs the day and rough time, so UTC is the fallback.
    try:
        return ZoneInfo(tzid.strip())
    except (KeyError, ValueError, OSError):
        return UTC


def _unescape(text: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], text)


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
