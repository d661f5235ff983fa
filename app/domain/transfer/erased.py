"""Import rows that name a person erased at their request: a problem on each such row, so that
a re-import of old data cannot bring them back (``suppressions``). The CSV import checks its
rows as it resolves them; the data-set import, its contacts and notes here."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from sqlalchemy.orm import Session

from app.db.models import Account
from app.domain.suppressions import Screen
from app.domain.transfer.report import Problem
from app.privacy.fingerprint import emails_in


class _Record(Protocol):
    @property
    def account_id(self) -> str: ...

    def problem(self, text: str, *, column: str | None = None) -> Problem: ...


class ContactRow(_Record, Protocol):
    @property
    def name(self) -> str: ...

    @property
    def email(self) -> str | None: ...


class NoteRow(_Record, Protocol):
    @property
    def body(self) -> str: ...


def dataset_problems(
    session: Session,
    accounts: Mapping[str, Account],
    contacts: Sequence[ContactRow],
    notes: Sequence[NoteRow],
) -> list[Problem]:
    """``accounts``: those already in Tacit, by external id (a new account has no suppression
    of a name, only the addresses, which hold everywhere)."""
    screen = Screen(session)
    problems: list[Problem] = []
    for contact in contacts:
        account = accounts.get(contact.account_id)
        emails = [contact.email] if contact.email else []
        if account is not None:
            found = screen.person(account.id, contact.name, contact.email)
        else:
            found = screen.addresses(emails)
        if found is not None:
            problems.append(contact.problem(found.problem("the contact"), column=found.by))
    for note in notes:
        account = accounts.get(note.account_id)
        if account is not None:
            found = screen.text(account.id, note.body)
        else:
            found = screen.addresses(emails_in(note.body))
        if found is not None:
            problems.append(note.problem(found.problem("the note"), column="body"))
    return problems
