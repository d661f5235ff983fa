"""Weekly digests (``app.domain.digest``): a pass queues this week's rows, claims the due
ones, builds each digest as its user (only notes they may read), commits, sends outside any
transaction through ``app.outbound.mail``, and records. A step of the calendar worker's pass
(``app.worker.calendar``); ``now`` stands for the clock, so a test drives time itself."""

from __future__ import annotations

import logging
from datetime import datetime

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.domain import digest
from app.outbound import mail
from app.worker.brief_mail import Part, Rendered, note_line
from app.worker.brief_mail import message as email_message

log = logging.getLogger("tacit.digest")

PER_PASS = 20
SMTP_TIMEOUT = 30.0
LOCAL_URL = "http://localhost:8000"


def render(result: digest.Digest, *, base_url: str, now: datetime) -> Rendered:
    week = f"{result.since:%d %b} to {result.until:%d %b %Y}"
    facts = []
    for item in result.news:
        lines: list[tuple[str, str | None]] = [note_line(n, base_url, now) for n in item.notes]
        if item.more:
            lines.append((f"and {item.more} more", f"{base_url}/accounts/{item.account.id}"))
        facts.append(Part(f"New on {item.account.name}", lines))
    if result.stale:
        facts.append(
            Part(
                "Due for review (stale: check they still hold, then Verify)",
                [note_line(n, base_url, now, stale=True) for n in result.stale],
            )
        )
    intro = [
        f"What colleagues wrote from {week} on the accounts you write about or meet, and the "
        "facts on them due for review. Only notes you may read.",
        f'Turn it off: {base_url}/settings, or PUT /v1/me/briefs {{"weekly_digest": false}}.',
    ]
    return Rendered(f"Your Tacit week: {week}", intro, facts, [])


def run_once(db: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """One pass; returns how many digests it queued and attempted. Without an e-mail server
    nothing is queued: digests are e-mail only."""
    if not settings.smtp_url:
        return 0
    at = now or utcnow()
    week = digest.current_week(at, weekday=settings.digest_weekday, hour=settings.digest_hour)
    with db.session(write=False) as session:
        if not digest.anything_due(session, now=at, week=week):
            return 0
    server = mail.smtp_server(settings.smtp_url)
    base_url = (settings.public_url or LOCAL_URL).rstrip("/")
    with db.unit_of_work() as session:
        queued = digest.queue_due(session, now=at, week=week)
    with db.unit_of_work() as session:
        claimed = digest.claim_due(session, now=at, limit=PER_PASS)
        outgoing, empty = [], []
        for item in claimed:
            built = digest.build(session, item.user, week=item.delivery.week)
            if built.empty:
                empty.append((item.delivery.id, item.attempt))
                continue
            message = email_message(
                render(built, base_url=base_url, now=at),
                sender=settings.smtp_from,
                recipient=item.email,
                delivery_id=item.delivery.id,
                kind="digest",
            )
            outgoing.append((item.delivery.id, item.attempt, message))
        for delivery_id, attempt in empty:  # nothing to tell: done, without an e-mail
            digest.record(session, delivery_id, attempt, None, now=at)
    for delivery_id, attempt, message in outgoing:
        error = None
        try:
            mail.send(server, message, timeout=SMTP_TIMEOUT)
        except mail.MailError as exc:
            error = str(exc)
            log.warning("digest %s: %s", delivery_id, error)
        with db.unit_of_work() as session:
            digest.record(session, delivery_id, attempt, error, now=at)
    return queued + len(claimed)
