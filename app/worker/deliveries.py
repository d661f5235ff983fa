"""Deliveries of the event stream to named consumers: the seam that webhooks, Slack messages,
calendar briefs and caches reuse.

A consumer registers once (``register``); from then on every event emitted queues a delivery
for it in the event's own transaction, so a consumer never misses an event, even one written
by a long import that commits after later events. A worker then loops:

    claimed = claim(session, "webhooks", limit=50, lease=timedelta(seconds=60))
    commit
    ... deliver each one, outside any transaction ...
    ack(session, "webhooks", [c.delivery_id for c in done]); retry(...) for the others; commit

A claim is a lease. On PostgreSQL it takes rows with ``FOR UPDATE SKIP LOCKED``, so workers
running at once get disjoint batches; on SQLite the claim runs in a write session, whose
``BEGIN IMMEDIATE`` makes claims one at a time. A worker that dies leaves its lease to run out
and the delivery is claimed again: delivery is at least once, and a consumer tells repeats
apart by ``event.id``. Each claim counts an attempt; past ``max_attempts`` a delivery is
parked (``available_at`` empty) for an operator to look at.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.outbox import Event, EventConsumer, EventDelivery
from app.domain.events import forget_consumer_cache

MAX_ATTEMPTS = 10
FIRST_BACKOFF = timedelta(seconds=10)
LONGEST_BACKOFF = timedelta(hours=1)


@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    attempt: int  # 1 on the first claim; pass it back to ``retry``
    event: Event


def register(session: Session, consumer: str) -> None:
    """Make ``consumer`` a reader of the stream, from the next event on (idempotent)."""
    if session.get(EventConsumer, consumer) is None:
        session.add(EventConsumer(name=consumer))
        session.flush()
    forget_consumer_cache(session)


def unregister(session: Session, consumer: str) -> None:
    """Stop queueing events for ``consumer`` and drop what it still owed."""
    session.execute(delete(EventDelivery).where(EventDelivery.consumer == consumer))
    session.execute(delete(EventConsumer).where(EventConsumer.name == consumer))
    forget_consumer_cache(session)


def claim(
    session: Session, consumer: str, *, limit: int, lease: timedelta, now: datetime | None = None
) -> list[Claimed]:
    """Lease up to ``limit`` deliveries that are due, oldest event first. Commit soon after:
    on PostgreSQL the row locks keep other workers off only until then, the lease after."""
    now = now or utcnow()
    rows = session.execute(
        select(EventDelivery, Event)
        .join(Event, Event.id == EventDelivery.event_id)
        .where(EventDelivery.consumer == consumer, EventDelivery.available_at <= now)
        .order_by(EventDelivery.event_id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=EventDelivery)
    ).all()
    claimed = []
    for delivery, event in rows:
        delivery.attempts += 1
        delivery.available_at = now + lease
        claimed.append(Claimed(delivery.id, delivery.attempts, event))
    session.flush()
    return claimed


def ack(session: Session, consumer: str, delivery_ids: Sequence[int]) -> int:
    """The deliveries are done; returns how many were still owed (a delivery acknowledged
    twice, by a worker whose lease ran out and the one that took over, counts once)."""
    if not delivery_ids:
        return 0
    result: Any = session.execute(
        delete(EventDelivery)
        .where(EventDelivery.consumer == consumer, EventDelivery.id.in_(list(delivery_ids)))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)


def retry(
    session: Session,
    consumer: str,
    delivery_id: int,
    *,
    attempt: int,
    error: str,
    max_attempts: int = MAX_ATTEMPTS,
    now: datetime | None = None,
) -> datetime | None:
    """A delivery failed: due again after a back-off that doubles with each attempt (10 s,
    20 s, … at most an hour), or parked after ``max_attempts``. ``attempt`` is the claim's: a
    worker whose lease ran out and was taken over cannot push back the new holder's attempt.
    Returns when the delivery is next due (None: parked, or no longer this worker's)."""
    now = now or utcnow()
    delivery = session.scalar(
        select(EventDelivery)
        .where(EventDelivery.consumer == consumer, EventDelivery.id == delivery_id)
        .with_for_update(of=EventDelivery)  # not the joined event: PostgreSQL refuses that
    )
    if delivery is None or delivery.attempts != attempt:
        return None
    delivery.last_error = error[:2000]
    if attempt >= max_attempts:
        delivery.available_at = None
    else:
        delivery.available_at = now + min(FIRST_BACKOFF * 2 ** (attempt - 1), LONGEST_BACKOFF)
    session.flush()
    return delivery.available_at


def parked(session: Session, consumer: str) -> list[EventDelivery]:
    """Deliveries out of attempts, oldest first, each with its last error."""
    return list(
        session.scalars(
            select(EventDelivery)
            .where(EventDelivery.consumer == consumer, EventDelivery.available_at.is_(None))
            .order_by(EventDelivery.event_id)
        )
    )
