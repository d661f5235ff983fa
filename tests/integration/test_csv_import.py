"""CSV import of notes through the HTTP endpoint with real CSV bytes in multipart bodies, on
SQLite and PostgreSQL: other CRMs' exports, bad rows, running it again, and who may import
whose rows."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import Database
from app.db.models import EmbeddingJob, NoteRevision, Passage
from tests.csv_world import (
    ANA,
    BEN,
    count,
    csv_bytes,
    make_accounts,
    make_people,
    problems_by_row,
    stored_notes,
    upload,
    written,
)
from tests.factories import Person


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return make_people(db)


@pytest.fixture
def accounts(db: Database) -> dict[str, int]:
    return make_accounts(db)


# --- exports of other CRMs ----------------------------------------------------------------


def test_a_hubspot_export_becomes_notes_searchable_at_once(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    data = csv_bytes(
        [
            [
                "Note ID",
                "Activity date",
                "Note body",
                "Associated Company",
                "Associated Contact Email",
                "Activity assigned to",
                "Create date",
            ],
            [
                "hs-101",
                "2025-03-04 14:05",
                "<p>Meg (CFO) signs anything over <strong>$50k</strong>.</p><p>PO next.</p>",
                "Harbor Freightways",
                "meg@harbor.example; gus@harbor.example",
                ANA,
                "2025-03-09 08:00",
            ],
            [
                "hs-102",
                "2025-03-05T09:30:00Z",
                "Lu wants SOC 2 before the pilot.",
                "",
                "Lu Pruitt <LU@mesa.example>",
                ANA,
                "",
            ],
        ]
    )

    response = upload(client, people["ana"], [("hubspot-notes.csv", data)])

    assert response.status_code == 201, response.text
    assert response.json() == {
        "format": "csv",
        "dry_run": False,
        "created": {"notes": 2},
        "updated": {"notes": 0},
        "unchanged": {"notes": 0},
        "skipped": [],
        "warnings": [],
        "problems": [],
    }
    assert stored_notes(db) == [
        {
            "external_id": "hs-101",
            "author": ANA,
            "account": "Harbor Freightways",
            "body": "Meg (CFO) signs anything over $50k.\n\nPO next.",
            "visibility": "team",
            "observed_at": datetime(2025, 3, 4, 14, 5, tzinfo=UTC),
            "contacts": ["meg@harbor.example", "gus@harbor.example"],
            "source": "import",
            "version": 1,
        },
        {
            "external_id": "hs-102",
            "author": ANA,
            "account": "Mesa Health",  # from the contact's address
            "body": "Lu wants SOC 2 before the pilot.",
            "visibility": "team",
            "observed_at": datetime(2025, 3, 5, 9, 30, tzinfo=UTC),
            "contacts": ["lu@mesa.example"],
            "source": "import",
            "version": 1,
        },
    ]
    # Indexed in the import's own transaction: passages now, an embedding job per note.
    with db.session(write=False) as session:
        passages = list(session.scalars(select(Passage.text).order_by(Passage.id)))
    assert any("SOC 2 before the pilot" in p for p in passages), passages
    assert count(db, EmbeddingJob) == 2


def test_a_clean_dry_run_counts_what_it_would_write_and_writes_nothing(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    before = written(db)

    response = upload(client, people["ana"], [("notes.csv", csv_bytes(REPEATABLE))], dry_run=True)

    assert response.status_code == 200, response.text
    assert response.json() | {"skipped": []} == {
        "format": "csv",
        "dry_run": True,
        "created": {"notes": 2},
        "updated": {"notes": 0},
        "unchanged": {"notes": 0},
        "skipped": [],
        "warnings": [],
        "problems": [],
    }
    assert len(response.json()["skipped"]) == 1
    assert written(db) == before


def test_a_salesforce_export_with_subjects_us_dates_and_owner_names(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    data = csv_bytes(
        [
            ["Activity ID", "Subject", "Comments", "Account Name", "Date", "Assigned", "Website"],
            [
                "00T5e01",
                "Call with Meg",
                "Budget approved,\nPO next week.",
                "harbor freightways",
                "03/04/2025",
                "Ana Reyes",
                "",
            ],
            ["00T5e02", "Campus visit", "", "COLDWATER COLLEGE", "4 Mar 2025", "ana reyes", ""],
            [
                "00T5e03",
                "",
                "Renewal risk",
                "",
                "Mar 6, 2025 2:05 PM",
                ANA,
                "https://www.mesa.example/",
            ],
        ]
    )

    response = upload(client, people["ben"], [("salesforce.csv", data)])

    assert response.status_code == 201, response.text
    notes = stored_notes(db)
    assert [(n["external_id"], n["account"], n["body"], n["observed_at"]) for n in notes] == [
        (
            "00T5e01",
            "Harbor Freightways",
            "Call with Meg\n\nBudget approved,\nPO next week.",
            datetime(2025, 3, 4, tzinfo=UTC),
        ),
        ("00T5e02", "Coldwater College", "Campus visit", datetime(2025, 3, 4, tzinfo=UTC)),
        ("00T5e03", "Mesa Health", "Renewal risk", datetime(2025, 3, 6, 14, 5, tzinfo=UTC)),
    ]
    assert {n["author"] for n in notes} == {ANA}


# Every character here is in windows-1252 (as 0x80-0x9f or Latin-1), none is ASCII punctuation.
WINDOWS_TEXT = "Caf\u00e9 with Zo\u00eb \u2013 budget \u20ac5k, \u2018soon\u2019"


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ";"), ("cp1252", ";"), ("utf-16", "\t")],
    ids=["utf8-bom-semicolon", "windows1252-semicolon", "utf16-tab"],
)
def test_delimiters_byte_order_marks_and_windows_1252(
    client: TestClient,
    db: Database,
    people: dict[str, Person],
    accounts: dict[str, int],
    encoding: str,
    delimiter: str,
) -> None:
    data = csv_bytes(
        [
            ["Date", "Notes", "Company Domain", "Owner Email", "Visibility"],
            ["2025-02-01", WINDOWS_TEXT, "harbor.example", ANA, "Company"],
        ],
        delimiter=delimiter,
        encoding=encoding,
    )
    assert (b";" in data) == (delimiter == ";")

    response = upload(client, people["ana"], [("export.csv", data)])

    assert response.status_code == 201, response.text
    [note] = stored_notes(db)
    assert (note["body"], note["visibility"], note["account"]) == (
        WINDOWS_TEXT,
        "company",
        "Harbor Freightways",
    )


# --- bad rows: all reported, nothing written ----------------------------------------------

BAD_ROWS: list[list[str]] = [
    ["Activity Date", "Body", "Company", "Owner Email", "Visibility", "External ID"],
    ["2025-01-10", "Fine note", "Harbor Freightways", ANA, "company", "x1"],  # row 2
    ["2025-01-11", "  ", "Harbor Freightways", ANA, "", "x2"],  # 3: empty body
    ["2025-01-12", "Who?", "Harbor Freightways", "nobody@tacit.example", "", "x3"],  # 4
    ["2025-01-13", "Typo", "Harbr Freightways", ANA, "", "x4"],  # 5: unknown account
    ["31/12/2024", "Day first", "Harbor Freightways", ANA, "", "x5"],  # 6: not a US date
    ["2025-01-14", "Bad visibility", "Harbor Freightways", ANA, "public", "x6"],  # 7
    ["2025-01-15", "Again", "Harbor Freightways", ANA, "", "x1"],  # 8: x1 twice
    ["2025-01-16", "y" * 20_001, "Harbor Freightways", ANA, "", "x8"],  # 9: too long
    ["2099-01-01", "Tomorrow's news", "Harbor Freightways", ANA, "", "x9"],  # 10: future
    ["2025-01-17", "Unquoted", "comma", "Harbor Freightways", ANA, "", "x10"],  # 11: 7 cells
]
EXPECTED = {
    3: ("Body", "empty"),
    4: ("Owner Email", "nobody@tacit.example"),
    5: ("Company", "did you mean Harbor Freightways"),
    6: ("Activity Date", "not a date"),
    7: ("Visibility", "'public' is not a visibility"),
    8: ("External ID", "appears again (first in row 2)"),
    9: ("Body", "at most 20,000"),
    10: ("Activity Date", "in the future"),
    11: (None, "7 cells but the header 6 columns"),
}


def test_a_dry_run_reports_every_bad_row_and_writes_nothing(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    before = written(db)

    response = upload(client, people["ana"], [("crm.csv", csv_bytes(BAD_ROWS))], dry_run=True)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["dry_run"] is True and body["created"] == {"notes": 1}
    found = problems_by_row(body)
    assert set(found) == set(EXPECTED), body["problems"]
    for row, (column, words) in EXPECTED.items():
        assert found[row]["file"] == "crm.csv"
        assert found[row].get("column") == column, found[row]
        assert words in found[row]["problem"], found[row]
    assert written(db) == before


def test_a_real_run_with_bad_rows_is_422_and_writes_nothing(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    before = written(db)

    response = upload(client, people["ana"], [("crm.csv", csv_bytes(BAD_ROWS))])

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["detail"] == "the import has 9 problem(s); nothing was written"
    assert set(problems_by_row(body)) == set(EXPECTED)
    assert written(db) == before


def test_missing_columns_are_named_on_the_header_row(
    client: TestClient, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    data = csv_bytes([["When", "Text", "Owner"], ["2025-01-10", "Hello", ANA]])

    response = upload(client, people["ana"], [("odd.csv", data)], dry_run=True)

    assert response.status_code == 200, response.text
    problems = response.json()["problems"]
    assert [(p["line"], p["column"]) for p in problems] == [
        (1, "activity_date"),
        (1, "body"),
        (1, "company"),
    ]
    assert '"activity date"' in problems[0]["problem"]  # the accepted names are listed


def test_a_spreadsheet_workbook_is_a_problem_not_a_crash(
    client: TestClient, people: dict[str, Person]
) -> None:
    workbook = b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00" + bytes(range(256))

    response = upload(client, people["ana"], [("notes.csv", workbook)])

    assert response.status_code == 422, response.text
    [problem] = response.json()["problems"]
    assert problem["line"] == 1 and "save it as CSV" in problem["problem"]


# --- running it again ---------------------------------------------------------------------

REPEATABLE: list[list[str]] = [
    ["Note ID", "Activity date", "Note body", "Company Domain", "Contact Email", "Owner Email"],
    ["hs-1", "2025-01-10", "Gus signs over $25k.", "harbor.example", "gus@harbor.example", ANA],
    ["", "2025-01-11 10:00", "No id here.", "mesa.example", "", ANA],
    ["", "2025-01-11 10:00", "No id here.", "mesa.example", "", ANA],  # the same note again
]


def test_importing_the_same_file_twice_creates_nothing(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    data = csv_bytes(REPEATABLE)
    first = upload(client, people["ana"], [("notes.csv", data)])
    assert first.status_code == 201, first.text
    assert first.json()["created"] == {"notes": 2}
    assert first.json()["skipped"] == [
        {"file": "notes.csv", "line": 4, "reason": "the same note as row 3"}
    ]
    before, notes = written(db), stored_notes(db)
    assert notes[1]["external_id"].startswith("csv-")

    second = upload(client, people["ana"], [("notes.csv", data)])

    assert second.status_code == 200, second.text
    assert (second.json()["created"], second.json()["unchanged"]) == ({"notes": 0}, {"notes": 2})
    assert written(db) == before and stored_notes(db) == notes


def test_a_changed_row_becomes_a_new_version(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    assert upload(client, people["ana"], [("notes.csv", csv_bytes(REPEATABLE))]).status_code == 201
    edited = [row[:] for row in REPEATABLE[:3]]
    edited[1][2] = "Gus now signs over $50k."

    response = upload(client, people["ana"], [("notes.csv", csv_bytes(edited))])

    assert response.status_code == 201, response.text
    assert (response.json()["updated"], response.json()["unchanged"]) == (
        {"notes": 1},
        {"notes": 1},
    )
    [note] = [n for n in stored_notes(db) if n["external_id"] == "hs-1"]
    assert (note["body"], note["version"]) == ("Gus now signs over $50k.", 2)
    assert count(db, NoteRevision) == 3


def test_a_note_deleted_since_is_skipped_not_revived(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    data = csv_bytes(REPEATABLE[:2])
    assert upload(client, people["ana"], [("notes.csv", data)]).status_code == 201
    note_id = client.get("/v1/notes", headers=people["ana"].headers).json()["items"][0]["id"]
    assert client.delete(f"/v1/notes/{note_id}", headers=people["ana"].headers).status_code == 204

    response = upload(client, people["ana"], [("notes.csv", data)])

    assert response.status_code == 200, response.text
    assert response.json()["skipped"] == [
        {
            "file": "notes.csv",
            "line": 2,
            "reason": f"note {note_id} was deleted in Tacit; it is not imported again",
        }
    ]
    assert stored_notes(db) == []


# --- who may import whose rows ------------------------------------------------------------

MIXED_OWNERS: list[list[str]] = [
    ["Date", "Body", "Company", "Owner"],
    ["2025-01-10", "Mine.", "Harbor Freightways", ANA],
    ["2025-01-11", "Ben's.", "Harbor Freightways", BEN],
    ["2025-01-12", "No owner: the importer's.", "Harbor Freightways", ""],
]


def test_a_rep_may_import_only_their_own_rows(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    response = upload(client, people["ana"], [("team.csv", csv_bytes(MIXED_OWNERS))])

    assert response.status_code == 422, response.text
    [problem] = response.json()["problems"]
    assert (problem["line"], problem["column"]) == (3, "Owner")
    assert "a rep may import only their own notes" in problem["problem"]
    assert stored_notes(db) == []


def test_a_manager_imports_everyones_rows(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    response = upload(client, people["ben"], [("team.csv", csv_bytes(MIXED_OWNERS))])

    assert response.status_code == 201, response.text
    assert [(n["body"], n["author"]) for n in stored_notes(db)] == [
        ("Mine.", ANA),
        ("Ben's.", BEN),
        ("No owner: the importer's.", BEN),
    ]


def test_a_row_may_not_take_over_another_authors_note(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    created = client.post(
        "/v1/notes",
        headers=people["eli"].headers,
        json={"body": "Eli's own.", "account": "Harbor Freightways", "external_id": "n-1"},
    )
    assert created.status_code == 201, created.text
    data = csv_bytes(
        [
            ["External ID", "Date", "Body", "Company", "Owner"],
            ["n-1", "2025-01-10", "Mine now", "Harbor Freightways", BEN],
        ]
    )

    response = upload(client, people["ben"], [("take.csv", data)])

    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["problem"] == "not yours to change"
    assert [n["body"] for n in stored_notes(db)] == ["Eli's own."]
