"""The weekly digest: for each user who opted in (``PUT /v1/me/briefs {"weekly_digest"}``),
once a week at ``TACIT_DIGEST_WEEKDAY`` and ``TACIT_DIGEST_HOUR`` (UTC), the notes colleagues
wrote in the seven days before on the accounts the user wrote about or meets (the accounts of
their calendar's external meetings), and the stale facts on those accounts due for review.

Built as the user, through ``visible_notes``: only what they may read. A fixed weekly time
rather than "seven days after the last one": every digest covers the same days, and a digest
delayed by an outage does not shift the next.

Deliveries are rows like ``brief_deliveries``: one per (user, week), unique, so a week's
digest is queued once however many passes or workers see it; claimed with a lease, so a
crash between claim and record delays it (the lease runs out) and never loses or repeats it.
A week whose digest has nothing in it is recorded as sent without an e-mail."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Select, exists, or_, select, update
from sqlalchemy.orm import Session

from app.db.models import Account, DigestDelivery, MeetingOccurrence, Note, User
from app.domain import owed_mail
from app.domain.access import visible_notes

WEEK = timedelta(days=7)
PER_ACCOUNT = 10  # new notes shown per account; the rest are counted
MAX_STALE = 20


def set_opt_in(session: Session, user: User, *, on: bool) -> bool:
    """Opt ``user`` in or out; an update by id, since the request's user was loaded in a unit
    of work of its own."""
    session.execute(update(User).where(User.id == user.id).values(weekly_digest=on))
    return on


def current_week(now: datetime, *, weekday: int, hour: int) -> datetime:
    """The latest digest time at or before ``now``: ``weekday`` (0 Monday) at ``hour`` UTC."""
    slot = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    slot -= timedelta(days=(slot.weekday() - weekday) % 7)
    return slot if slot <= now else slot - WEEK


def _owed(week: datetime) -> Select[int]:
    return select(User.id).where(
        User.weekly_digest.is_(True),
        User.is_active.is_(True),
        User.email.is_not(None),
        ~exists().where(DigestDelivery.user_id == User.id, DigestDelivery.week == week),
    )


def anything_due(session: Session, *, now: datetime, week: datetime) -> bool:
    """A read, so that an idle worker polls without taking SQLite's write lock."""
    pending = exists().where(
        DigestDelivery.status == "pending", DigestDelivery.next_attempt_at <= now
    )
    return bool(session.scalar(select(exists(_owed(week)) | pending)))


def queue_due(session: Session, *, now: datetime, week: datetime) -> int:
    """A row for this week's digest of every opted-in user who has none yet."""
    users = list(session.scalars(_owed(week)))
    for user_id in users:
        session.add(
            DigestDelivery(
                user_id=user_id, week=week, status="pending", attempts=0, next_attempt_at=now
            )
        )
    session.flush()
    return len(users)


@dataclass(frozen=True)
class ClaimedDigest:
    delivery: DigestDelivery
    user: User
    email: str
    attempt: int


def claim_due(session: Session, *, now: datetime, limit: int) -> list[ClaimedDigest]:
    """Lease up to ``limit`` due digests; one whose user opted out, left or has no e-mail
    address since is deleted unsent. Commit soon after rendering."""
    claimed = []
    for row in owed_mail.due(session, DigestDelivery, now=now, limit=limit):
        user = session.get_one(User, row.user_id)
        if not (user.weekly_digest and user.is_active and user.email):
            session.delete(row)
            continue
        claimed.append(ClaimedDigest(row, user, user.email, owed_mail.lease(row, now=now)))
    session.flush()
    return claimed


def record(
    session: Session, delivery_id: int, attempt: int, error: str | None, *, now: datetime
) -> None:
    """Sent, or due again after a back-off (``owed_mail.record``)."""
    owed_mail.record(session, DigestDelivery, delivery_id, attempt, error, now=now)


@dataclass
class AccountNews:
    account: Account
    notes: list[Note] = field(default_factory=list)
    more: int = 0  # beyond PER_ACCOUNT


@dataclass(frozen=True)
class Digest:
    since: datetime
    until: datetime
    news: list[AccountNews]
    stale: list[Note]

    @property
    def empty(self) -> bool:
        return not self.news and not self.stale


def build(session: Session, user: User, *, week: datetime) -> Digest:
    """``user``'s digest for the week ending at ``week``, from the notes they may read."""
    since = week - WEEK
    wrote = select(Note.account_id).where(Note.author_id == user.id, Note.deleted_at.is_(None))
    meets = select(MeetingOccurrence.account_ids).where(MeetingOccurrence.user_id == user.id)
    met = {a for (ids,) in session.execute(meets) for a in ids or []}
    followed = or_(Note.account_id.in_(wrote), Note.account_id.in_(met))
    readable = visible_notes(user)
    news: dict[int, AccountNews] = {}
    for note in session.scalars(
        select(Note)
        .where(
            readable,
            followed,
            Note.author_id != user.id,
            Note.created_at >= since,
            Note.created_at < week,
        )
        .order_by(Note.account_id, Note.created_at.desc(), Note.id.desc())
    ):
        item = news.setdefault(note.account_id, AccountNews(note.account))
        if len(item.notes) < PER_ACCOUNT:
            item.notes.append(note)
        else:
            item.more += 1
    stale = list(
        session.scalars(
            select(Note)
            .where(
                readable,
                followed,
                Note.stale_after <= week,
                Note.superseded_by_id.is_(None),
            )
            .order_by(Note.stale_after, Note.id)
            .limit(MAX_STALE)
        )
    )
    ordered = sorted(news.values(), key=lambda n: n.account.name.lower())
    return Digest(since, week, ordered, stale)
