"""The consumer API of the event stream (``app.worker.deliveries``) and the events' retention,
on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Event, EventDelivery
from app.domain import events
from app.domain.access import SYSTEM
from app.worker import deliveries
from tests.integration.test_cli import tacit

LEASE = timedelta(seconds=60)


def register(db: Database, *consumers: str) -> None:
    with db.unit_of_work() as session:
        for consumer in consumers:
            deliveries.register(session, consumer)


def emit(db: Database, count: int) -> list[int]:
    """``count`` events in one transaction; their ids."""
    with db.unit_of_work() as session:
        written = [
            events.emit(session, "account.updated", actor=SYSTEM, account_id=i)
            for i in range(1, count + 1)
        ]
        session.flush()
        return [e.id for e in written]


def claim(
    db: Database, consumer: str, *, limit: int = 10, now: datetime | None = None
) -> list[deliveries.Claimed]:
    with db.unit_of_work() as session:
        return deliveries.claim(session, consumer, limit=limit, lease=LEASE, now=now)


def ack(db: Database, consumer: str, claimed: list[deliveries.Claimed]) -> int:
    with db.unit_of_work() as session:
        return deliveries.ack(session, consumer, [c.delivery_id for c in claimed])


def test_claim_in_order_then_ack(db: Database) -> None:
    register(db, "hooks")
    ids = emit(db, 3)
    first = claim(db, "hooks", limit=2)
    assert [c.event.id for c in first] == ids[:2]
    assert [c.attempt for c in first] == [1, 1]
    assert (first[0].event.type, first[0].event.account_id) == ("account.updated", 1)
    assert ack(db, "hooks", first) == 2
    assert ack(db, "hooks", first) == 0  # acknowledged twice counts once
    second = claim(db, "hooks")
    assert [c.event.id for c in second] == ids[2:]
    ack(db, "hooks", second)
    assert claim(db, "hooks") == []


def test_each_consumer_is_owed_each_event_emitted_after_it_registered(db: Database) -> None:
    before = emit(db, 1)
    register(db, "hooks", "slack")
    after = emit(db, 2)
    assert [c.event.id for c in claim(db, "hooks")] == after
    assert [c.event.id for c in claim(db, "slack")] == after
    assert before[0] not in after
    with db.unit_of_work() as session:
        deliveries.unregister(session, "slack")
    emit(db, 1)
    with db.session(write=False) as session:
        owed = session.scalars(select(EventDelivery.consumer).distinct())
        assert list(owed) == ["hooks"]


def test_a_lease_that_runs_out_is_claimed_again(db: Database) -> None:
    register(db, "hooks")
    emit(db, 1)
    now = utcnow()
    (held,) = claim(db, "hooks", now=now)
    assert claim(db, "hooks", now=now + LEASE - timedelta(seconds=1)) == []
    (again,) = claim(db, "hooks", now=now + LEASE + timedelta(seconds=1))
    assert (again.delivery_id, again.attempt) == (held.delivery_id, 2)


def test_retry_backs_off_doubling_and_parks_after_the_last_attempt(db: Database) -> None:
    register(db, "hooks")
    emit(db, 1)
    now = utcnow()
    (first,) = claim(db, "hooks", now=now)
    with db.unit_of_work() as session:
        due = deliveries.retry(
            session, "hooks", first.delivery_id, attempt=1, error="503", max_attempts=3, now=now
        )
    assert due == now + timedelta(seconds=10)
    assert claim(db, "hooks", now=now + timedelta(seconds=9)) == []
    later = now + timedelta(seconds=11)
    (second,) = claim(db, "hooks", now=later)
    assert second.attempt == 2
    with db.unit_of_work() as session:
        # The first worker's late retry must not push back the second worker's attempt.
        assert deliveries.retry(session, "hooks", first.delivery_id, attempt=1, error="x") is None
        due = deliveries.retry(
            session, "hooks", second.delivery_id, attempt=2, error="503", max_attempts=3, now=later
        )
    assert due == later + timedelta(seconds=20)
    last = later + timedelta(seconds=21)
    (third,) = claim(db, "hooks", now=last)
    with db.unit_of_work() as session:
        parked = deliveries.retry(
            session, "hooks", third.delivery_id, attempt=3, error="gone", max_attempts=3, now=last
        )
        assert parked is None
        (stuck,) = deliveries.parked(session, "hooks")
        assert (stuck.id, stuck.attempts, stuck.last_error) == (third.delivery_id, 3, "gone")
    assert claim(db, "hooks", now=last + timedelta(days=365)) == []


def test_two_workers_claim_disjoint_batches(db: Database) -> None:
    register(db, "hooks")
    ids = emit(db, 6)
    first = db.session(write=True)
    try:
        mine = deliveries.claim(first, "hooks", limit=3, lease=LEASE)
        if db.dialect == "sqlite":
            # One writer at a time: the second worker's claim starts after this one commits.
            first.commit()
        # On PostgreSQL the first claim is still open, its rows locked: SKIP LOCKED passes
        # them by instead of waiting for them.
        theirs = claim(db, "hooks", limit=3)
        first.commit()
    finally:
        first.close()
    got_first = {c.event.id for c in mine}
    got_second = {c.event.id for c in theirs}
    assert len(got_first) == len(got_second) == 3
    assert got_first.isdisjoint(got_second)
    assert got_first | got_second == set(ids)
    assert claim(db, "hooks") == []  # both leases hold


def test_purge_deletes_old_events_and_what_was_owed_for_them(db: Database, tmp_path: Path) -> None:
    register(db, "hooks")
    ids = emit(db, 3)
    with db.unit_of_work() as session:
        for event_id, days in zip(ids, (40, 31, 29), strict=True):
            session.execute(
                update(Event)
                .where(Event.id == event_id)
                .values(occurred_at=utcnow() - timedelta(days=days))
            )
    result = tacit("events", "purge", db_url=db.url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "deleted 2 event(s) older than 30 days" in result.stdout
    with db.session(write=False) as session:
        assert list(session.scalars(select(Event.id))) == ids[2:]
        assert list(session.scalars(select(EventDelivery.event_id))) == ids[2:]
    # Ids are never handed out again, even once the table is empty (readers remember them).
    with db.unit_of_work() as session:
        assert events.purge(session, before=utcnow() + timedelta(seconds=1)) == 1
    (newest,) = emit(db, 1)
    assert newest > ids[-1]
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).select_from(Event)) == 1
