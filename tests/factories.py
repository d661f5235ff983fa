"""Small builders for test data, through the domain layer so invariants hold."""

from __future__ import annotations

from dataclasses import dataclass

from app.config import Settings
from app.db.engine import Database
from app.db.models import Role
from app.domain import accounts, contacts, users
from app.schemas.accounts import AccountCreate, ContactCreate
from app.schemas.users import TokenCreate, UserCreate


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
            None,
            UserCreate(
                name=name,
                team=team,
                role=role,
                external_id=external_id,
                email=email or f"{name.lower().replace(' ', '.')}@tacit.example",
                password=password,
            ),
        )
        _, secret = users.create_token(session, None, TokenCreate(user_id=user.id))
        return Person(user.id, user.name, secret)


def make_account(
    db: Database,
    name: str,
    *,
    domains: list[str] | None = None,
    aliases: list[str] | None = None,
) -> int:
    with db.unit_of_work() as session:
        return accounts.create_account(
            session, AccountCreate(name=name, domains=domains or [], aliases=aliases or [])
        ).id


def make_contact(db: Database, account_id: int, name: str, **fields: object) -> int:
    with db.unit_of_work() as session:
        return contacts.create_contact(
            session, ContactCreate(account_id=account_id, name=name, **fields)
        ).id  # type: ignore[arg-type]


def embed_everything(db: Database, settings: Settings) -> None:
    """Run the embedding worker until nothing is queued: notes get their vectors, topics,
    mentions of contacts and review dates, which the brief is built from."""
    from app.embedding import get_embedder
    from app.worker.embedding import run_once

    # The server's own embedder instance: one copy of the model in this process.
    embedder = get_embedder(settings.embedding_model, settings.torch_threads)
    while run_once(db, embedder):
        pass
