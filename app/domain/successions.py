"""Successors for a departing colleague's accounts, and the handover brief each is owed.

An admin names one successor per leaver and account (``name_successor``): audited as
``handover.successor``, emitted as ``account.handover``. The row is also the brief's
delivery: claimed with a lease (``claim_due``), rendered for the successor through the access
rule (the account brief as ``GET /v1/accounts/{id}/brief`` shows it to them), sent outside
any transaction and recorded (``record``), like ``brief_deliveries``: a crash delays a brief,
never loses or repeats it. Naming another successor owes the new one a brief."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.db.models import Account, HandoverSuccession, User
from app.domain import audit, events, owed_mail
from app.domain.access import ensure_admin
from app.domain.users import get_user
from app.errors import Invalid


def name_successor(
    session: Session,
    admin: User,
    user_id: int,
    *,
    account_id: int,
    successor_id: int,
    now: datetime,
) -> HandoverSuccession:
    ensure_admin(admin)
    leaver = get_user(session, user_id)
    if session.get(Account, account_id) is None:
        raise Invalid(f"no account with id {account_id}", field="account_id")
    successor = session.get(User, successor_id)
    if successor is None or not successor.is_active:
        raise Invalid("the successor must be an active user", field="successor_id")
    if successor.id == leaver.id:
        raise Invalid("a user cannot succeed themselves", field="successor_id")
    row = session.scalar(
        select(HandoverSuccession).where(
            HandoverSuccession.user_id == leaver.id, HandoverSuccession.account_id == account_id
        )
    )
    if row is not None and row.successor_id == successor.id:
        return row  # named again: nothing changes, nothing is sent twice
    if row is None:
        row = HandoverSuccession(user_id=leaver.id, account_id=account_id)
        session.add(row)
    row.successor_id, row.named_by_id = successor.id, admin.id
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
    row.sent_at, row.last_error, row.created_at = None, None, now
    session.flush()
    audit.record(
        session,
        admin,
        "handover.successor",
        target_type="account",
        target_id=account_id,
        user_id=leaver.id,
        successor_id=successor.id,
    )
    events.emit(session, "account.handover", actor=admin, account_id=account_id, user_id=leaver.id)
    return row


def successions_of(session: Session, user_id: int) -> list[HandoverSuccession]:
    """The successors named for ``user_id``'s accounts."""
    return list(
        session.scalars(
            select(HandoverSuccession)
            .where(HandoverSuccession.user_id == user_id)
            .order_by(HandoverSuccession.account_id)
        )
    )


def handed_to(session: Session, successor: User) -> list[HandoverSuccession]:
    """The accounts handed over to ``successor``, newest first."""
    return list(
        session.scalars(
            select(HandoverSuccession)
            .where(HandoverSuccession.successor_id == successor.id)
            .order_by(HandoverSuccession.created_at.desc(), HandoverSuccession.id.desc())
        )
    )


def anything_due(session: Session, *, now: datetime) -> bool:
    """A read, so that an idle worker polls without taking SQLite's write lock."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    HandoverSuccession.status == "pending",
                    HandoverSuccession.next_attempt_at <= now,
                )
            )
        )
    )


@dataclass(frozen=True)
class ClaimedHandover:
    row: HandoverSuccession
    leaver: User
    successor: User
    email: str  # the successor's
    attempt: int


def claim_due(session: Session, *, now: datetime, limit: int) -> list[ClaimedHandover]:
    """Lease up to ``limit`` due handover briefs; one whose successor has no e-mail address
    or has left since is given up. Commit soon after rendering."""
    claimed = []
    for row in owed_mail.due(session, HandoverSuccession, now=now, limit=limit):
        successor = session.get_one(User, row.successor_id)
        if not successor.is_active or not successor.email:
            owed_mail.give_up(row, "the successor has no e-mail address or is deactivated")
            continue
        leaver = session.get_one(User, row.user_id)
        attempt = owed_mail.lease(row, now=now)
        claimed.append(ClaimedHandover(row, leaver, successor, successor.email, attempt))
    session.flush()
    return claimed


def record(
    session: Session, succession_id: int, attempt: int, error: str | None, *, now: datetime
) -> None:
    """Sent, or due again after a back-off (``owed_mail.record``)."""
    owed_mail.record(session, HandoverSuccession, succession_id, attempt, error, now=now)
