"""Briefs owed before external meetings: queued when an occurrence's lead time comes, claimed
with a lease, and recorded as sent or due again, like webhook deliveries
(``webhook_deliveries``). ``app.worker.calendar`` runs the steps; the brief is rendered for
its recipient between ``claim_due`` and the commit, and sent outside any transaction.

Why a row per version of an occurrence, unique on (occurrence, fingerprint): a version is
queued once, whichever worker and however many passes see it, so the same version is never
sent twice; a crash between claim and record leaves the lease to run out and the row is
claimed again (delayed, not lost). A version queued after another was sent is an update.
A row whose occurrence changed, was cancelled, or whose owner turned delivery off before it
was sent is deleted unsent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from app.db.models import (
    BriefDelivery,
    BriefKind,
    BriefStatus,
    CalendarFeed,
    MeetingOccurrence,
    User,
)

LEASE = timedelta(minutes=2)
FIRST_BACKOFF = timedelta(seconds=30)
LONGEST_BACKOFF = timedelta(minutes=15)
MAX_ERROR_CHARS = 2000


def anything_due(session: Session, *, now: datetime, lead: timedelta) -> bool:
    """Whether a pass has anything to do: a feed to read, a brief to queue or to send. A
    read, so that an idle worker polls without taking SQLite's write lock."""
    occurrence_due = exists().where(
        CalendarFeed.id == MeetingOccurrence.feed_id,
        CalendarFeed.deliver_briefs.is_(True),
        MeetingOccurrence.cancelled.is_(False),
        MeetingOccurrence.starts_at > now,
        MeetingOccurrence.starts_at <= now + lead,
        ~exists().where(
            BriefDelivery.occurrence_id == MeetingOccurrence.id,
            BriefDelivery.fingerprint == MeetingOccurrence.fingerprint,
        ),
    )
    return bool(
        session.scalar(
            select(
                exists().where(CalendarFeed.next_poll_at <= now)
                | occurrence_due
                | exists().where(
                    BriefDelivery.status == BriefStatus.pending,
                    BriefDelivery.next_attempt_at <= now,
                )
            )
        )
    )


def queue_due(session: Session, *, now: datetime, lead: timedelta) -> int:
    """Queue the brief of each external occurrence whose lead time has come and whose
    current version has no row yet; returns how many it queued. An occurrence that changed
    after its brief was sent is queued at once, as an update: its recipient holds a brief
    with the wrong time or people, whenever the new time is."""
    done, sent = aliased(BriefDelivery), aliased(BriefDelivery)
    was_sent = exists().where(
        sent.occurrence_id == MeetingOccurrence.id, sent.status == BriefStatus.sent
    )
    due = session.scalars(
        select(MeetingOccurrence)
        .join(CalendarFeed, CalendarFeed.id == MeetingOccurrence.feed_id)
        .join(User, User.id == MeetingOccurrence.user_id)
        .where(
            MeetingOccurrence.cancelled.is_(False),
            MeetingOccurrence.starts_at > now,
            (MeetingOccurrence.starts_at <= now + lead) | was_sent,
            CalendarFeed.deliver_briefs.is_(True),
            User.is_active.is_(True),
            ~exists().where(
                done.occurrence_id == MeetingOccurrence.id,
                done.fingerprint == MeetingOccurrence.fingerprint,
            ),
        )
        .order_by(MeetingOccurrence.starts_at, MeetingOccurrence.id)
        # Two workers must not queue one version twice (the unique key would fail one).
        .with_for_update(skip_locked=True, of=MeetingOccurrence)
    ).all()
    for occurrence in due:
        earlier = session.scalar(
            select(
                exists().where(
                    BriefDelivery.occurrence_id == occurrence.id,
                    (BriefDelivery.status == BriefStatus.sent) | (BriefDelivery.attempts > 0),
                )
            )
        )
        session.add(
            BriefDelivery(
                occurrence_id=occurrence.id,
                user_id=occurrence.user_id,
                fingerprint=occurrence.fingerprint,
                kind=BriefKind.update if earlier else BriefKind.brief,
                status=BriefStatus.pending,
                attempts=0,
                next_attempt_at=now,
            )
        )
    session.flush()
    return len(due)


@dataclass(frozen=True)
class Claimed:
    """A leased delivery, with what the worker renders it from (attached to the session)."""

    delivery: BriefDelivery
    occurrence: MeetingOccurrence
    recipient: User
    attempt: int


def claim_due(session: Session, *, now: datetime, limit: int) -> list[Claimed]:
    """Lease up to ``limit`` due deliveries. One no longer wanted (see the module) is deleted;
    one whose meeting has begun is given up. Commit soon after rendering."""
    rows = session.scalars(
        select(BriefDelivery)
        .where(BriefDelivery.status == BriefStatus.pending, BriefDelivery.next_attempt_at <= now)
        .order_by(BriefDelivery.next_attempt_at, BriefDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    claimed = []
    for delivery in rows:
        occurrence = session.get_one(MeetingOccurrence, delivery.occurrence_id)
        feed = session.get_one(CalendarFeed, occurrence.feed_id)
        recipient = session.get_one(User, delivery.user_id)
        wanted = (
            not occurrence.cancelled
            and occurrence.fingerprint == delivery.fingerprint
            and feed.deliver_briefs
            and recipient.is_active
        )
        if not wanted:
            session.delete(delivery)
            continue
        if now >= occurrence.starts_at:
            _give_up(delivery, "the meeting began before the brief could be sent")
            continue
        delivery.attempts += 1
        delivery.next_attempt_at = now + LEASE
        claimed.append(Claimed(delivery, occurrence, recipient, delivery.attempts))
    session.flush()
    return claimed


@dataclass(frozen=True)
class Outcome:
    """What came of one attempt: each channel tried, and whether it took the brief."""

    delivery_id: int
    attempt: int
    emailed: bool  # the e-mail was sent now, or before
    slacked: bool
    errors: list[str]


def record(session: Session, outcomes: list[Outcome], *, now: datetime) -> None:
    """Sent when every channel took it; otherwise due again after a back-off (30 s,
    doubling, at most 15 minutes), which ``claim_due`` gives up once the meeting has begun.
    An attempt whose lease another worker took over is not recorded."""
    for outcome in outcomes:
        delivery = session.get(BriefDelivery, outcome.delivery_id, with_for_update=True)
        if delivery is None or delivery.attempts != outcome.attempt:
            continue
        if outcome.emailed and delivery.emailed_at is None:
            delivery.emailed_at = now
        if outcome.slacked and delivery.slacked_at is None:
            delivery.slacked_at = now
        if not outcome.errors:
            delivery.status, delivery.sent_at = BriefStatus.sent, now
            delivery.next_attempt_at, delivery.last_error = None, None
            continue
        delivery.last_error = "; ".join(outcome.errors)[:MAX_ERROR_CHARS]
        delivery.next_attempt_at = now + backoff(delivery.attempts)
    session.flush()


def give_up(session: Session, delivery_id: int, error: str) -> None:
    """A delivery that cannot be sent at all (no channel reaches its recipient)."""
    delivery = session.get(BriefDelivery, delivery_id, with_for_update=True)
    if delivery is not None:
        _give_up(delivery, error)
        session.flush()


def _give_up(delivery: BriefDelivery, error: str) -> None:
    delivery.status, delivery.next_attempt_at = BriefStatus.failed, None
    delivery.last_error = error[:MAX_ERROR_CHARS]


def backoff(attempts: int) -> timedelta:
    doubled: timedelta = FIRST_BACKOFF * 2 ** min(attempts - 1, 20)
    return min(doubled, LONGEST_BACKOFF)
