"""The world of the CSV import and export tests: four colleagues, three accounts, CSV bytes
and multipart uploads, and what the database holds afterwards."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import EmbeddingJob, Note, NoteRevision, Passage, Role
from tests.factories import Person, make_account, make_contact, make_user

ANA = "ana.reyes@tacit.example"
BEN = "ben.okafor@tacit.example"
ELI = "eli.sato@tacit.example"


def make_people(db: Database) -> dict[str, Person]:
    return {
        "ana": make_user(db, "Ana Reyes", team="east"),
        "ben": make_user(db, "Ben Okafor", team="east", role=Role.manager),
        "eli": make_user(db, "Eli Sato", team="west"),
        "ada": make_user(db, "Ada Admin", team="ops", role=Role.admin),
    }


def make_accounts(db: Database) -> dict[str, int]:
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
