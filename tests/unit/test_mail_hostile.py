"""Large and hostile input to the mail, calendar and CSV readers: the shapes that once made a
loop or a regex quadratic (scripts/mail_bench.py times them) still give the right text, and
dates at the edge of what datetime can hold are refused or dropped, never an exception."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from app.domain.transfer.csv_format import parse_date
from app.mail.clean import clean_text
from app.mail.html import html_to_text
from app.mail.ics import parse_invitation
from app.mail.parse import parse_addresses, parse_mail
from app.schemas.common import EARLIEST, LATEST, to_utc

EXTREME_TIMES = ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-14:00"]


def test_a_signature_after_200000_short_lines_is_still_found() -> None:
    body = "\n".join(["ok"] * 200_000 + ["", "Thanks,", "Meg Ortiz", "CFO, Harbor"])
    lines = clean_text(body).text.split("\n")
    assert len(lines) == 200_000
    assert set(lines) == {"ok"}


def test_many_sign_offs_are_cut_like_a_few() -> None:
    def signed(times: int) -> str:
        return "\n\n".join(["Thanks,", "Meg"] * times)

    assert clean_text(signed(5_000)).text == f"{signed(4_990)}\n\n{clean_text(signed(10)).text}"


def test_many_attributions_with_quotes_keep_only_the_new_lines() -> None:
    body = "Meg signs.\n" + "On Mon, Sam wrote:\n> old\n" * 20_000
    assert clean_text(body).text == "Meg signs."


def test_a_long_forwarded_header_keeps_every_address() -> None:
    body = "---------- Forwarded message ---------\nTo: a@x.example,\n"
    body += "".join(f" p{i}@x.example,\n" for i in range(5_000)) + "\nMeg signs."
    cleaned = clean_text(body)
    assert "Meg signs." in cleaned.text
    [(name, value)] = cleaned.forwarded_headers
    assert name == "To" and len(parse_addresses(value)) == 5_001


@pytest.mark.parametrize(
    "line",
    [
        "-- Forwarded message" + " " * 100_000 + "x",
        "From:" + " " * 100_000 + "x",
        "a" * 100_000,
    ],
)
def test_long_lines_that_start_like_markers_are_text(line: str) -> None:
    assert clean_text(f"Meg signs.\n{line}").text == f"Meg signs.\n{line}".rstrip()


def test_an_address_is_found_in_text_after_a_long_run_without_one() -> None:
    assert [a.email for a in parse_addresses("a" * 100_000 + " meg@harbor.example")] == [
        "meg@harbor.example"
    ]


def test_an_endless_line_of_inline_html_is_one_line_of_text() -> None:
    assert html_to_text("<div>" + "<b>ab</b> " * 50_000 + "</div>") == " ".join(["ab"] * 50_000)


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Meg signs.</p>" + "<a " * 20_000, "Meg signs.\n\n" + "<a " * 19_999 + "<a"),
        ("<p>Meg signs.</p><b>bold <i", "Meg signs.\n\nbold <i"),
        ("<p>Meg signs.</p></" * 2, "Meg signs.\n\nMeg signs.\n\n</"),
        ("<![ x>Meg signs.", "Meg signs."),
        ("<![foo]>Meg signs.", "Meg signs."),
        ("<![if !supportLists]>- <![endif]>Meg signs.", "- Meg signs."),
    ],
)
def test_unclosed_and_unknown_markup_is_read_as_text_or_skipped(html: str, text: str) -> None:
    assert html_to_text(html) == text


@pytest.mark.parametrize(
    # Years below 100 are read as 19xx/20xx (RFC 5322's obsolete two-digit years).
    "date",
    ["Fri, 31 Dec 9999 23:59:59 -1400", "Mon, 1 Jan 0100 00:00:00 +0100", "1 Jan 1850 10:00 Z"],
)
def test_a_mail_date_beyond_the_range_is_no_date(date: str) -> None:
    raw = f"From: meg@harbor.example\r\nDate: {date}\r\n\r\nMeg signs.\r\n".encode()
    assert parse_mail(raw).sent_at is None


@pytest.mark.parametrize(
    "dtstart",
    ["DTSTART;TZID=Pacific/Kiritimati:00010101T000000", "DTSTART;TZID=Etc/GMT+12:99991231T235959"],
)
def test_an_invitation_start_beyond_the_range_is_no_start(dtstart: str) -> None:
    ics = f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{dtstart}\nATTENDEE:mailto:meg@x.example\nEND:VEVENT"
    meeting = parse_invitation(ics + "\nEND:VCALENDAR\n")
    assert meeting.start is None
    assert [a.email for a in meeting.attendees] == ["meg@x.example"]


@pytest.mark.parametrize("text", EXTREME_TIMES)
def test_a_csv_date_beyond_the_range_is_a_clear_error(text: str) -> None:
    with pytest.raises(ValueError, match="between 1900-01-01 and 2200-01-01 UTC"):
        parse_date(text, now=datetime.now(UTC))


@pytest.mark.parametrize("text", EXTREME_TIMES)
def test_to_utc_refuses_times_beyond_the_range(text: str) -> None:
    with pytest.raises(ValueError, match="between"):
        to_utc(datetime.fromisoformat(text))


def test_to_utc_keeps_the_range_and_reads_a_naive_time_as_utc() -> None:
    assert to_utc(datetime(1900, 1, 1)) == EARLIEST
    assert to_utc(datetime(2199, 12, 31, 23, 0, tzinfo=UTC)) < LATEST
    assert to_utc(datetime.fromisoformat("2026-03-01T10:00:00+02:00")) == datetime(
        2026, 3, 1, 8, tzinfo=UTC
    )
