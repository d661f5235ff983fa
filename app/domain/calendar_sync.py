"""Calendar feeds read by the worker: which are due (leased, as webhook deliveries are), and
what a read leaves behind, the feed's upcoming external occurrences with their version.

A feed is read outside any transaction (``app/worker/calendar.py``); these functions run
before and after, each in the worker's unit of work. A failing feed records its error and
backs off (the poll interval doubled per failure in a row, at most ``LONGEST_BACKOFF``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db.models import CalendarFeed, Contact, MeetingOccurrence, User
from app.domain.accounts import account_for_address
from app.mail.feed import Occurrence
from app.outbound.signing import UnreadableSecret, unseal

HORIZON = timedelta(days=14)  # how far ahead occurrences are kept
KEEP_ENDED = timedelta(days=1)  # ended occurrences are dropped after this
FULL_READ_EVERY = timedelta(hours=12)  # the window moves on: an unchanged feed is read again
LEASE = timedelta(minutes=2)  # longer than a read: its timeout is far shorter
LONGEST_BACKOFF = timedelta(hours=6)
MAX_ERROR_CHARS = 500


@dataclass(frozen=True)
class DueFeed:
    feed_id: int
    sealed: str  # to recognise, after the read, a feed whose address changed meanwhile
    url: str | None  # None: the address cannot be unsealed, and ``unreadable`` says why
    unreadable: str | None
    etag: str | None  # None for a full read
    last_modified: str | None


def claim_feeds(session: Session, *, now: datetime, limit: int, key: bytes) -> list[DueFeed]:
    """Lease up to ``limit`` feeds due for a read. Commit soon after: on PostgreSQL the row
    locks keep other workers off until then, the lease after."""
    feeds = session.scalars(
        select(CalendarFeed)
        .where(CalendarFeed.next_poll_at <= now)
        .order_by(CalendarFeed.next_poll_at, CalendarFeed.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    due = []
    for feed in feeds:
        feed.next_poll_at = now + LEASE
        full = feed.full_read_at is None or now - feed.full_read_at >= FULL_READ_EVERY
        try:
            url, unreadable = unseal(feed.url_sealed, key), None
        except UnreadableSecret:
            url = None
            unreadable = (
                "the feed's address cannot be read with this server's key (was "
                "TACIT_SECRET_KEY changed?): set the calendar feed again"
            )
        due.append(
            DueFeed(
                feed_id=feed.id,
                sealed=feed.url_sealed,
                url=url,
                unreadable=unreadable,
                etag=None if full else feed.etag,
                last_modified=None if full else feed.last_modified,
            )
        )
    session.flush()
    return due


def _current(session: Session, due: DueFeed) -> CalendarFeed | None:
    """The feed, unless it was deleted or given another address during the read."""
    feed = session.get(CalendarFeed, due.feed_id, with_for_update=True)
    return feed if feed is not None and feed.url_sealed == due.sealed else None


def record_failure(
    session: Session, due: DueFeed, error: str, *, now: datetime, poll: timedelta
) -> None:
    feed = _current(session, due)
    if feed is None:
        return
    feed.failures += 1
    feed.last_polled_at = now
    feed.last_error = error[:MAX_ERROR_CHARS]
    feed.next_poll_at = now + min(poll * 2 ** min(feed.failures, 16), LONGEST_BACKOFF)
    session.flush()


def record_unchanged(session: Session, due: DueFeed, *, now: datetime, poll: timedelta) -> None:
    """The feed answered 304: what was read last time stands."""
    feed = _current(session, due)
    if feed is None:
        return
    feed.failures, feed.last_error, feed.last_polled_at = 0, None, now
    feed.next_poll_at = now + poll
    session.flush()


def store_read(
    session: Session,
    due: DueFeed,
    occurrences: list[Occurrence],
    *,
    etag: str | None,
    last_modified: str | None,
    now: datetime,
    poll: timedelta,
) -> int:
    """Keep the feed's external occurrences of ``occurrences`` (read for ``now`` to ``now +
    HORIZON``) with their versions. One that left the feed, or no longer has anyone from
    outside, is kept as cancelled: it must not be briefed, and a later return is an update.
    Returns how many external occurrences the feed has ahead."""
    feed = _current(session, due)
    if feed is None:
        return 0
    feed.failures, feed.last_error, feed.last_polled_at = 0, None, now
    feed.etag, feed.last_modified, feed.full_read_at = etag, last_modified, now
    feed.next_poll_at = now + poll
    owner = session.get_one(User, feed.user_id)
    stored = {
        o.key: o
        for o in session.scalars(
            select(MeetingOccurrence).where(MeetingOccurrence.feed_id == feed.id)
        )
    }
    matcher = _Matcher(session, owner)
    seen: set[str] = set()
    external = 0
    for occurrence in occurrences:
        if occurrence.key in seen or occurrence.end <= now:
            continue
        seen.add(occurrence.key)
        accounts = [] if occurrence.cancelled else matcher.accounts(occurrence)
        row = stored.get(occurrence.key)
        if not accounts and row is None:
            continue  # internal, or cancelled before it was ever seen: nothing to keep
        if row is None:
            row = MeetingOccurrence(feed_id=feed.id, user_id=feed.user_id, key=occurrence.key)
            session.add(row)
        external += bool(accounts)
        row.summary = occurrence.summary
        row.starts_at, row.ends_at = occurrence.start, occurrence.end
        row.attendees = [{"email": a.email, "name": a.name} for a in occurrence.attendees]
        row.account_ids = accounts or row.account_ids or []
        row.cancelled = not accounts
        row.fingerprint = fingerprint(occurrence, cancelled=row.cancelled)
    for key, row in stored.items():
        if key not in seen and row.starts_at > now and not row.cancelled:
            row.cancelled = True
            row.fingerprint = _digest([row.starts_at, row.ends_at, row.attendees, True])
    session.flush()
    session.execute(
        delete(MeetingOccurrence).where(
            MeetingOccurrence.feed_id == feed.id, MeetingOccurrence.ends_at < now - KEEP_ENDED
        )
    )
    return external


def fingerprint(occurrence: Occurrence, *, cancelled: bool) -> str:
    """The version of an occurrence: its start, end, the set of its attendees, and whether
    it is cancelled. A new summary or description is not a new version."""
    people = sorted({a.email or f"name:{(a.name or '').casefold()}" for a in occurrence.attendees})
    return _digest([occurrence.start, occurrence.end, people, cancelled])


def _digest(parts: list[object]) -> str:
    text = json.dumps(parts, default=lambda v: v.isoformat(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


class _Matcher:
    """Which accounts an occurrence's attendees belong to: a known contact by e-mail, else an
    account's domain. Colleagues (Tacit users) are not customers, whatever their domain."""

    def __init__(self, session: Session, owner: User) -> None:
        self._session = session
        self._cache: dict[str, list[int]] = {}
        self._owner = owner.email.lower() if owner.email else None

    def accounts(self, occurrence: Occurrence) -> list[int]:
        found: list[int] = []
        for person in occurrence.attendees:
            if person.email and person.email != self._owner:
                found += [a for a in self._lookup(person.email) if a not in found]
        return found

    def _lookup(self, email: str) -> list[int]:
        if email not in self._cache:
            self._cache[email] = self._find(email)
        return self._cache[email]

    def _find(self, email: str) -> list[int]:
        session = self._session
        if session.scalar(select(User.id).where(func.lower(User.email) == email)) is not None:
            return []
        contacts = list(
            session.scalars(
                select(Contact.account_id)
                .where(func.lower(Contact.email) == email)
                .order_by(Contact.id)
            )
        )
        if contacts:
            return list(dict.fromkeys(contacts))
        account = account_for_address(session, email)
        return [account.id] if account is not None else []
