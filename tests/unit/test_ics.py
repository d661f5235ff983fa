"""Reading meeting attendees from typed lists and from real-world shaped iCalendar invitations
(Outlook, Google), including folding, quoted parameters, escapes, time zones and charsets."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.mail.ics import (
    MAX_BYTES,
    Attendee,
    InvitationError,
    Meeting,
    parse_attendee,
    parse_attendees,
    parse_invitation,
)

JILL = Attendee("jill@bramblewood.example", "Jill Oyelaran")


def ics(*event_lines: str, before: tuple[str, ...] = (), eol: str = "\r\n") -> str:
    """A minimal calendar around one VEVENT holding ``event_lines``."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Test//EN",
        "METHOD:REQUEST",
        *before,
        "BEGIN:VEVENT",
        "UID:1@test.example",
        *event_lines,
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return eol.join(lines) + eol


OUTLOOK = (
    "BEGIN:VCALENDAR\r\n"
    "METHOD:REQUEST\r\n"
    "PRODID:Microsoft Exchange Server 2010\r\n"
    "VERSION:2.0\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:W. Europe Standard Time\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:16010101T030000\r\n"
    "TZOFFSETFROM:+0200\r\n"
    "TZOFFSETTO:+0100\r\n"
    "RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    'ORGANIZER;CN="Raman, Priya":MAILTO:Priya.Raman@tacit.example\r\n'
    'ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN="Oyelaran\r\n'
    ' , Jill":MAILTO:Jill@Bramblewood.example\r\n'
    "ATTENDEE;ROLE=OPT-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=TRUE;CN=Meg Ortiz:MA\r\n"
    " ILTO:meg@harborfreightways.example\r\n"
    'ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;CN="Raman, Priya":MAILTO:pr\r\n'
    " iya.raman@tacit.example\r\n"
    "DESCRIPTION;LANGUAGE=en-US:Agenda:\\n1. Pricing\\n2. Rollout timeline for the\r\n"
    "  northern depots\\n\r\n"
    "UID:040000008200E00074C5B7101A82E00800000000\r\n"
    "SUMMARY;LANGUAGE=en-US:Harbor Freightways renewal\\, pricing\r\n"
    "DTSTART;TZID=W. Europe Standard Time:20261124T100000\r\n"
    "DTEND;TZID=W. Europe Standard Time:20261124T110000\r\n"
    "CLASS:PUBLIC\r\n"
    "BEGIN:VALARM\r\n"
    "DESCRIPTION:REMINDER\r\n"
    "TRIGGER;RELATED=START:-PT15M\r\n"
    "ACTION:DISPLAY\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)

GOOGLE = (
    "BEGIN:VCALENDAR\r\n"
    "PRODID:-//Google Inc//Google Calendar 70.9054//EN\r\n"
    "VERSION:2.0\r\n"
    "CALSCALE:GREGORIAN\r\n"
    "METHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\n"
    "DTSTART:20261124T090000Z\r\n"
    "DTEND:20261124T100000Z\r\n"
    "DTSTAMP:20261101T120000Z\r\n"
    "ORGANIZER;CN=Meg Ortiz:mailto:meg@harborfreightways.example\r\n"
    "UID:7kukuqrfedlm2f9t5n2ab0f2bs@google.com\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE\r\n"
    " ;CN=Meg Ortiz;X-NUM-GUESTS=0:mailto:meg@harborfreightways.example\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=\r\n"
    " TRUE;CN=jill@bramblewood.example;X-NUM-GUESTS=0:mailto:jill@bramblewood.exam\r\n"
    " ple\r\n"
    "ATTENDEE;CUTYPE=RESOURCE;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;RSVP=TRUE;CN\r\n"
    " =HQ-4-Harbor Room (8);X-NUM-GUESTS=0:mailto:c_1883a8b0f5@resource.calendar.\r\n"
    " google.com\r\n"
    "ATTENDEE;CUTYPE=INDIVIDUAL;ROLE=OPT-PARTICIPANT;PARTSTAT=TENTATIVE;CN=Dario\r\n"
    "  Bianchi;X-NUM-GUESTS=0:mailto:dario@harborfreightways.example\r\n"
    "SUMMARY:Depot rollout check-in\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def test_outlook_invitation_with_folding_quoted_comma_and_organizer_as_attendee() -> None:
    meeting = parse_invitation(OUTLOOK.encode("utf-8"))

    assert meeting == Meeting(
        summary="Harbor Freightways renewal, pricing",
        # A Windows zone name is not in zoneinfo, so the wall time is taken as UTC.
        start=datetime(2026, 11, 24, 10, 0, tzinfo=UTC),
        organizer=Attendee("priya.raman@tacit.example", "Raman, Priya"),
        attendees=[
            Attendee("jill@bramblewood.example", "Oyelaran, Jill"),
            Attendee("meg@harborfreightways.example", "Meg Ortiz"),
        ],
    )


def test_google_invitation_skips_the_room_and_repeats_no_organizer() -> None:
    meeting = parse_invitation(GOOGLE)

    assert meeting.summary == "Depot rollout check-in"
    assert meeting.start == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert meeting.organizer == Attendee("meg@harborfreightways.example", "Meg Ortiz")
    # Google's CN is the address itself when it knows no name.
    assert meeting.attendees == [
        Attendee("jill@bramblewood.example", None),
        Attendee("dario@harborfreightways.example", "Dario Bianchi"),
    ]


def test_lf_line_endings_lowercase_names_and_parameters() -> None:
    text = ics(
        "summary:Intro",
        "organizer;cn=Priya Raman:Mailto:priya@tacit.example",
        'attendee;cn="Jill: Sales; EMEA, North";delegated-from="mailto:x@y.example":'
        "mailto:jill@bramblewood.example",
        eol="\n",
    ).lower()

    meeting = parse_invitation(text)

    assert meeting.summary == "intro"
    assert meeting.organizer == Attendee("priya@tacit.example", "priya raman")
    assert meeting.attendees == [Attendee("jill@bramblewood.example", "jill: sales; emea, north")]


def test_tzid_is_converted_to_utc_in_winter_and_summer() -> None:
    winter = parse_invitation(ics("DTSTART;TZID=Europe/Berlin:20261124T100000"))
    summer = parse_invitation(ics('DTSTART;TZID="Europe/Berlin":20260701T100000'))
    new_york = parse_invitation(ics("DTSTART;TZID=America/New_York:20261124T100000"))

    assert winter.start == datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert summer.start == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    assert new_york.start == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert winter.start is not None and winter.start.utcoffset() is not None


@pytest.mark.parametrize("tzid", ["Mars/Olympus_Mons", "../../etc/passwd", ""])
def test_unknown_tzid_is_taken_as_utc(tzid: str) -> None:
    meeting = parse_invitation(ics(f"DTSTART;TZID={tzid}:20261124T100000"))

    assert meeting.start == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("DTSTART;VALUE=DATE:20261124", datetime(2026, 11, 24, tzinfo=UTC)),
        ("DTSTART:20261124", datetime(2026, 11, 24, tzinfo=UTC)),
        ("DTSTART:20261124T143000", datetime(2026, 11, 24, 14, 30, tzinfo=UTC)),
        ("DTSTART:20261124T143000z", datetime(2026, 11, 24, 14, 30, tzinfo=UTC)),
        ("DTSTART:20261324T143000Z", None),
        ("DTSTART:tomorrow", None),
        ("DTSTART:2026112", None),
    ],
)
def test_date_floating_and_malformed_start(line: str, expected: datetime | None) -> None:
    assert parse_invitation(ics(line)).start == expected


def test_attendees_of_alarms_todos_and_later_events_are_ignored() -> None:
    text = ics(
        "SUMMARY:First",
        "ATTENDEE;CN=Jill Oyelaran:mailto:jill@bramblewood.example",
        "BEGIN:VALARM",
        "ACTION:EMAIL",
        "SUMMARY:Reminder",
        "ATTENDEE:mailto:alarm@tacit.example",
        "TRIGGER:-PT30M",
        "END:VALARM",
        "ATTENDEE;CN=Meg Ortiz:mailto:meg@harborfreightways.example",
        before=(
            "BEGIN:VTODO",
            "SUMMARY:A task",
            "ATTENDEE:mailto:todo@tacit.example",
            "END:VTODO",
        ),
    ).replace(
        "END:VCALENDAR",
        "BEGIN:VEVENT\r\nSUMMARY:Second\r\nATTENDEE:mailto:second@tacit.example\r\n"
        "END:VEVENT\r\nEND:VCALENDAR",
    )

    meeting = parse_invitation(text)

    assert meeting.summary == "First"
    assert meeting.attendees == [JILL, Attendee("meg@harborfreightways.example", "Meg Ortiz")]


def test_escapes_in_summary() -> None:
    meeting = parse_invitation(ics(r"SUMMARY:Renewal\, pricing \; Q4\nnext steps \\ notes\N"))

    assert meeting.summary == "Renewal, pricing ; Q4\nnext steps \\ notes"


def test_missing_summary_start_and_organizer_are_none() -> None:
    assert parse_invitation(ics("SUMMARY:  ")) == Meeting(None, None, None, [])


def test_non_mailto_attendees_need_a_name_or_an_email_parameter() -> None:
    meeting = parse_invitation(
        ics(
            "ATTENDEE;CN=Dario Bianchi:urn:uuid:4a1c8d3e-0000-4000-8000-000000000001",
            "ATTENDEE:urn:uuid:4a1c8d3e-0000-4000-8000-000000000002",
            "ATTENDEE;EMAIL=Zoe@Tacit.example:urn:uuid:4a1c8d3e-0000-4000-8000-000000000003",
            "ATTENDEE;CN=Broken:mailto:",
            "ATTENDEE;CUTYPE=ROOM;CN=Room 2:urn:uuid:4a1c8d3e-0000-4000-8000-000000000004",
        )
    )

    assert meeting.attendees == [
        Attendee(None, "Dario Bianchi"),
        Attendee("zoe@tacit.example", None),
        Attendee(None, "Broken"),
    ]


def test_bytes_with_bom_and_a_fold_inside_a_utf8_character() -> None:
    text = ics("SUMMARY:Kickoff", "ATTENDEE;CN=Zoë Ångström:mailto:zoe@tacit.example")
    raw = text.encode("utf-8")
    cut = raw.index("ë".encode()) + 1  # fold between the two bytes of "ë"
    data = b"\xef\xbb\xbf" + raw[:cut] + b"\r\n " + raw[cut:]

    meeting = parse_invitation(data)

    assert meeting.summary == "Kickoff"
    assert meeting.attendees == [Attendee("zoe@tacit.example", "Zoë Ångström")]


def test_str_with_bom_is_read() -> None:
    meeting = parse_invitation("\ufeff" + ics("SUMMARY:Kickoff"))

    assert meeting.summary == "Kickoff"


def test_latin1_bytes_fall_back() -> None:
    text = ics("SUMMARY:Übergabe Lager Süd", "ATTENDEE;CN=Jürgen Müller:mailto:jm@lager.example")

    meeting = parse_invitation(text.encode("latin-1"))

    assert meeting.summary == "Übergabe Lager Süd"
    assert meeting.attendees == [Attendee("jm@lager.example", "Jürgen Müller")]


def test_rfc6868_caret_escapes_in_parameters() -> None:
    meeting = parse_invitation(ics("ATTENDEE;CN=Jill ^'JJ^' O^^:mailto:jill@bramblewood.example"))

    assert meeting.attendees == [Attendee("jill@bramblewood.example", 'Jill "JJ" O^')]


@pytest.mark.parametrize(
    "data",
    [
        "Hi Meg, see you on Tuesday at 10.",
        b"From: meg@harborfreightways.example\r\nSubject: Lunch\r\n\r\nBEGIN:VEVENT\r\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "",
    ],
)
def test_not_a_calendar(data: str | bytes) -> None:
    with pytest.raises(InvitationError) as caught:
        parse_invitation(data)

    assert str(caught.value) == "this is not an iCalendar invitation (no BEGIN:VCALENDAR)"


def test_calendar_without_event() -> None:
    text = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nSUMMARY:Task\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"

    with pytest.raises(InvitationError, match=r"^the invitation has no VEVENT$"):
        parse_invitation(text)


def test_too_large_input_is_refused_but_the_limit_itself_is_fine() -> None:
    body = ics("SUMMARY:Big")
    filler = "X-FILLER:" + "a" * (MAX_BYTES - len(body) - 11) + "\r\n"
    at_limit = body.replace("SUMMARY:Big\r\n", "SUMMARY:Big\r\n" + filler)
    assert len(at_limit.encode()) == MAX_BYTES

    assert parse_invitation(at_limit.encode()).summary == "Big"
    with pytest.raises(InvitationError, match="larger than 1 MiB"):
        parse_invitation(at_limit.encode() + b" ")
    with pytest.raises(InvitationError, match="larger than 1 MiB"):
        parse_invitation("é" * (MAX_BYTES // 2 + 1))  # few characters, more bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Jill Oyelaran <jill@bramblewood.example>", JILL),
        ("  Jill   Oyelaran\t<JILL@Bramblewood.example> ", JILL),
        ("jill@x.example", Attendee("jill@x.example", None)),
        ("mailto:jill@x.example", Attendee("jill@x.example", None)),
        ("MAILTO:Jill@X.example", Attendee("jill@x.example", None)),
        ("Jill <mailto:jill@x.example>", Attendee("jill@x.example", "Jill")),
        ('"Oyelaran, Jill" <jill@x>', Attendee("jill@x", "Oyelaran, Jill")),
        ("'Jill Oyelaran' <jill@x.example>", Attendee("jill@x.example", "Jill Oyelaran")),
        ("<jill@x.example>", Attendee("jill@x.example", None)),
        ("jill@x.example <jill@x.example>", Attendee("jill@x.example", None)),
        ("Jill Oyelaran", Attendee(None, "Jill Oyelaran")),
        ('"Oyelaran, Jill"', Attendee(None, "Oyelaran, Jill")),
    ],
)
def test_parse_attendee_forms(text: str, expected: Attendee) -> None:
    assert parse_attendee(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "jill@",
        "@x.example",
        "jill@@x.example",
        "jill@x..example",
        "Jill <>",
        "Jill <jill>",
        "Jill <jill@x.example",
        "jill@x.example bob@y.example",
        "mailto:",
    ],
)
def test_parse_attendee_rejects_malformed_addresses(text: str) -> None:
    with pytest.raises(InvitationError) as caught:
        parse_attendee(text)

    assert str(caught.value) == f'"{text}" is not a valid e-mail address'


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_parse_attendee_rejects_empty(text: str) -> None:
    with pytest.raises(InvitationError, match=r"^an attendee is empty$"):
        parse_attendee(text)


def test_parse_attendees_splits_items_holding_several_addresses() -> None:
    people = parse_attendees(
        [
            "a@x.example, b@x.example",
            "Meg Ortiz <meg@harborfreightways.example>; Dario Bianchi <dario@h.example>\n"
            "zoe@tacit.example",
        ]
    )

    assert people == [
        Attendee("a@x.example", None),
        Attendee("b@x.example", None),
        Attendee("meg@harborfreightways.example", "Meg Ortiz"),
        Attendee("dario@h.example", "Dario Bianchi"),
        Attendee("zoe@tacit.example", None),
    ]


def test_parse_attendees_keeps_commas_inside_display_names() -> None:
    people = parse_attendees(
        [
            '"Oyelaran, Jill" <jill@bramblewood.example>, "Ortiz, Meg" <meg@h.example>',
            "Bianchi, Dario <dario@h.example>, zoe@tacit.example",
            "Raman, Priya",
        ]
    )

    assert people == [
        Attendee("jill@bramblewood.example", "Oyelaran, Jill"),
        Attendee("meg@h.example", "Ortiz, Meg"),
        Attendee("dario@h.example", "Bianchi, Dario"),
        Attendee("zoe@tacit.example", None),
        Attendee(None, "Raman, Priya"),
    ]


def test_parse_attendees_deduplicates_by_email_first_wins() -> None:
    people = parse_attendees(
        [
            "jill@bramblewood.example",
            "Meg Ortiz <meg@h.example>",
            "Jill Oyelaran <JILL@bramblewood.example>",
            "Margaret Ortiz <meg@h.example>",
            "Dario Bianchi",
            "dario bianchi",
            "",
            " , ",
        ]
    )

    assert people == [
        JILL,  # first position, but the later entry supplied the missing name
        Attendee("meg@h.example", "Meg Ortiz"),
        Attendee(None, "Dario Bianchi"),
    ]


def test_parse_attendees_reports_the_bad_piece() -> None:
    with pytest.raises(InvitationError) as caught:
        parse_attendees(["a@x.example, jill@"])

    assert str(caught.value) == '"jill@" is not a valid e-mail address'
