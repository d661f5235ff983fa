"""Suppressions: people erased at their request, kept out.

Erasing a contact (``erase_person``) leaves a suppression: keyed fingerprints of their e-mail
address and of their name at their account (``app.privacy.fingerprint``), never the name or
address. From then on a record that names them is refused with a ``Suppressed`` problem (409,
type ``.../suppressed``), or an import's row problem, until an admin lifts the suppression:

- a contact created or renamed (API, data-set import) with their name at that account, or with
  their address;
- a note (every channel, through ``capture``; and a CSV or data-set row revising a note) whose
  text holds their full name at that account, or their address anywhere;
- an e-mail with their address among its participants, or waiting for an account with their
  name in its text.

A short form alone (a first name) is not recognised: it would refuse every namesake. The key is
``Settings.suppression_secret``, given to each session by its ``Database``; a suppression made
under another key is not recognised, so the key is set once and kept.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.engine import suppression_key
from app.db.models import Contact, Suppression
from app.domain import audit
from app.domain.access import Principal, ensure_admin, principal_id
from app.domain.pagination import Page, paginate
from app.errors import NotFound, Suppressed
from app.privacy.fingerprint import Fingerprints, emails_in, name_words


@dataclass(frozen=True)
class Match:
    """A record naming a suppressed person: which suppression, and by what."""

    suppression_id: int
    by: Literal["name", "email"]

    def problem(self, what: str) -> str:
        return (
            f"{what} names a person erased at their request (suppression {self.suppression_id}); "
            "it is refused until an admin lifts the suppression"
        )

    def refuse(self, what: str) -> Suppressed:
        return Suppressed(self.problem(what), suppression_id=self.suppression_id)


def fingerprints(session: Session) -> Fingerprints:
    key = suppression_key(session)
    if key is None:
        raise RuntimeError(
            "this database was opened without a suppression key (Settings.suppression_secret): "
            "erased people cannot be recognised"
        )
    return Fingerprints(key)


class Screen:
    """The suppressions, read once for a batch of records to check; free when there are none."""

    def __init__(self, session: Session) -> None:
        rows = session.execute(
            select(
                Suppression.id,
                Suppression.account_id,
                Suppression.name_hash,
                Suppression.name_words,
                Suppression.email_hash,
            )
        ).all()
        # A name is suppressed at its account only: a namesake elsewhere is someone else.
        self._names: dict[str, dict[int, int]] = {}
        for row in rows:
            if row.account_id is not None:
                self._names.setdefault(row.name_hash, {})[row.account_id] = row.id
        self._lengths = {row.name_words for row in rows if row.account_id is not None}
        self._emails = {row.email_hash: row.id for row in rows if row.email_hash}
        self._prints = fingerprints(session) if rows else None

    def person(self, account_id: int, name: str, email: str | None) -> Match | None:
        """A contact record: their name at the account, or their address."""
        if self._prints is None:
            return None
        at = self._names.get(self._prints.name(name), {})
        if (found := at.get(account_id)) is not None:
            return Match(found, "name")
        return self.addresses([email] if email else [])

    def addresses(self, emails: Iterable[str]) -> Match | None:
        if self._prints is None:
            return None
        for email in emails:
            if (found := self._emails.get(self._prints.email(email))) is not None:
                return Match(found, "email")
        return None

    def text(self, account_id: int | None, text: str, emails: Iterable[str] = ()) -> Match | None:
        """A note's text: a suppressed name at ``account_id`` (at any account when None: mail
        still waiting for one), or an address in it or in ``emails``."""
        if self._prints is None:
            return None
        if (found := self.addresses([*emails, *emails_in(text)])) is not None:
            return found
        if not self._names:
            return None
        for digest in self._prints.names_in(text, self._lengths):
            at = self._names.get(digest, {})
            hit = next(iter(at.values()), None) if account_id is None else at.get(account_id)
            if hit is not None:
                return Match(hit, "name")
        return None


def ensure_person_allowed(session: Session, account_id: int, name: str, email: str | None) -> None:
    """Refuse a contact record naming a suppressed person."""
    if (found := Screen(session).person(account_id, name, email)) is not None:
        raise found.refuse("the contact")


def suppress(session: Session, actor: Principal, contact: Contact, *, reason: str) -> Suppression:
    """The suppression of an erased contact (``erase_person``); ``reason`` comes redacted."""
    prints = fingerprints(session)
    row = Suppression(
        account_id=contact.account_id,
        name_hash=prints.name(contact.name),
        name_words=len(name_words(contact.name)),
        email_hash=prints.email(contact.email) if contact.email else None,
        reason=reason,
        created_by_id=principal_id(actor),
    )
    session.add(row)
    session.flush()
    return row


def list_suppressions(
    session: Session, actor: Principal, *, limit: int, cursor: str | None
) -> Page[Suppression]:
    """Admins: newest first, without a name (there is none to show)."""
    ensure_admin(actor)
    return paginate(
        session,
        select(Suppression),
        order=[(Suppression.created_at, True), (Suppression.id, True)],
        limit=limit,
        cursor=cursor,
    )


def lift(session: Session, actor: Principal, suppression_id: int) -> None:
    """Admins: let records naming the person in again."""
    ensure_admin(actor)
    row = session.get(Suppression, suppression_id)
    if row is None:
        raise NotFound(f"no suppression with id {suppression_id}")
    audit.record(
        session,
        actor,
        "suppression.lift",
        target_type="suppression",
        target_id=row.id,
        account_id=row.account_id,
    )
    session.delete(row)
    session.flush()
