"""The calendar worker: reads calendar feeds and sends briefs before external meetings. A pass:

1. claim the feeds due for a read (a lease); commit; read each, outside any transaction
   (conditional GET); store what it says, or its error, one feed per unit of work;
2. queue the brief of every external occurrence whose lead time has come (one row per
   version: ``brief_deliveries.queue_due``);
3. claim the due deliveries and render each for its recipient, through the access rule, as
   ``POST /v1/briefs/meeting`` would for them; commit;
4. send by e-mail and by Slack direct message, outside any transaction; record; commit.

``now`` stands for the clock in every decision of a pass, so a test drives time itself.
A failing feed or message is that feed's or delivery's error and never stops the pass.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from sqlalchemy.orm import Session

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.domain import brief_deliveries, calendar_sync, meeting
from app.domain.brief_deliveries import Claimed, Outcome
from app.domain.calendar_sync import DueFeed
from app.errors import AppError
from app.mail.feed import read_feed
from app.mail.ics import InvitationError
from app.outbound import feeds, mail
from app.outbound.addresses import Resolver, system_resolver
from app.services import Services
from app.worker import brief_mail, digest_mail, handover_mail
from app.worker.loop import LoopThread

log = logging.getLogger("tacit.calendar")

FEEDS_PER_PASS = 20
DELIVERIES_PER_PASS = 20
SMTP_TIMEOUT = 30.0
LOCAL_URL = "http://localhost:8000"

# A Slack direct message: (Slack user id, text); raises when Slack did not take it.
SlackSender = Callable[[str, str], None]


def run_once(
    db: Database,
    settings: Settings,
    *,
    now: datetime | None = None,
    slack: SlackSender | None = None,
    resolve: Resolver = system_resolver,
) -> int:
    """One pass; returns how many feeds it read plus briefs (before meetings, handover briefs
    of ``app.worker.handover_mail``, weekly digests of ``app.worker.digest_mail``) it queued
    and attempted."""
    at = now or utcnow()
    lead = timedelta(minutes=settings.brief_lead_minutes)
    handed = handover_mail.run_once(db, settings, now=at) + digest_mail.run_once(
        db, settings, now=at
    )
    with db.session(write=False) as session:
        if not brief_deliveries.anything_due(session, now=at, lead=lead):
            return handed
    done = handed + poll_feeds(db, settings, now=at, resolve=resolve)
    with db.unit_of_work() as session:
        done += brief_deliveries.queue_due(session, now=at, lead=lead)
    return done + deliver_due(db, settings, now=at, slack=slack)


def poll_feeds(db: Database, settings: Settings, *, now: datetime, resolve: Resolver) -> int:
    with db.unit_of_work() as session:
        due = calendar_sync.claim_feeds(
            session, now=now, limit=FEEDS_PER_PASS, key=settings.calendar_secret_key
        )
    for feed in due:
        _poll(db, settings, feed, now=now, resolve=resolve)
    return len(due)


def _poll(
    db: Database, settings: Settings, due: DueFeed, *, now: datetime, resolve: Resolver
) -> None:
    poll = timedelta(seconds=settings.calendar_poll_seconds)
    try:
        if due.url is None:
            raise feeds.FeedError(due.unreadable or "the feed's address cannot be read")
        fetched = feeds.fetch(
            due.url,
            etag=due.etag,
            last_modified=due.last_modified,
            timeout=settings.calendar_timeout_seconds,
            max_bytes=settings.calendar_max_bytes,
            allow_private=settings.calendar_allow_private,
            resolve=resolve,
        )
        if fetched.body is None:
            with db.unit_of_work() as session:
                calendar_sync.record_unchanged(session, due, now=now, poll=poll)
            return
        occurrences = read_feed(fetched.body, start=now, end=now + calendar_sync.HORIZON)
        with db.unit_of_work() as session:
            calendar_sync.store_read(
                session,
                due,
                occurrences,
                etag=fetched.etag,
                last_modified=fetched.last_modified,
                now=now,
                poll=poll,
            )
    except (feeds.FeedError, InvitationError) as exc:
        _failed(db, due, str(exc), now=now, poll=poll)
    except Exception as exc:  # a bug with one feed must not stop the others
        log.exception("calendar feed %s: reading failed", due.feed_id)
        _failed(db, due, f"internal error ({type(exc).__name__})", now=now, poll=poll)


def _failed(db: Database, due: DueFeed, error: str, *, now: datetime, poll: timedelta) -> None:
    with db.unit_of_work() as session:
        calendar_sync.record_failure(session, due, error, now=now, poll=poll)


@dataclass(frozen=True)
class Outgoing:
    delivery_id: int
    attempt: int
    email: EmailMessage | None  # None: not (or no longer) to be e-mailed
    slack: tuple[str, str] | None
    emailed: bool  # on an earlier attempt
    slacked: bool


def deliver_due(
    db: Database, settings: Settings, *, now: datetime, slack: SlackSender | None
) -> int:
    server = mail.smtp_server(settings.smtp_url) if settings.smtp_url else None
    with db.unit_of_work() as session:
        claimed = brief_deliveries.claim_due(session, now=now, limit=DELIVERIES_PER_PASS)
        outgoing = []
        for item in claimed:
            prepared = _prepare(
                session, settings, item, now=now, email=server is not None, slack=slack is not None
            )
            if prepared is not None:
                outgoing.append(prepared)
    outcomes = [_send(o, server=server, slack=slack) for o in outgoing]
    if outcomes:
        with db.unit_of_work() as session:
            brief_deliveries.record(session, outcomes, now=now)
    return len(claimed)


def _prepare(
    session: Session, settings: Settings, item: Claimed, *, now: datetime, email: bool, slack: bool
) -> Outgoing | None:
    delivery, recipient = item.delivery, item.recipient
    emailed, slacked = delivery.emailed_at is not None, delivery.slacked_at is not None
    to_email = email and recipient.email is not None and not emailed
    to_slack = slack and recipient.slack_user_id is not None and not slacked
    if not (to_email or to_slack or emailed or slacked):
        brief_deliveries.give_up(
            session,
            delivery.id,
            "no way to reach you: no e-mail server (TACIT_SMTP_URL) and no linked Slack account",
        )
        return None
    people = [_attendee_text(a) for a in item.occurrence.attendees]
    try:
        # The recipient's own brief: only the notes they may read, by the API's rule.
        result = meeting.meeting_brief(
            session, recipient, attendees=people, invitation=None, now=now
        )
    except AppError as exc:
        brief_deliveries.give_up(session, delivery.id, f"no brief: {exc}")
        return None
    rendered = brief_mail.render(
        result,
        item.occurrence,
        update=delivery.kind == "update",
        base_url=(settings.public_url or LOCAL_URL).rstrip("/"),
        now=now,
    )
    message = None
    if to_email and recipient.email:
        message = brief_mail.message(
            rendered, sender=settings.smtp_from, recipient=recipient.email, delivery_id=delivery.id
        )
    dm = (
        (recipient.slack_user_id, rendered.text()) if to_slack and recipient.slack_user_id else None
    )
    return Outgoing(delivery.id, item.attempt, message, dm, emailed, slacked)


def _attendee_text(person: dict[str, str | None]) -> str:
    """An attendee as ``parse_attendees`` reads it back: the name quoted, so that a comma or
    a semicolon in it does not split one person in two."""
    name = (person.get("name") or "").replace('"', "'")
    email = person.get("email")
    if email:
        return f'"{name}" <{email}>' if name else email
    return f'"{name}"'


def _send(item: Outgoing, *, server: mail.SmtpServer | None, slack: SlackSender | None) -> Outcome:
    errors: list[str] = []
    emailed, slacked = item.emailed, item.slacked
    if item.email is not None and server is not None:
        try:
            mail.send(server, item.email, timeout=SMTP_TIMEOUT)
            emailed = True
        except mail.MailError as exc:
            errors.append(str(exc))
    if item.slack is not None and slack is not None:
        try:
            slack(*item.slack)
            slacked = True
        except Exception as exc:  # whatever Slack's client raised: retried, not fatal
            errors.append(f"Slack: {type(exc).__name__}: {exc}")
    return Outcome(item.delivery_id, item.attempt, emailed, slacked, errors)


def calendar_thread(
    services: Services, *, slack: SlackSender | None = None, poll_seconds: float = 30.0
) -> LoopThread:
    """A calendar worker inside the API process (``tacit serve``), on its services."""
    db, settings = services.database, services.settings
    return LoopThread(
        "tacit-calendar",
        lambda: run_once(db, settings, slack=slack),
        poll_seconds=poll_seconds,
    )
