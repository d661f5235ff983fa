"""Small builders for test data, through the domain layer so invariants hold."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from sqlalchemy import inspect, text

from app.config import Settings
from app.db.engine import Database
from app.db.models import Role, TokenScope, User, Visibility
from app.domain import accounts, contacts, notes, users
from app.domain.access import SYSTEM
from app.domain.token_scopes import full_scopes
from app.schemas.accounts import AccountCreate, ContactCreate
from app.schemas.notes import NoteCreate
from app.schemas.users import TokenCreate, UserCreate

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_user(
    db: Database,
    name: str,
    *,
    team: str | None = "east",
    role: Role = Role.rep,
    email: str | None = None,
    external_id: str | None = None,
    password: str | None = None,
) -> Person:
    with db.unit_of_work() as session:
        user = users.create_user(
            session,
            SYSTEM,
            UserCreate(
                name=name,
                team=team,
                role=role,
                external_id=external_id,
                email=email or f"{name.lower().replace(' ', '.')}@tacit.example",
                password=password,
            ),
        )
        # Every scope the user may hold, as tokens made before scopes had: tests about
        # scopes make narrower tokens with ``with_token``.
        every = sorted(full_scopes(user))
        _, secret = users.create_token(session, SYSTEM, TokenCreate(user_id=user.id, scopes=every))
        return Person(user.id, user.name, secret)


def make_account(
    db: Database,
    name: str,
    *,
    domains: list[str] | None = None,
    aliases: list[str] | None = None,
    force: bool = False,
) -> int:
    with db.unit_of_work() as session:
        return accounts.create_account(
            session,
            AccountCreate(name=name, domains=domains or [], aliases=aliases or []),
            force=force,
        ).id


def make_contact(db: Database, account_id: int, name: str, **fields: object) -> int:
    with db.unit_of_work() as session:
        return contacts.create_contact(
            session, ContactCreate(account_id=account_id, name=name, **fields)
        ).id  # type: ignore[arg-type]


def make_note(
    db: Database, author: Person, account_id: int, body: str, *, visibility: str = "team"
) -> int:
    """A note written through the domain, as ``POST /v1/notes`` writes it, where no HTTP
    client is at hand (a test of a live server); its id."""
    with db.unit_of_work() as session:
        user = session.get_one(User, author.id)
        data = NoteCreate(body=body, account_id=account_id, visibility=Visibility(visibility))
        return notes.create_note(session, user, data).id


def every_value_in_the_database(db: Database) -> str:
    """Every row of every table, the search index's own tables included, as text: what an
    erasure test searches for words that should be gone."""
    dumped: list[str] = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("latin-1")
                    dumped.append(str(value))
    return "\n".join(dumped)


def embed_everything(db: Database, settings: Settings) -> None:
    """Run the embedding worker until nothing is queued: notes get their vectors, topics,
    mentions of contacts and review dates, which the brief is built from."""
    from app.worker.embedding import run_once
    from tests.embedders import remembering_embedder

    # Over the server's own embedder instance: one copy of the model in this process.
    embedder = remembering_embedder(settings.embedding_model, settings.torch_threads)
    while run_once(db, embedder):
        pass


# --- HTTP helpers shared by the access tests ------------------------------------------------


def post_note(client: Any, author: Person, account: int | str, body: str, **fields: object) -> int:
    """A note written through ``POST /v1/notes`` as its author; its id. ``account`` is the
    account's id, or a name, domain or alias for the API to resolve; ``client`` is a
    ``TestClient`` or an ``httpx.Client`` on a live server."""
    named = {"account_id": account} if isinstance(account, int) else {"account": account}
    response = client.post(
        "/v1/notes", headers=author.headers, json={**named, "body": body, **fields}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def notes_csv(rows: list[dict[str, str]]) -> bytes:
    """A CSV file in the import's columns (``external_id,activity_date,owner_email,company,
    visibility,body``)."""
    columns = ["external_id", "activity_date", "owner_email", "company", "visibility", "body"]
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([row.get(c, "") for c in columns] for row in rows)
    return out.getvalue().encode()


def import_csv(client: Any, person: Person, rows: list[dict[str, str]], *, dry_run: bool) -> Any:
    return client.post(
        "/v1/imports",
        params={"dry_run": "true" if dry_run else "false"},
        headers=person.headers,
        files=[("files", ("notes.csv", notes_csv(rows), "text/csv"))],
    )


def raw_mail(*, sender: str, to: str, message_id: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, to, "Renewal"
    msg["Date"], msg["Message-ID"] = "Tue, 04 Mar 2025 10:15:00 -0800", message_id
    msg.set_content(body)
    return msg.as_bytes()


def deliver_mail(client: Any, person: Person, raw: bytes) -> Any:
    headers = {**person.headers, "content-type": "message/rfc822"}
    return client.post("/v1/inbound/email", headers=headers, content=raw)


def with_token(
    db: Database,
    person: Person,
    *,
    expires_in_days: int | None = None,
    scopes: list[TokenScope] | None = None,
) -> Person:
    """The same user holding a second token, which expires in ``expires_in_days`` (None:
    never), with ``scopes`` (None: every scope the user may hold)."""
    with db.unit_of_work() as session:
        owner = users.get_user(session, person.id)
        data = TokenCreate(
            user_id=person.id,
            expires_in_days=expires_in_days,
            scopes=sorted(full_scopes(owner)) if scopes is None else scopes,
        )
        _, secret = users.create_token(session, SYSTEM, data)
    return Person(person.id, person.name, secret)
