"""Asking someone, before they are deactivated, to review and share their private notes: an
admin's ``POST /v1/users/{id}/handover/request``, audited as ``handover.request``. The user
then sees a banner on the web page (while they still hold private notes) and is e-mailed once
(the row is the e-mail's delivery: claimed with a lease, recorded, backed off, like the
handover briefs of ``app.domain.successions``); asking again sends again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from app.db.models import HandoverRequest, Note, User, Visibility
from app.domain import audit, owed_mail
from app.domain.access import ensure_admin
from app.domain.users import get_user
from app.errors import Conflict


def ask(session: Session, admin: User, user_id: int, *, now: datetime) -> HandoverRequest:
    ensure_admin(admin)
    user = get_user(session, user_id)
    if not user.is_active:
        raise Conflict("the user is already deactivated: there is nobody left to ask")
    row = session.scalar(select(HandoverRequest).where(HandoverRequest.user_id == user.id))
    if row is None:
        row = HandoverRequest(user_id=user.id)
        session.add(row)
    row.requested_by_id, row.created_at = admin.id, now
    row.status, row.attempts, row.next_attempt_at = "pending", 0, now
    row.sent_at, row.last_error = None, None
    session.flush()
    audit.record(session, admin, "handover.request", target_type="user", target_id=user.id)
    return row


def asked(session: Session, user_id: int) -> bool:
    """Whether to show ``user_id`` the banner: they were asked and still hold private notes."""
    private = exists().where(
        Note.author_id == user_id,
        Note.visibility == Visibility.private,
        Note.deleted_at.is_(None),
    )
    return bool(
        session.scalar(select(exists().where(HandoverRequest.user_id == user_id) & private))
    )


def anything_due(session: Session, *, now: datetime) -> bool:
    """A read, so that an idle worker polls without taking SQLite's write lock."""
    due = exists().where(
        HandoverRequest.status == "pending", HandoverRequest.next_attempt_at <= now
    )
    return bool(session.scalar(select(due)))


@dataclass(frozen=True)
class ClaimedRequest:
    row: HandoverRequest
    user: User
    email: str
    attempt: int


def claim_due(session: Session, *, now: datetime, limit: int) -> list[ClaimedRequest]:
    """Lease up to ``limit`` due e-mails; one to a user with no e-mail address, or deactivated
    since, is given up. Commit soon after rendering."""
    claimed = []
    for row in owed_mail.due(session, HandoverRequest, now=now, limit=limit):
        user = session.get_one(User, row.user_id)
        if not user.is_active or not user.email:
            owed_mail.give_up(row, "the user has no e-mail address or is deactivated")
            continue
        claimed.append(ClaimedRequest(row, user, user.email, owed_mail.lease(row, now=now)))
    session.flush()
    return claimed


def record(
    session: Session, request_id: int, attempt: int, error: str | None, *, now: datetime
) -> None:
    """Sent, or due again after a back-off (``owed_mail.record``)."""
    owed_mail.record(session, HandoverRequest, request_id, attempt, error, now=now)
