"""Data-set uploads over HTTP, CSV export, and the ``tacit`` import and export commands as a
subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.config import Settings
from app.db.engine import Database
from app.db.models import Note, User
from app.domain.transfer.csv_format import EXPORT_COLUMNS
from app.main import create_app
from tests.csv_world import (
    ANA,
    BEN,
    count,
    csv_bytes,
    make_accounts,
    make_people,
    stored_notes,
    upload,
)
from tests.factories import Person
from tests.integration.test_cli import assert_clean_failure, tacit
from tests.integration.test_csv_import import BAD_ROWS, EXPECTED, MIXED_OWNERS


@pytest.fixture
def people(db: Database) -> dict[str, Person]:
    return make_people(db)


@pytest.fixture
def accounts(db: Database) -> dict[str, int]:
    return make_accounts(db)


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
