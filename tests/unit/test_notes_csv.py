"""The CSV format of notes, without a database: headers, delimiters, encodings, dates, cells."""

from __future__ import annotations

import codecs
from datetime import UTC, datetime

import pytest

from app.domain.transfer import csv_format as notes_csv
from app.domain.transfer.csv_format import guard, parse_date, parse_emails, read_table, unguard

NOW = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-04", datetime(2025, 3, 4, tzinfo=UTC)),
        ("2025-03-04 14:05", datetime(2025, 3, 4, 14, 5, tzinfo=UTC)),
        ("2025-03-04T14:05:00+01:00", datetime(2025, 3, 4, 13, 5, tzinfo=UTC)),
        ("2025-03-04T14:05:00.250Z", datetime(2025, 3, 4, 14, 5, 0, 250_000, tzinfo=UTC)),
        ("03/04/2025", datetime(2025, 3, 4, tzinfo=UTC)),  # US: month first
        ("3/4/25 2:05pm", datetime(2025, 3, 4, 14, 5, tzinfo=UTC)),
        ("3/4/2025, 2:05 PM", datetime(2025, 3, 4, 14, 5, tzinfo=UTC)),
        ("4 Mar 2025", datetime(2025, 3, 4, tzinfo=UTC)),
        ("4 March 2025 14:05", datetime(2025, 3, 4, 14, 5, tzinfo=UTC)),
        ("Mar 4, 2025", datetime(2025, 3, 4, tzinfo=UTC)),
        ("03/04/2025 14:05 UTC", datetime(2025, 3, 4, 14, 5, tzinfo=UTC)),
    ],
)
def test_dates_people_export(text: str, expected: datetime) -> None:
    assert parse_date(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("31/12/2024", "not a date"),  # day first is not the US order
        ("04.03.2025", "not a date"),
        ("soon", "not a date"),
        ("2026-01-02", "in the future"),
    ],
)
def test_what_is_not_a_date_says_why(text: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        parse_date(text, now=NOW)


def test_the_delimiter_is_the_one_that_makes_sense_of_the_header() -> None:
    # Commas in the cells of a semicolon file (more of them than semicolons) do not fool it.
    data = b"Date;Body;Company\n2025-01-01;a, b, c, d, e;Harbor\n"
    table = read_table("x.csv", data)
    assert table.delimiter == ";"
    assert table.rows[0].cells["company"] == "Harbor"


def test_the_most_specific_header_wins_and_unknown_columns_are_ignored() -> None:
    data = b"Create Date,Activity Date,Owner,Owner Email,Body,Company,Color\n"
    table = read_table("x.csv", data)
    assert table.headers == {
        "activity_date": "Activity Date",
        "owner_email": "Owner Email",
        "body": "Body",
        "company": "Company",
    }


def test_rows_are_numbered_as_a_spreadsheet_shows_them() -> None:
    data = b'Date,Body,Company\r\n2025-01-01,"two\nlines",A\r\n\r\n2025-01-02,x,B\r\n,,\r\n'
    table = read_table("x.csv", data)
    assert [(r.number, r.cells["company"]) for r in table.rows] == [(2, "A"), (4, "B")]


def test_encodings() -> None:
    text = "Date,Body,Company\n2025-01-01,Caf\u00e9 \u20ac,A\n"
    for data, encoding in [
        (codecs.BOM_UTF8 + text.encode(), "utf-8"),
        (text.encode("cp1252"), "windows-1252"),
        (text.encode("utf-16"), "utf-16"),
    ]:
        table = read_table("x.csv", data)
        assert (table.encoding, table.rows[0].cells["body"]) == (encoding, "Caf\u00e9 \u20ac")
    with pytest.raises(ValueError, match="neither UTF-8 nor windows-1252"):
        notes_csv.decode(b"Date,Body\n\x81\x8d\x8f\n")


@pytest.mark.parametrize("cell", ["=SUM(A1)", "+1", "-list", "@here", "plain", "'quoted", ""])
def test_formula_guard_round_trips(cell: str) -> None:
    guarded = guard(cell)
    assert not guarded.startswith(("=", "+", "-", "@"))
    assert unguard(guarded) == cell


def test_contact_cells_hold_lists_in_any_form() -> None:
    assert parse_emails("Meg <MEG@Harbor.example>; bo@x.example, meg@harbor.example") == (
        "meg@harbor.example",
        "bo@x.example",
    )
    assert parse_emails("Meg Ortiz") == ()


def test_titles_go_above_bodies_and_html_becomes_text() -> None:
    assert notes_csv.note_text("Call  with Meg", "Budget ok.\r\nPO next.") == (
        "Call with Meg\n\nBudget ok.\nPO next."
    )
    assert notes_csv.note_text("", "<p>Meg <b>signs</b>.</p>") == "Meg signs."
    assert notes_csv.note_text("", "a <b> tag in a sentence") == "a <b> tag in a sentence"
