"""Webhooks: a URL of a user's that is sent the events they chose, each rendered for them when
it is sent (``webhook_deliveries``). A user manages their own; an admin sees, disables, tests and
deletes anyone's, but re-aims nobody's (``access.can_see_webhook``, ``ensure_can_aim_webhook``).

The signing secret is made here, shown once, and kept sealed (``app.outbound.signing``). A new
webhook is owed the events after the newest one when it was made, never older ones.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.config import Settings
from app.db.base import utcnow
from app.db.models import User, Webhook, WebhookDelivery, WebhookStatus
from app.db.outbox import Event, EventConsumer
from app.db.request import Transactions
from app.domain import audit, events
from app.domain.access import Principal, can_see_webhook, ensure_admin, ensure_can_aim_webhook
from app.domain.pagination import Page, paginate
from app.errors import Conflict, Invalid, NotFound
from app.outbound.addresses import Refused, Resolver, parse_url, system_resolver, vetted_address
from app.outbound.sender import Outcome, Policy, post_signed
from app.outbound.signing import UnreadableSecret, new_secret, seal, unseal
from app.schemas.webhooks import (
    MAX_WEBHOOKS_PER_USER,
    WebhookCreate,
    WebhookMessage,
    WebhookUpdate,
)

# The one reader of the event stream for every webhook: it fans each event out to the webhooks
# that want it (``app.worker.webhooks``).
CONSUMER = "webhooks"


def policy_of(settings: Settings, resolve: Resolver = system_resolver) -> Policy:
    """Where webhooks may send and how long they wait, as the settings say."""
    return Policy(
        allow_private=settings.webhook_allow_private,
        timeout=settings.webhook_timeout_seconds,
        resolve=resolve,
    )


def check_url(url: str, policy: Policy) -> None:
    """Refuse (422) a URL that is not https, or whose host is private or does not resolve.
    Called before the unit of work begins: a DNS lookup must not hold SQLite's write lock."""
    try:
        vetted_address(
            parse_url(url, allow_private=policy.allow_private),
            allow_private=policy.allow_private,
            resolve=policy.resolve,
        )
    except Refused as exc:
        raise Invalid(f"url: {exc}") from None


def create_webhook(
    session: Session, owner: User, data: WebhookCreate, *, policy: Policy, key: bytes
) -> tuple[Webhook, str]:
    """A webhook of ``owner``'s (always the caller: see ``access.ensure_can_aim_webhook``),
    and its secret, which is not shown again."""
    check_url(data.url, policy)
    owned = session.scalar(select(func.count()).where(Webhook.user_id == owner.id)) or 0
    if owned >= MAX_WEBHOOKS_PER_USER:
        raise Conflict(f"you have {owned} webhooks, the most one user may have; delete one")
    secret = new_secret()
    newest = session.scalar(select(func.coalesce(func.max(Event.id), 0))) or 0
    webhook = Webhook(
        user_id=owner.id,
        url=data.url,
        events=list(data.events),
        secret_sealed=seal(secret, key),
        after_event_id=newest,
    )
    session.add(webhook)
    session.flush()
    _read_the_stream(session)
    audit.record(
        session,
        owner,
        "webhook.create",
        target_type="webhook",
        target_id=webhook.id,
        url=webhook.url,
        events=webhook.events,
    )
    return webhook, secret


def _read_the_stream(session: Session) -> None:
    """Register the webhooks' consumer with the first webhook, in its unit of work, so that
    every event from then on is queued for it (``app.worker.deliveries.register`` does the same
    for a worker; the domain cannot call up to it). Two first webhooks made at once on
    PostgreSQL both try: the savepoint lets the second find it made."""
    if session.get(EventConsumer, CONSUMER) is None:
        try:
            with session.begin_nested():
                session.add(EventConsumer(name=CONSUMER))
        except IntegrityError:
            pass
    events.forget_consumer_cache(session)


def list_webhooks(session: Session, viewer: User, *, user_id: int | None = None) -> list[Webhook]:
    """``viewer``'s webhooks, or (admins) those of ``user_id``."""
    owner_id = viewer.id if user_id is None else user_id
    if owner_id != viewer.id:
        ensure_admin(viewer)
    return list(
        session.scalars(select(Webhook).where(Webhook.user_id == owner_id).order_by(Webhook.id))
    )


def get_webhook(session: Session, viewer: User, webhook_id: int) -> Webhook:
    """The webhook, if it is ``viewer``'s or they are an admin; else 404, as for none."""
    webhook = session.get(Webhook, webhook_id)
    if webhook is None or not can_see_webhook(viewer, webhook.user_id):
        raise NotFound(f"no webhook with id {webhook_id}")
    return webhook


def update_webhook(
    session: Session, actor: User, webhook_id: int, data: WebhookUpdate, *, policy: Policy
) -> Webhook:
    changes = data.model_dump(exclude_unset=True)
    if "url" in changes:
        check_url(changes["url"], policy)  # before the unit of work begins, as on create
    webhook = get_webhook(session, actor, webhook_id)
    if "url" in changes or "events" in changes:
        ensure_can_aim_webhook(actor, webhook.user_id)
        webhook.url = changes.get("url", webhook.url)
        webhook.events = list(changes.get("events", webhook.events))
        audit.record(
            session,
            actor,
            "webhook.update",
            target_type="webhook",
            target_id=webhook.id,
            url=webhook.url,
            events=webhook.events,
        )
    status = changes.get("status")
    if status == WebhookStatus.disabled and webhook.status == WebhookStatus.active:
        who = "its owner" if actor.id == webhook.user_id else f"an admin ({actor.name})"
        disable(session, webhook, actor=actor, reason=f"disabled by {who}")
    elif status == WebhookStatus.active and webhook.status == WebhookStatus.disabled:
        webhook.status = WebhookStatus.active
        webhook.disabled_reason = webhook.disabled_at = None
        webhook.consecutive_failures = 0
        audit.record(session, actor, "webhook.enable", target_type="webhook", target_id=webhook.id)
    session.flush()
    return webhook


def disable(session: Session, webhook: Webhook, *, actor: Principal, reason: str) -> None:
    """Stop sending to ``webhook``, and tell its owner: ``GET /v1/webhooks`` shows the reason,
    the audit trail the act, and a ``webhook.disabled`` event goes out (to the owner's other
    webhooks that asked for it, and to any other reader of the stream). What was queued for it
    waits, and is sent if it is enabled again."""
    webhook.status = WebhookStatus.disabled
    webhook.disabled_reason = reason
    webhook.disabled_at = utcnow()
    audit.record(
        session,
        actor,
        "webhook.disable",
        target_type="webhook",
        target_id=webhook.id,
        owner_id=webhook.user_id,
        reason=reason,
    )
    events.emit(
        session, "webhook.disabled", actor=actor, user_id=webhook.user_id, webhook_id=webhook.id
    )


def delete_webhook(session: Session, actor: User, webhook_id: int) -> None:
    webhook = get_webhook(session, actor, webhook_id)
    audit.record(
        session,
        actor,
        "webhook.delete",
        target_type="webhook",
        target_id=webhook.id,
        owner_id=webhook.user_id,
        url=webhook.url,
    )
    session.delete(webhook)  # its deliveries go with it (ON DELETE CASCADE)
    session.flush()


def list_deliveries(
    session: Session, viewer: User, webhook_id: int, *, limit: int, cursor: str | None
) -> Page[WebhookDelivery]:
    """The delivery log, newest first. A delivery shows from its first attempt on: one still
    waiting for its first has not been rendered for the owner yet, and may turn out to be about
    a note they may no longer read, which then is never sent, nor listed."""
    webhook = get_webhook(session, viewer, webhook_id)
    stmt = select(WebhookDelivery).where(
        WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.attempts > 0
    )
    return paginate(session, stmt, order=[(WebhookDelivery.id, True)], limit=limit, cursor=cursor)


@dataclass(frozen=True)
class TestSent:
    message_id: str
    outcome: Outcome


def send_test(
    conn: Transactions, viewer: User, webhook_id: int, *, policy: Policy, key: bytes
) -> TestSent:
    """Send a ``webhook.test`` message now, whatever the webhook's status and events (a
    disabled one too, to check a repaired receiver before enabling it again). The request
    goes out after the read's transaction has ended, and changes nothing: neither the log nor
    the failure count."""
    with conn.unit_of_work(write=False) as session:
        webhook = get_webhook(session, viewer, webhook_id)
        try:
            secret = unseal(webhook.secret_sealed, key)
        except UnreadableSecret as exc:
            raise Conflict(str(exc)) from None
        url = webhook.url
    now = utcnow()
    message_id = f"msg_test_{secrets.token_hex(12)}"
    body = message_body("webhook.test", now, {"webhook_id": webhook_id})
    outcome = post_signed(
        url, secret=secret, message_id=message_id, body=body, at=now, policy=policy
    )
    return TestSent(message_id, outcome)


def message_body(type: str, at: datetime, data: dict[str, Any]) -> bytes:
    """A message as the spec shapes it: ``{"type", "timestamp", "data"}``, compact JSON."""
    return WebhookMessage(type=type, timestamp=at, data=data).model_dump_json().encode()
