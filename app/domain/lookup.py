"""Finding records from a few typed letters, for the web page's pickers: accounts by name or
domain, an account's contacts by name, title or e-mail, and the people who write notes.

Posting still names the account the way the API does (``accounts.resolve_account``); these
only offer choices while someone types."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.db.models import Account, Contact, User
from app.domain.accounts import account_for_address, list_accounts

MAX_AUTHORS = 1000


def suggest_accounts(session: Session, text: str, *, limit: int = 8) -> list[Account]:
    """The account whose domain ``text`` names (an e-mail or URL works too), then accounts
    whose name contains it, alphabetically."""
    text = text.strip()
    if not text:
        return []
    found: dict[int, Account] = {}
    if (by_domain := account_for_address(session, text)) is not None:
        found[by_domain.id] = by_domain
    page = list_accounts(session, q=text, external_id=None, domain=None, limit=limit, cursor=None)
    for account in page.items:
        found.setdefault(account.id, account)
    return list(found.values())[:limit]


def contacts_matching(
    session: Session, account_id: int, text: str, *, exclude: Iterable[int] = (), limit: int = 20
) -> list[Contact]:
    """The account's contacts whose name, title or e-mail contains ``text`` (all of them when
    it is empty), by name."""
    stmt = select(Contact).where(Contact.account_id == account_id)
    if skip := list(exclude):
        stmt = stmt.where(Contact.id.not_in(skip))
    if text := text.strip().lower():
        stmt = stmt.where(
            or_(
                *(
                    func.lower(column).contains(text, autoescape=True)
                    for column in (Contact.name, Contact.title, Contact.email)
                )
            )
        )
    return list(session.scalars(stmt.order_by(Contact.name, Contact.id).limit(limit)))


def contacts_by_ids(session: Session, account_id: int, ids: Iterable[int]) -> list[Contact]:
    """Those of ``ids`` that are contacts of the account, in the given order; others are
    dropped (a picker keeps its choices only while they fit the chosen account)."""
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {
        c.id: c
        for c in session.scalars(
            select(Contact).where(Contact.id.in_(wanted), Contact.account_id == account_id)
        )
    }
    return [found[i] for i in wanted if i in found]


def authors(session: Session) -> list[User]:
    """Everyone who may have written a note, by name."""
    return list(session.scalars(select(User).order_by(User.name, User.id).limit(MAX_AUTHORS)))
