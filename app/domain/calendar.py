"""A user's calendar feed, as they manage it: set, show (masked), stop; whether briefs are
delivered; and their upcoming external meetings with each brief's status.

The feed's address is a secret (whoever has it reads the calendar), so it is sealed with the
server's key as webhook secrets are, shown only as its host and last four characters, and
never put in an error, a log line or an event. Every function acts on the caller's own feed:
nobody reads or changes another's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import (
    Account,
    BriefDelivery,
    BriefKind,
    BriefStatus,
    CalendarFeed,
    MeetingOccurrence,
    User,
)
from app.domain.audit import record
from app.errors import NotFound
from app.outbound.signing import seal

HINT_TAIL = 4
MAX_UPCOMING = 200


def url_hint(url: str) -> str:
    """What may be shown of a feed's address: its host and its last four characters."""
    host = urlsplit(url).hostname or "?"
    return f"{host} …{url[-HINT_TAIL:]}"


def set_feed(session: Session, user: User, url: str, *, key: bytes, now: datetime) -> CalendarFeed:
    """Give ``user`` this feed (replacing any other), read at the worker's next pass. A new
    address starts afresh: its validators, error and occurrences belong to the old one."""
    feed = session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))
    if feed is None:
        feed = CalendarFeed(user_id=user.id, deliver_briefs=True, failures=0)
        session.add(feed)
    else:
        session.execute(delete(MeetingOccurrence).where(MeetingOccurrence.feed_id == feed.id))
    feed.url_sealed, feed.url_hint = seal(url, key), url_hint(url)
    feed.etag = feed.last_modified = feed.full_read_at = feed.last_error = None
    feed.last_polled_at, feed.failures, feed.next_poll_at = None, 0, now
    session.flush()
    record(session, user, "calendar.set", target_type="user", target_id=user.id, host=feed.url_hint)
    return feed


def get_feed(session: Session, user: User) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def delete_feed(session: Session, user: User) -> None:
    """Stop reading ``user``'s feed; its occurrences and their deliveries go with it."""
    feed = get_feed(session, user)
    if feed is None:
        raise NotFound("you have no calendar feed")
    session.delete(feed)
    session.flush()
    record(session, user, "calendar.delete", target_type="user", target_id=user.id)


def set_delivery(session: Session, user: User, *, deliver: bool) -> CalendarFeed:
    """Turn the briefs before ``user``'s meetings on or off (their feed is still read, so
    that ``upcoming`` stays current)."""
    feed = get_feed(session, user)
    if feed is None:
        raise NotFound("you have no calendar feed: PUT /v1/me/calendar first")
    feed.deliver_briefs = deliver
    session.flush()
    return feed


@dataclass(frozen=True)
class Upcoming:
    occurrence: MeetingOccurrence
    accounts: list[Account]
    status: str  # scheduled, sent, updated, failed, off


def upcoming(session: Session, user: User, *, now: datetime) -> list[Upcoming]:
    """``user``'s external meetings that have not ended, soonest first, with their brief's
    status: off (delivery turned off), failed, updated or sent (the newest version sent was
    an update or the first brief), scheduled (nothing sent yet for this version)."""
    feed = get_feed(session, user)
    if feed is None:
        return []
    occurrences = list(
        session.scalars(
            select(MeetingOccurrence)
            .where(
                MeetingOccurrence.feed_id == feed.id,
                MeetingOccurrence.ends_at > now,
                MeetingOccurrence.cancelled.is_(False),
            )
            .order_by(MeetingOccurrence.starts_at, MeetingOccurrence.id)
            .limit(MAX_UPCOMING)
        )
    )
    deliveries: dict[int, list[BriefDelivery]] = {}
    for delivery in session.scalars(
        select(BriefDelivery)
        .where(BriefDelivery.occurrence_id.in_([o.id for o in occurrences]))
        .order_by(BriefDelivery.id)
    ):
        deliveries.setdefault(delivery.occurrence_id, []).append(delivery)
    account_ids = {a for o in occurrences for a in o.account_ids}
    accounts = {
        a.id: a for a in session.scalars(select(Account).where(Account.id.in_(account_ids)))
    }
    return [
        Upcoming(
            occurrence,
            [accounts[a] for a in occurrence.account_ids if a in accounts],
            _status(feed, occurrence, deliveries.get(occurrence.id, [])),
        )
        for occurrence in occurrences
    ]


def _status(
    feed: CalendarFeed, occurrence: MeetingOccurrence, deliveries: list[BriefDelivery]
) -> str:
    current = next((d for d in deliveries if d.fingerprint == occurrence.fingerprint), None)
    if current is not None and current.status == BriefStatus.sent:
        return "updated" if current.kind == BriefKind.update else "sent"
    if current is not None and current.status == BriefStatus.failed:
        return "failed"
    return "scheduled" if feed.deliver_briefs else "off"
