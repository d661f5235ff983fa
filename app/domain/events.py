"""One stream out: every change worth telling the world about becomes an ``events`` row, added
in the change's own unit of work (never committed here), so that a change and its event are
written together or not at all. Consumers (``app.worker.deliveries``) read the stream later,
with leases and retries, and fetch what they show through the access rule of their own
principal: an event carries ids only, never a note's words or a person's details.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.db.models import Note
from app.db.outbox import Event, EventConsumer, EventDelivery, EventType
from app.domain.access import Principal, principal_id

EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)
SUBJECT_IDS = frozenset({"note_id", "account_id", "contact_id", "user_id", "webhook_id"})
_CONSUMERS = "outbox.consumers"  # session.info key: consumer names, cached per transaction


def emit(
    session: Session,
    type: EventType,
    *,
    actor: Principal,
    note: Note | None = None,
    **subject_ids: int | None,
) -> Event:
    """Add an event (and a delivery for each registered consumer) to the session.

    ``actor``: a user, or the system (a command-line import), recorded as no one.
    ``subject_ids`` are among ``note_id``, ``account_id``, ``contact_id``, ``user_id`` and
    ``webhook_id``;
    ``note`` names a note added in this unit of work that has no id yet (the flush fills
    ``note_id`` in)."""
    unknown = set(subject_ids) - SUBJECT_IDS
    if unknown or type not in EVENT_TYPES:
        raise ValueError(f"not an event this stream carries: {type} {sorted(unknown)}")
    event = Event(
        type=type,
        subject_type=type.split(".", 1)[0],
        actor_id=principal_id(actor),
        **subject_ids,
    )
    if note is not None:
        event.note = note
    session.add(event)
    for name in _consumers(session):
        session.add(EventDelivery(consumer=name, event=event, attempts=0))
    return event


def _consumers(session: Session) -> list[str]:
    """The registered consumers, read once per transaction: an import emits thousands of
    events, and a consumer registered meanwhile is picked up by the next transaction."""
    transaction = session.get_transaction()
    cached = session.info.get(_CONSUMERS)
    if cached is not None and cached[0] is transaction:
        names: list[str] = cached[1]
        return names
    names = list(session.scalars(select(EventConsumer.name).order_by(EventConsumer.name)))
    session.info[_CONSUMERS] = (transaction, names)
    return names


def forget_consumer_cache(session: Session) -> None:
    session.info.pop(_CONSUMERS, None)


def list_events(session: Session, *, after_id: int = 0, limit: int = 100) -> list[Event]:
    """Events in the order they were written (on SQLite also the order they were committed)."""
    stmt = select(Event).where(Event.id > after_id).order_by(Event.id).limit(limit)
    return list(session.scalars(stmt))


def purge(session: Session, *, before: datetime) -> int:
    """Delete events that occurred before ``before`` (the retention period), with the
    deliveries still owed for them: a consumer that has not caught up in that long gets an
    incomplete stream rather than an ever-growing table. Returns how many events went."""
    old = select(Event.id).where(Event.occurred_at < before)
    session.execute(
        delete(EventDelivery)
        .where(EventDelivery.event_id.in_(old))
        .execution_options(synchronize_session=False)
    )
    result: Any = session.execute(
        delete(Event).where(Event.occurred_at < before).execution_options(synchronize_session=False)
    )
    session.flush()
    return int(result.rowcount)
