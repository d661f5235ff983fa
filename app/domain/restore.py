"""After a backup is restored (``app.db.backup``): erasures made since the backup are made again,
and a search shows the restored database answers.

Erasures. A person erased after the backup was taken is still in it. The erasure log is the
suppressions table (keyed fingerprints of a name at an account and of an address, never the
name), which the operator takes from the database being replaced, or, if that one is lost,
from the manifest of a newer backup. For every suppression the restored database lacks, each
contact it fingerprints (their name at that account, or their address) is erased again with
``erase_contact``, which rewrites the notes and leaves the suppression; when no contact matches
(the person came in after the backup), the suppression alone is copied, so that nothing naming
them gets in. A suppression lifted after the backup is not lifted again: lifting stays an
admin's explicit act.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Account, Contact, Note, Suppression, User
from app.db.models.columns import Visibility
from app.db.request import AfterCommit
from app.domain import suppressions
from app.domain.access import SYSTEM
from app.domain.erase_person import erase_contact
from app.domain.retrieval import SearchRequest, SearchServices, search
from app.errors import Invalid
from app.privacy.fingerprint import Fingerprints

# Enough of a note's words to find it again by keyword and by meaning.
_QUERY_WORDS = 12


@dataclass(frozen=True)
class ReappliedErasures:
    """Counts only: the ids of erased people are no one's business in a command's output."""

    logged: int  # suppressions in the erasure log
    missing: int  # of those, absent from the restored database
    contacts_erased: int
    suppressions_copied: int  # missing ones that matched no contact


def reapply_erasures(
    session: Session, log: Iterable[Mapping[str, Any]], *, after_commit: AfterCommit
) -> ReappliedErasures:
    """Make again every erasure of ``log`` (suppressions, as ``app.db.backup`` reads them)
    that the restored database lacks; see the module docstring."""
    entries = list(log)
    have = {_key(dict(row)) for row in session.execute(select(Suppression)).mappings()}
    missing = [entry for entry in entries if _key(entry) not in have]
    erased = copied = 0
    if missing:
        prints = suppressions.fingerprints(session)
        contacts = session.execute(
            select(Contact.id, Contact.account_id, Contact.name, Contact.email)
        ).all()
        for entry in missing:
            matches = [c.id for c in contacts if _fingerprinted(prints, entry, c)]
            for contact_id in matches:
                if session.get(Contact, contact_id) is None:
                    continue  # erased already, for an earlier entry
                why = entry["reason"]
                erase_contact(session, SYSTEM, contact_id, reason=why, after_commit=after_commit)
                erased += 1
            if not matches:
                _copy(session, entry)
                copied += 1
    return ReappliedErasures(len(entries), len(missing), erased, copied)


def check_search(session: Session, services: SearchServices) -> int | None:
    """Search for the newest live note, as its author, with its own words; raise ``Invalid``
    unless it is found. The note's id, or None when there is no note to look for."""
    note = session.scalar(
        select(Note)
        .where(
            Note.deleted_at.is_(None),
            Note.superseded_by_id.is_(None),
            Note.duplicate_of_id.is_(None),
            Note.visibility == Visibility.company,
        )
        .order_by(Note.id.desc())
        .limit(1)
    )
    if note is None:
        return None
    author = session.get(User, note.author_id)
    assert author is not None
    query = " ".join(note.body.split()[:_QUERY_WORDS])
    found = search(session, services, author, SearchRequest(q=query, limit=20))
    if note.id not in {hit.note.id for hit in found.hits}:
        raise Invalid(f"a search for note {note.id}'s own words did not find it")
    return note.id


def _fingerprinted(prints: Fingerprints, entry: Mapping[str, Any], contact: Any) -> bool:
    """Whether the suppression ``entry`` names ``contact``: their name at that account, or
    their address."""
    if (
        contact.account_id == entry["account_id"]
        and prints.name(contact.name) == entry["name_hash"]
    ):
        return True
    email_hash = entry["email_hash"]
    return bool(contact.email and email_hash and prints.email(contact.email) == email_hash)


def _key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    return (row["account_id"], row["name_hash"], row["email_hash"])


def _copy(session: Session, entry: Mapping[str, Any]) -> None:
    account = entry["account_id"]
    # An account created after the backup is not there: the address still counts.
    there = account is not None and session.get(Account, account) is not None
    session.add(
        Suppression(
            account_id=account if there else None,
            name_hash=entry["name_hash"],
            name_words=entry["name_words"],
            email_hash=entry["email_hash"],
            reason=entry["reason"],
            created_by_id=None,
        )
    )
    session.flush()
