"""Handover briefs: the e-mail to the successor an admin named for a departing colleague's
account (``app.domain.successions``). A pass claims the due rows, renders each account's
brief for its successor through the access rule (what ``GET /v1/accounts/{id}/brief`` shows
them: only notes they may read), commits, sends outside any transaction, and records.

Run by the calendar worker's loop (``app.worker.calendar.calendar_thread``), with the same
mailer (``app.outbound.mail``); ``now`` stands for the clock, so a test drives time itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.domain import successions
from app.domain.brief import account_brief
from app.outbound import mail
from app.worker.brief_mail import Rendered, account_parts
from app.worker.brief_mail import message as email_message

log = logging.getLogger("tacit.handover")

PER_PASS = 20
SMTP_TIMEOUT = 30.0
LOCAL_URL = "http://localhost:8000"


@dataclass(frozen=True)
class Outgoing:
    succession_id: int
    attempt: int
    email: EmailMessage


def run_once(db: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """One pass; returns how many handover briefs it attempted. Without an e-mail server
    nothing is claimed: the briefs wait, and stay listed by ``GET /v1/me/handovers``."""
    if not settings.smtp_url:
        return 0
    at = now or utcnow()
    with db.session(write=False) as session:
        if not successions.anything_due(session, now=at):
            return 0
    server = mail.smtp_server(settings.smtp_url)
    base_url = (settings.public_url or LOCAL_URL).rstrip("/")
    with db.unit_of_work() as session:
        claimed = successions.claim_due(session, now=at, limit=PER_PASS)
        outgoing = []
        for item in claimed:
            brief = account_brief(
                session,
                item.successor,
                item.row.account_id,
                now=at,
                coverage_days=settings.coverage_days,
            )
            facts, suggestions = account_parts(brief, base_url, at)
            account = brief.account
            rendered = Rendered(
                subject=f"Handover: {account.name}, from {item.leaver.name}",
                intro=[
                    f"An admin named you to take {account.name} over from {item.leaver.name}.",
                    f"The account: {base_url}/accounts/{account.id}",
                    "Below: what colleagues' notes you may read say about it.",
                ],
                facts=facts,
                suggestions=suggestions,
            )
            message = email_message(
                rendered,
                sender=settings.smtp_from,
                recipient=item.email,
                delivery_id=item.row.id,
                kind="handover",
            )
            outgoing.append(Outgoing(item.row.id, item.attempt, message))
    for out in outgoing:
        error = None
        try:
            mail.send(server, out.email, timeout=SMTP_TIMEOUT)
        except mail.MailError as exc:
            error = str(exc)
            log.warning("handover brief %s: %s", out.succession_id, error)
        with db.unit_of_work() as session:
            successions.record(session, out.succession_id, out.attempt, error, now=at)
    return len(claimed)
