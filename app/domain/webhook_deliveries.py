"""The event stream, sent to webhooks: queued per webhook, claimed, rendered for the owner, and
recorded as it went. ``app.worker.webhooks`` runs these steps in order; the HTTP request
itself happens between ``claim_due`` and ``record``, outside any transaction.

Why one stream consumer ("webhooks") fanning out to a row per webhook and event, rather than a
stream consumer per webhook:
- ``events.emit`` writes a delivery per consumer in the change's own transaction: a consumer
  per webhook would make every note (and an import of thousands) write a row per webhook,
  wanted or not. Here a change writes one, and the worker queues only what each webhook asked
  for and its owner may read.
- the log must outlive a success (status, response excerpt, when delivered), and the retries
  run for 24 hours from the first attempt, where the stream's deliveries are deleted when
  done and back off by attempt count alone.
- a new webhook is owed the events after the newest one when it was made
  (``Webhook.after_event_id``), never older ones still queued.
- each (webhook, event) is a row with its own lease and back-off: a slow or failing receiver
  holds only its own rows, and workers on PostgreSQL take disjoint rows (``SKIP LOCKED``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import insert, literal, select, update
from sqlalchemy.orm import Session

from app.db.base import UTCDateTime
from app.db.models import (
    Account,
    Contact,
    DeliveryStatus,
    HandoverSuccession,
    Note,
    NoteView,
    User,
    Webhook,
    WebhookDelivery,
    WebhookStatus,
)
from app.db.outbox import Event
from app.domain.access import SYSTEM, could_read_before_deletion, visible_notes
from app.domain.influence.records import contact_influence
from app.domain.webhooks import disable, message_body
from app.outbound.sender import Outcome
from app.outbound.signing import UnreadableSecret, unseal
from app.schemas.accounts import AccountRead, ContactRead
from app.schemas.influence import InfluenceRead
from app.schemas.notes import NoteRead
from app.schemas.webhooks import WebhookRead

RETRY_WINDOW = timedelta(hours=24)
FIRST_BACKOFF = timedelta(seconds=30)
LONGEST_BACKOFF = timedelta(hours=4)
LEASE = timedelta(minutes=2)  # longer than a round: every request in it times out well before
NOTE_CONTENT = frozenset({"note.created", "note.updated"})


# --- queueing --------------------------------------------------------------------------------


def queue(session: Session, batch: Sequence[Event]) -> int:
    """Queue each event for the active webhooks that asked for its type, whose owner is active
    and may see it now (it is checked again when sent), and that were made before it. Returns
    how many deliveries it queued; one already queued (a fan-out repeated after its lease ran
    out) is not queued twice."""
    if not batch:
        return 0
    hooks = session.execute(
        select(Webhook, User)
        .join(User, User.id == Webhook.user_id)
        .where(Webhook.status == WebhookStatus.active, User.is_active.is_(True))
    ).all()
    if not hooks:
        return 0
    done = {
        (webhook_id, event_id)
        for webhook_id, event_id in session.execute(
            select(WebhookDelivery.webhook_id, WebhookDelivery.event_id).where(
                WebhookDelivery.event_id.in_([e.id for e in batch])
            )
        )
    }
    rows = []
    for event in batch:
        for hook, owner in hooks:
            if event.type not in hook.events or event.id <= hook.after_event_id:
                continue
            if (hook.id, event.id) in done or not _concerns(session, owner, event):
                continue
            rows.append(
                WebhookDelivery(
                    webhook_id=hook.id,
                    event_id=event.id,
                    event_type=event.type,
                    status=DeliveryStatus.pending,
                    attempts=0,
                    next_attempt_at=event.occurred_at,
                )
            )
    session.add_all(rows)
    session.flush()
    return len(rows)


def _concerns(session: Session, owner: User, event: Event) -> bool:
    """Whether ``owner`` may be told of ``event`` now; ``render`` decides again when it is
    sent, with what it shows."""
    if event.type in NOTE_CONTENT:
        found = session.scalar(
            select(Note.id).where(Note.id == event.note_id, visible_notes(owner))
        )
        return found is not None
    if event.type == "note.deleted":
        note = session.get(Note, event.note_id)
        return note is not None and could_read_before_deletion(owner, note)
    if event.type == "webhook.disabled":
        return event.user_id == owner.id
    return True


# --- rendering -------------------------------------------------------------------------------


def render(session: Session, owner: User, event: Event) -> dict[str, Any] | None:
    """The event's ``data`` as ``owner`` may see it now; None: nothing to send them (a note
    they may not, or no longer may, read; a record gone since)."""
    match event.type:
        case "note.created" | "note.updated":
            note = session.scalar(
                select(Note).where(Note.id == event.note_id, visible_notes(owner))
            )
            return _dump(NoteRead, note)
        case "note.deleted":
            gone = session.get(Note, event.note_id)
            if gone is None or not could_read_before_deletion(owner, gone):
                return None
            return {"id": gone.id, "account_id": gone.account_id}
        case "note.erased":
            return {"id": event.note_id}  # the note is gone: its id is all there is to say
        case "contact.updated" | "contact.role_confirmed":
            return _dump(ContactRead, session.get(Contact, event.contact_id))
        case "contact.influence_changed":
            # The record as the owner's GET shows it: evidence and coverage from their notes.
            if event.contact_id is None or session.get(Contact, event.contact_id) is None:
                return None
            record = contact_influence(session, owner, event.contact_id)
            return InfluenceRead.model_validate(record).model_dump(mode="json")
        case "contact.erased":
            return {"id": event.contact_id}
        case "account.updated":
            return _dump(AccountRead, session.get(Account, event.account_id))
        case "account.handover":
            # Who takes the account over from whom: accounts and users are every user's to see.
            row = session.scalar(
                select(HandoverSuccession).where(
                    HandoverSuccession.user_id == event.user_id,
                    HandoverSuccession.account_id == event.account_id,
                )
            )
            if row is None:
                return None
            return {
                "account_id": row.account_id,
                "user_id": row.user_id,
                "successor_id": row.successor_id,
            }
        case "user.deactivated":
            return {"id": event.user_id}
        case "webhook.disabled" if event.user_id == owner.id:
            return _dump(WebhookRead, session.get(Webhook, event.webhook_id))
    return None


def _dump(schema: type[BaseModel], record: object | None) -> dict[str, Any] | None:
    """``record`` as the API shows it (the same schema as its GET), or None if it is gone."""
    return None if record is None else schema.model_validate(record).model_dump(mode="json")


# --- claiming --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """A claimed delivery, rendered and ready to send."""

    delivery_id: int
    attempt: int
    webhook_id: int
    url: str
    secret: str | None  # None: it cannot be signed, and ``unsendable`` says why
    unsendable: str | None
    message_id: str
    body: bytes
    owner_id: int
    note: tuple[int, int] | None  # (note id, author id) when the body holds a note's content


def claim_due(
    session: Session, *, limit: int, per_webhook: int, now: datetime, key: bytes
) -> list[Prepared]:
    """Lease up to ``limit`` due deliveries of active webhooks, at most ``per_webhook`` of
    one webhook (a slow receiver then holds few of a round's requests), and render each for
    its owner. A delivery with nothing to send its owner now is deleted: not sent, not a
    failure, not in the log. Commit soon after: on PostgreSQL the locks keep other workers
    off until then, the lease after."""
    due = (
        WebhookDelivery.status == DeliveryStatus.pending,
        WebhookDelivery.next_attempt_at <= now,
    )
    order = (WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    # Choose first, then lock only what was chosen: locking every candidate would keep other
    # workers off rows this one leaves for later.
    taken: dict[int, int] = defaultdict(int)
    chosen: list[int] = []
    for delivery_id, webhook_id in session.execute(
        select(WebhookDelivery.id, WebhookDelivery.webhook_id)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(*due, Webhook.status == WebhookStatus.active)
        .order_by(*order)
        .limit(limit * per_webhook)
    ):
        if len(chosen) < limit and taken[webhook_id] < per_webhook:
            taken[webhook_id] += 1
            chosen.append(delivery_id)
    # Still due: another worker may have leased one since; PostgreSQL skips one it holds.
    leased = session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.id.in_(chosen), *due)
        .order_by(*order)
        .with_for_update(skip_locked=True)
    ).all()
    prepared: list[Prepared] = []
    for delivery in leased:
        hook = session.get_one(Webhook, delivery.webhook_id)
        owner = session.get_one(User, hook.user_id)
        event = session.get_one(Event, delivery.event_id)
        data = render(session, owner, event) if owner.is_active else None
        if data is None:
            session.delete(delivery)
            continue
        delivery.attempts += 1
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.next_attempt_at = now + LEASE
        secret, unsendable = _secret(hook, key)
        prepared.append(
            Prepared(
                delivery_id=delivery.id,
                attempt=delivery.attempts,
                webhook_id=hook.id,
                url=hook.url,
                secret=secret,
                unsendable=unsendable,
                message_id=delivery.message_id,
                body=message_body(event.type, event.occurred_at, data),
                owner_id=owner.id,
                note=(data["id"], data["author"]["id"]) if event.type in NOTE_CONTENT else None,
            )
        )
    session.flush()
    return prepared


def _secret(hook: Webhook, key: bytes) -> tuple[str | None, str | None]:
    """The webhook's signing secret, or why it cannot be had (a failed attempt, not a crash:
    the owner sees the reason in the log)."""
    try:
        return unseal(hook.secret_sealed, key), None
    except UnreadableSecret as exc:
        return None, f"not sent: {exc}"


# --- recording -------------------------------------------------------------------------------


def record(
    session: Session,
    results: Sequence[tuple[Prepared, Outcome]],
    *,
    now: datetime,
    disable_after: int,
) -> None:
    """Write what came of each attempt: delivered; due again after a back-off (30 s,
    doubling, at most 4 hours, and a last try 24 hours after the first); or failed for good,
    which counts toward disabling the webhook. An attempt whose lease another worker took
    over is not recorded (that worker records its own)."""
    for prepared, outcome in results:
        delivery = session.scalar(
            select(WebhookDelivery)
            .where(WebhookDelivery.id == prepared.delivery_id)
            .with_for_update()
        )
        if delivery is None or delivery.attempts != prepared.attempt:
            continue
        delivery.last_attempt_at = now
        delivery.last_status_code = outcome.status_code
        delivery.last_error = outcome.error
        delivery.response_excerpt = outcome.excerpt
        if outcome.sent and prepared.note is not None:
            _record_sent(session, prepared.owner_id, *prepared.note, now=now)
        if outcome.delivered:
            delivery.status = DeliveryStatus.delivered
            delivery.delivered_at = now
            delivery.next_attempt_at = None
            session.execute(
                update(Webhook)
                .where(Webhook.id == delivery.webhook_id, Webhook.consecutive_failures != 0)
                .values(consecutive_failures=0)
            )
            continue
        assert delivery.first_attempt_at is not None  # set by the claim
        last_try = delivery.first_attempt_at + RETRY_WINDOW
        if now < last_try:
            delivery.next_attempt_at = min(now + backoff(delivery.attempts), last_try)
            continue
        delivery.status = DeliveryStatus.failed
        delivery.next_attempt_at = None
        _count_failure(session, delivery.webhook_id, disable_after=disable_after)
    session.flush()


def backoff(attempts: int) -> timedelta:
    """After attempt ``attempts``: 30 s, 1 min, 2 min, ... at most 4 hours."""
    doubled: timedelta = FIRST_BACKOFF * 2 ** min(attempts - 1, 20)
    return min(doubled, LONGEST_BACKOFF)


def _count_failure(session: Session, webhook_id: int, *, disable_after: int) -> None:
    hook = session.scalar(select(Webhook).where(Webhook.id == webhook_id).with_for_update())
    if hook is None:
        return
    hook.consecutive_failures += 1
    if hook.status == WebhookStatus.active and hook.consecutive_failures >= disable_after:
        disable(
            session,
            hook,
            actor=SYSTEM,
            reason=f"{hook.consecutive_failures} deliveries in a row failed for 24 hours each; "
            "fix the receiver, then enable the webhook again (PATCH status active)",
        )


def _record_sent(
    session: Session, owner_id: int, note_id: int, author_id: int, *, now: datetime
) -> None:
    """A note's content went to its reader's own system: a read, as a note opened is (the
    audit trail lists it for notes with personal context or sensitive facts). Not one of
    reuse's kinds ("sent"), and, as there, not for the reader's own notes. Written only if the
    note is still there (erased meanwhile: nothing to point at)."""
    if owner_id == author_id:
        return
    session.execute(
        insert(NoteView).from_select(
            ["note_id", "user_id", "kind", "source", "at"],
            select(
                Note.id,
                literal(owner_id),
                literal("sent"),
                literal("webhook"),
                literal(now, UTCDateTime()),
            ).where(Note.id == note_id),
        )
    )
