"""The list of accounts a reader browses: every account (every user sees every account), found
by part of its name, domain or alias and filtered by industry, region, staleness and red flag,
with what the reader knows of each (the notes they may read, and when the latest was learned).

Counts and staleness come from the notes the reader may read only (``access.visible_notes``),
so the list tells no one of notes hidden from them. A red flag is computed from the reader's
influence map of each account (``red_flags.accounts_flagged``), as the coverage analytics do:
its cost grows with the accounts the other filters leave, so it is applied last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Text, cast, func, or_, select
from sqlalchemy.orm import Session

from app.db.models import Account, AccountDomain, Note, User
from app.domain.access import visible_notes
from app.domain.accounts import name_key
from app.domain.influence import red_flags
from app.domain.pagination import Page, paginate


@dataclass(frozen=True, kw_only=True)
class AccountFilters:
    q: str = ""  # part of the name, an alias or a domain
    industry: str = ""
    region: str = ""
    stale: bool = False  # nothing the reader may read was learned within ``coverage_days``
    red_flag: str = ""  # one of ``red_flags.CODES``


@dataclass(frozen=True)
class AccountRow:
    account: Account
    notes: int
    last_learned: datetime | None


@dataclass(frozen=True)
class Choices:
    """The industries and regions accounts have, for the filters' menus."""

    industries: list[str]
    regions: list[str]


def _matching(filters: AccountFilters) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.q:
        key = name_key(filters.q)
        where.append(
            or_(
                Account.name_key.contains(key, autoescape=True),
                Account.id.in_(
                    select(AccountDomain.account_id).where(
                        AccountDomain.domain.contains(key, autoescape=True)
                    )
                ),
                # Aliases are a JSON list: its text holds each alias, quoted.
                func.lower(cast(Account.aliases, Text)).contains(key, autoescape=True),
            )
        )
    if filters.industry:
        where.append(func.lower(Account.industry) == filters.industry.casefold())
    if filters.region:
        where.append(func.lower(Account.region) == filters.region.casefold())
    return where


def list_accounts(
    session: Session,
    viewer: User,
    filters: AccountFilters,
    *,
    coverage_days: int,
    now: datetime,
    limit: int,
    cursor: str | None,
) -> Page[AccountRow]:
    """Accounts by name, with the reader's counts; see the module's docstring."""
    stmt = select(Account).where(*_matching(filters))
    if filters.stale:
        recent = select(Note.account_id).where(
            visible_notes(viewer), Note.observed_at >= now - timedelta(days=coverage_days)
        )
        stmt = stmt.where(Account.id.not_in(recent))
    if filters.red_flag in red_flags.CODES:
        candidates = list(session.scalars(stmt.with_only_columns(Account.id)))
        flagged = red_flags.accounts_flagged(
            session,
            viewer,
            candidates,
            filters.red_flag,
            coverage_days=coverage_days,
            now=now,
        )
        stmt = stmt.where(Account.id.in_(sorted(flagged)))
    page = paginate(
        session,
        stmt,
        order=[(Account.name_key, False), (Account.id, False)],
        limit=limit,
        cursor=cursor,
    )
    ids = [a.id for a in page.items]
    known = {
        account_id: (count, last)
        for account_id, count, last in session.execute(
            select(Note.account_id, func.count(), func.max(Note.observed_at))
            .where(visible_notes(viewer), Note.account_id.in_(ids))
            .group_by(Note.account_id)
        )
    }
    rows = [AccountRow(a, *known.get(a.id, (0, None))) for a in page.items]
    return Page(rows, page.next_cursor)


def filter_choices(session: Session) -> Choices:
    def distinct(column: ColumnElement[str | None]) -> list[str]:
        values = session.scalars(select(column).where(column.is_not(None)).distinct())
        return sorted({v for v in values if v}, key=str.casefold)

    return Choices(
        industries=distinct(Account.industry),  # type: ignore[arg-type]
        regions=distinct(Account.region),  # type: ignore[arg-type]
    )
