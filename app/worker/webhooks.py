"""The webhook worker. A round:

1. fan out: claim what the stream queued for the "webhooks" consumer, queue a delivery per
   webhook that wants each event (``webhook_deliveries.queue``), acknowledge; one transaction;
2. claim the deliveries that are due, each rendered for its webhook's owner; commit;
3. send them, several at once, outside any transaction (each with a short timeout, so a slow
   receiver holds up a round by one timeout at most, and holds only a few of its requests);
4. record what came of each; commit.

Several workers may run at once (threads in ``tacit serve``, processes of ``tacit webhooks
worker``): both claims are leases, taken with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL and in a
``BEGIN IMMEDIATE`` transaction on SQLite. A worker that dies leaves its leases to run out, and
the deliveries are sent again: at least once, each time with the same ``webhook-id``.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from functools import partial

import httpx
from sqlalchemy import exists, select

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import DeliveryStatus, EventDelivery, Webhook, WebhookDelivery, WebhookStatus
from app.domain import webhook_deliveries
from app.domain.webhooks import CONSUMER, policy_of
from app.outbound.addresses import Resolver, system_resolver
from app.outbound.sender import Outcome, Policy, new_client, post_signed
from app.services import Services
from app.telemetry.metrics import WEBHOOK_DELIVERIES
from app.worker import deliveries
from app.worker.loop import LoopThread

log = logging.getLogger("tacit.webhooks")

EVENTS_PER_ROUND = 200
DELIVERIES_PER_ROUND = 32
PER_WEBHOOK = 4
SENDERS = 8
FAN_OUT_LEASE = timedelta(seconds=60)


def run_once(
    db: Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    resolve: Resolver = system_resolver,
) -> int:
    """One round; returns how many events it fanned out plus deliveries it attempted (0: there
    was nothing to do). ``now`` (tests) stands for the clock in every decision of the round;
    signatures always carry the real time, which receivers check."""
    at = now or utcnow()
    if not _anything_due(db, at):
        return 0
    fanned = fan_out(db, now=at)
    return fanned + deliver_due(db, settings, now=now, policy=policy_of(settings, resolve))


def _anything_due(db: Database, now: datetime) -> bool:
    """A read first: an idle worker then polls without taking SQLite's write lock (a disabled
    webhook's queued deliveries wait without keeping it busy)."""
    with db.session(write=False) as session:
        return bool(
            session.scalar(
                select(
                    exists().where(
                        EventDelivery.consumer == CONSUMER, EventDelivery.available_at <= now
                    )
                    | exists().where(
                        WebhookDelivery.status == DeliveryStatus.pending,
                        WebhookDelivery.next_attempt_at <= now,
                        Webhook.id == WebhookDelivery.webhook_id,
                        Webhook.status == WebhookStatus.active,
                    )
                )
            )
        )


def fan_out(db: Database, *, now: datetime) -> int:
    with db.unit_of_work() as session:
        claimed = deliveries.claim(
            session, CONSUMER, limit=EVENTS_PER_ROUND, lease=FAN_OUT_LEASE, now=now
        )
        webhook_deliveries.queue(session, [c.event for c in claimed])
        deliveries.ack(session, CONSUMER, [c.delivery_id for c in claimed])
    return len(claimed)


def deliver_due(db: Database, settings: Settings, *, now: datetime | None, policy: Policy) -> int:
    with db.unit_of_work() as session:
        batch = webhook_deliveries.claim_due(
            session,
            limit=DELIVERIES_PER_ROUND,
            per_webhook=PER_WEBHOOK,
            now=now or utcnow(),
            key=settings.webhook_secret_key,
        )
    if not batch:
        return 0
    with (
        new_client(policy) as client,
        ThreadPoolExecutor(max_workers=min(SENDERS, len(batch))) as pool,
    ):
        outcomes = list(pool.map(partial(_send, policy=policy, client=client), batch))
    for outcome in outcomes:
        WEBHOOK_DELIVERIES.labels(
            "delivered" if outcome.delivered else "refused" if outcome.status_code else "no_answer"
        ).inc()
    with db.unit_of_work() as session:
        webhook_deliveries.record(
            session,
            list(zip(batch, outcomes, strict=True)),
            now=now or utcnow(),
            disable_after=settings.webhook_disable_after,
        )
    return len(batch)


def _send(
    prepared: webhook_deliveries.Prepared, *, policy: Policy, client: httpx.Client
) -> Outcome:
    if prepared.secret is None:
        return Outcome(None, None, prepared.unsendable, sent=False)
    try:
        return post_signed(
            prepared.url,
            secret=prepared.secret,
            message_id=prepared.message_id,
            body=prepared.body,
            at=utcnow(),
            policy=policy,
            client=client,
        )
    except Exception as exc:  # a bug here must not lose the round's other outcomes
        log.exception("sending webhook delivery %s failed", prepared.delivery_id)
        return Outcome(None, None, f"not sent: internal error ({type(exc).__name__})", sent=False)


def webhook_thread(services: Services, *, poll_seconds: float = 1.0) -> LoopThread:
    """A webhook worker inside the API process (``tacit serve``), on its services."""
    db, settings = services.database, services.settings
    return LoopThread("tacit-webhooks", lambda: run_once(db, settings), poll_seconds=poll_seconds)
