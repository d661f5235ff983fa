"""CSV import and export of notes, and data-set uploads, through the real interfaces: the HTTP
endpoint with real CSV bytes in multipart bodies (on SQLite and PostgreSQL), and the ``tacit``
command as a subprocess."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text

from app.config import Settings
from app.db.engine import Database
from app.db.models import EmbeddingJob, Note, NoteRevision, Passage, Role, User
from app.domain.transfer.csv_format import EXPORT_COLUMNS
from app.main import create_app
from tests.factories import Person, make_account, make_contact, make_user
from tests.integration.test_cli import assert_clean_failure, tacit

ANA = "ana.reyes@tacit.example"
BEN = "ben.okafor@tacit.example"
ELI = "eli.sato@tacit.example"


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return {
        "ana": make_user(db, "Ana Reyes", team="east"),
        "ben": make_user(db, "Ben Okafor", team="east", role=Role.manager),
        "eli": make_user(db, "Eli Sato", team="west"),
        "ada": make_user(db, "Ada Admin", team="ops", role=Role.admin),
    }


@pytest.fixture
def accounts(db: Database) -> dict[str, int]:
    harbor = make_account(db, "Harbor Freightways", domains=["harbor.example"])
    mesa = make_account(db, "Mesa Health", domains=["mesa.example"])
    coldwater = make_account(db, "Coldwater College")
    make_contact(db, harbor, "Meg Ortiz", email="meg@harbor.example")
    make_contact(db, harbor, "Gus Coyle", email="gus@harbor.example")
    make_contact(db, mesa, "Lu Pruitt", email="lu@mesa.example")
    return {"harbor": harbor, "mesa": mesa, "coldwater": coldwater}


def csv_bytes(rows: list[list[str]], *, delimiter: str = ",", encoding: str = "utf-8") -> bytes:
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return out.getvalue().encode(encoding)


def upload(
    client: TestClient,
    person: Person,
    files: list[tuple[str, bytes]],
    *,
    dry_run: bool = False,
) -> httpx.Response:
    return client.post(
        "/v1/imports",
        params={"dry_run": "true" if dry_run else "false"},
        headers=person.headers,
        files=[("files", (name, data, "text/csv")) for name, data in files],
    )


def stored_notes(db: Database) -> list[dict[str, Any]]:
    """Every live note as plain values, oldest id first."""
    with db.session(write=False) as session:
        return [
            {
                "external_id": n.external_id,
                "author": n.author.email,
                "account": n.account.name,
                "body": n.body,
                "visibility": n.visibility.value,
                "observed_at": n.observed_at,
                "contacts": [c.email for c in n.contacts],
                "source": n.source,
                "version": n.version,
            }
            for n in session.scalars(
                select(Note).where(Note.deleted_at.is_(None)).order_by(Note.id)
            )
        ]


def count(db: Database, model: Any) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def written(db: Database) -> dict[str, int]:
    return {m.__name__: count(db, m) for m in (Note, NoteRevision, Passage, EmbeddingJob)}


def problems_by_row(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    found: dict[int, dict[str, Any]] = {}
    for problem in body["problems"]:
        assert problem["line"] not in found, body["problems"]
        found[problem["line"]] = problem
    return found


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


# --- data sets over HTTP ------------------------------------------------------------------

DATASET: dict[str, list[dict[str, Any]]] = {
    "users": [{"id": "u1", "name": "Vi Lane", "team": "east", "role": "rep"}],
    "accounts": [{"id": "a1", "name": "Quay Test Co", "domain": "quay.example"}],
    "contacts": [{"id": "c1", "account_id": "a1", "name": "Ida Moss", "buying_role": "coach"}],
    "notes": [
        {
            "id": "n1",
            "account_id": "a1",
            "author_id": "u1",
            "contact_ids": ["c1"],
            "created_at": "2025-01-10T09:00:00Z",
            "visibility": "company",
            "body": "Ida is our coach at Quay.",
        }
    ],
}


def jsonl_files(dataset: dict[str, list[Any]]) -> list[tuple[str, bytes]]:
    return [
        (f"{kind}.jsonl", "".join(json.dumps(r) + "\n" for r in rows).encode())
        for kind, rows in dataset.items()
    ]


def test_an_admin_uploads_a_data_set_a_dry_run_first(
    client: TestClient, db: Database, people: dict[str, Person]
) -> None:
    files = jsonl_files(DATASET)
    users_before = count(db, User)

    dry = upload(client, people["ada"], files, dry_run=True)

    assert dry.status_code == 200, dry.text
    counts = dict.fromkeys(("users", "accounts", "contacts", "notes"), 1)
    assert (dry.json()["format"], dry.json()["created"]) == ("dataset", counts)
    assert (count(db, User), count(db, Note)) == (users_before, 0)

    real = upload(client, people["ada"], files)
    again = upload(client, people["ada"], files)

    assert real.status_code == 201, real.text
    assert real.json()["created"] == counts and not real.json()["dry_run"]
    assert again.status_code == 200 and again.json()["unchanged"] == counts
    assert [n["body"] for n in stored_notes(db)] == ["Ida is our coach at Quay."]


def test_a_rep_may_not_upload_a_data_set(
    client: TestClient, db: Database, people: dict[str, Person]
) -> None:
    response = upload(client, people["ana"], jsonl_files(DATASET))

    assert response.status_code == 403, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert count(db, Note) == 0


def test_a_data_set_with_problems_lists_them_by_file_and_line(
    client: TestClient, db: Database, people: dict[str, Person]
) -> None:
    bad_note = DATASET["notes"][0] | {"id": "n2", "author_id": "u-missing"}
    dataset = DATASET | {"notes": [*DATASET["notes"], bad_note]}
    files = [*jsonl_files(dataset)]
    files[1] = ("accounts.jsonl", files[1][1] + b"{not json\n")

    response = upload(client, people["ada"], files)

    assert response.status_code == 422, response.text
    assert response.json()["problems"] == [
        {
            "file": "accounts.jsonl",
            "line": 2,
            "problem": "not JSON (Expecting property name enclosed in double quotes)",
        },
        {
            "file": "notes.jsonl",
            "line": 2,
            "problem": "author_id 'u-missing' is neither in users.jsonl nor imported",
        },
    ]
    assert count(db, Note) == 0


@pytest.mark.parametrize(
    ("files", "status", "words"),
    [
        ([("notes.txt", b"x")], 422, "send a .csv file of notes"),
        ([("a.csv", b"x"), ("b.csv", b"y")], 422, "one .csv file at a time"),
        ([("a.csv", b"x"), ("notes.jsonl", b"{}")], 422, "not both"),
        ([("people.jsonl", b"{}")], 422, "not a data-set file"),
    ],
)
def test_uploads_that_are_neither_one_csv_nor_a_data_set(
    client: TestClient,
    people: dict[str, Person],
    files: list[tuple[str, bytes]],
    status: int,
    words: str,
) -> None:
    response = upload(client, people["ada"], files)

    assert response.status_code == status, response.text
    assert words in response.json()["detail"]


def test_a_json_body_is_415(client: TestClient, people: dict[str, Person]) -> None:
    response = client.post("/v1/imports", headers=people["ada"].headers, json={"files": []})

    assert response.status_code == 415, response.text
    assert "multipart/form-data" in response.json()["detail"]


def test_an_upload_beyond_the_import_limit_is_413(
    settings: Settings, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    small = settings.model_copy(update={"max_import_bytes": 4096})
    rows = [["Date", "Body", "Company"]] + [["2025-01-10", "x" * 100, "Harbor Freightways"]] * 60

    with TestClient(create_app(small), raise_server_exceptions=False) as small_client:
        too_big = upload(small_client, people["ana"], [("big.csv", csv_bytes(rows))])
        fits = upload(small_client, people["ana"], [("small.csv", csv_bytes(rows[:3]))])

    assert too_big.status_code == 413, too_big.text
    assert too_big.headers["content-type"] == "application/problem+json"
    assert "limited to 4096 bytes on /v1/imports" in too_big.json()["detail"]
    assert fits.status_code == 201, fits.text


# --- export -------------------------------------------------------------------------------


def read_csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    assert tuple(rows[0]) == EXPORT_COLUMNS
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


ROUND_TRIP: list[list[str]] = [
    ["Note ID", "Activity date", "Note body", "Company", "Contact Email", "Owner", "Visibility"],
    [
        "t1",
        "2025-01-10 09:15",
        "- Meg decides\n- Gus pays",
        "Harbor Freightways",
        "meg@harbor.example, gus@harbor.example",
        ANA,
        "company",
    ],
    [
        "",
        "2025-01-11",
        "=1+1 is what the deck said; Zoë — €",
        "Coldwater College",
        "",
        BEN,
        "company",
    ],
    [
        "t3",
        "2025-01-12T08:00:00.250Z",
        'Lu: "SOC 2 first"',
        "Mesa Health",
        "lu@mesa.example",
        ANA,
        "team",
    ],
]


def test_an_export_imported_into_an_empty_base_reproduces_the_notes(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    assert upload(client, people["ben"], [("in.csv", csv_bytes(ROUND_TRIP))]).status_code == 201
    typed = client.post(
        "/v1/notes",
        headers=people["ana"].headers,
        json={"body": "Typed in Tacit.", "account": "mesa.example", "visibility": "company"},
    )
    assert typed.status_code == 201, typed.text
    original = stored_notes(db)

    exported = client.get("/v1/export/notes.csv", headers=people["ben"].headers)

    rows = read_csv(exported)
    assert len(rows) == 4
    assert rows[1]["body"] == "'=1+1 is what the deck said; Zoë — €"  # no formula in Excel
    assert rows[0]["contact_email"] == "meg@harbor.example; gus@harbor.example"
    # Into the same base: every row is a note it has, the typed one matched by its content.
    again = upload(client, people["ben"], [("notes.csv", exported.content)])
    assert again.status_code == 200, again.text
    assert (again.json()["created"], again.json()["unchanged"]) == ({"notes": 0}, {"notes": 4})
    # Into an empty base with the same users and accounts: the same notes.
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM notes"))
    assert stored_notes(db) == []

    response = upload(client, people["ben"], [("notes.csv", exported.content)])

    assert response.status_code == 201, response.text
    assert response.json()["created"] == {"notes": 4}
    restored = stored_notes(db)

    def essence(notes: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
        keys = ("author", "account", "body", "visibility", "observed_at", "contacts")
        return [tuple(n[k] for k in keys) for n in notes]

    assert essence(restored) == essence(original)
    assert [n["external_id"] for n in restored][:3] == [n["external_id"] for n in original][:3]
    assert restored[3]["external_id"] == f"tacit-note-{typed.json()['id']}"


def test_the_export_holds_only_notes_the_caller_may_read(
    client: TestClient, db: Database, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    def write(person: str, body: str, visibility: str) -> None:
        response = client.post(
            "/v1/notes",
            headers=people[person].headers,
            json={"body": body, "account": "Harbor Freightways", "visibility": visibility},
        )
        assert response.status_code == 201, response.text

    write("ana", "Ana private", "private")
    write("ana", "Ana east team", "team")
    write("eli", "Eli company", "company")
    write("eli", "Eli west team", "team")

    as_ben = read_csv(client.get("/v1/export/notes.csv", headers=people["ben"].headers))
    as_eli = read_csv(client.get("/v1/export/notes.csv", headers=people["eli"].headers))

    assert [r["body"] for r in as_ben] == ["Ana east team", "Eli company"]
    assert [r["body"] for r in as_eli] == ["Eli company", "Eli west team"]
    assert client.get("/v1/export/notes.csv").status_code == 401


# --- the tacit command --------------------------------------------------------------------


def test_cli_dry_run_then_import_then_again_then_export(
    db: Database, db_url: str, tmp_path: Path, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    source = tmp_path / "team notes.csv"
    source.write_bytes(csv_bytes(MIXED_OWNERS))

    dry = tacit("import", str(source), "--dry-run", "--as", BEN, db_url=db_url, cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing was written" in dry.stdout
    assert count(db, Note) == 0

    first = tacit("import", str(source), "--as", BEN, db_url=db_url, cwd=tmp_path)
    second = tacit("import", str(source), "--as", BEN, db_url=db_url, cwd=tmp_path)

    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    assert [(n["body"], n["author"]) for n in stored_notes(db)][2] == (
        "No owner: the importer's.",
        BEN,
    )
    assert count(db, Note) == 3
    exported = tacit("export", str(tmp_path / "out"), "--csv", db_url=db_url, cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout) == {"notes": 3}
    lines = (tmp_path / "out" / "notes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == ",".join(EXPORT_COLUMNS) and len(lines) == 4


def test_cli_reports_each_bad_row_and_writes_nothing(
    db: Database, db_url: str, tmp_path: Path, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    source = tmp_path / "crm.csv"
    source.write_bytes(csv_bytes(BAD_ROWS))

    result = tacit("import", str(source), "--as", ANA, db_url=db_url, cwd=tmp_path)

    assert_clean_failure(result, "the import has 9 problem(s); nothing was written")
    for row, (column, words) in EXPECTED.items():
        where = f"crm.csv row {row}: " + (f"{column}: " if column else "")
        assert any(where in line and words in line for line in result.stderr.splitlines()), (
            row,
            result.stderr,
        )
    assert count(db, Note) == 0


def test_cli_rows_without_an_owner_need_as(
    db: Database, db_url: str, tmp_path: Path, people: dict[str, Person], accounts: dict[str, int]
) -> None:
    source = tmp_path / "notes.csv"
    source.write_bytes(csv_bytes(MIXED_OWNERS))

    result = tacit("import", str(source), db_url=db_url, cwd=tmp_path)

    assert_clean_failure(result, "notes.csv row 4: Owner: no owner", "1 problem(s)")
    assert count(db, Note) == 0


def test_the_schema_describes_the_upload_and_the_csv_export(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    upload_op = spec["paths"]["/v1/imports"]["post"]
    body = upload_op["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["files"] and body["properties"]["files"]["type"] == "array"
    assert {"200", "201", "403", "413", "415", "422"} <= set(upload_op["responses"])
    assert "text/csv" in spec["paths"]["/v1/export/notes.csv"]["get"]["responses"]["200"]["content"]
    ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
