"""Handover e-mails: the one asking someone, before they leave, to share their private notes
(``app.domain.handover_requests``), and the handover brief to the successor an admin named
for a departing colleague's account (``app.domain.successions``). A pass claims the due rows,
renders each (a successor's account brief through the access rule, as
``GET /v1/accounts/{id}/brief`` shows it to them: only notes they may read), commits, sends
outside any transaction, and records.

Run by the calendar worker's loop (``app.worker.calendar``), with the same mailer
(``app.outbound.mail``); ``now`` stands for the clock, so a test drives time itself."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database
from app.domain import handover, handover_requests, successions
from app.domain.brief import account_brief
from app.outbound import mail
from app.worker.brief_mail import Part, Rendered, account_parts
from app.worker.brief_mail import message as email_message

log = logging.getLogger("tacit.handover")
DEPARTURE = {
    "keep": "your private notes stay private, and nobody can read them",
    "team": "your private notes become readable by your team",
}

PER_PASS = 20
SMTP_TIMEOUT = 30.0
LOCAL_URL = "http://localhost:8000"


@dataclass(frozen=True)
class Outgoing:
    succession_id: int
    attempt: int
    email: EmailMessage


def run_once(db: Database, settings: Settings, *, now: datetime | None = None) -> int:
    """One pass; returns how many handover e-mails it attempted. Without an e-mail server
    nothing is claimed: they wait (the briefs stay listed by ``GET /v1/me/handovers``, the
    request shows as the web page's banner)."""
    if not settings.smtp_url:
        return 0
    at = now or utcnow()
    with db.session(write=False) as session:
        briefs = successions.anything_due(session, now=at)
        asks = handover_requests.anything_due(session, now=at)
    server = mail.smtp_server(settings.smtp_url)
    base_url = (settings.public_url or LOCAL_URL).rstrip("/")
    done = _ask(db, settings, server, base_url, now=at) if asks else 0
    if briefs:
        done += _brief_successors(db, settings, server, base_url, now=at)
    return done


def _brief_successors(
    db: Database, settings: Settings, server: mail.SmtpServer, base_url: str, *, now: datetime
) -> int:
    at = now
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
        error = _send(server, out.email, what=f"handover brief {out.succession_id}")
        with db.unit_of_work() as session:
            successions.record(session, out.succession_id, out.attempt, error, now=at)
    return len(claimed)


def _ask(
    db: Database, settings: Settings, server: mail.SmtpServer, base_url: str, *, now: datetime
) -> int:
    """The e-mail asking someone, before they leave, to share their private notes."""
    with db.unit_of_work() as session:
        claimed = handover_requests.claim_due(session, now=now, limit=PER_PASS)
        outgoing = []
        for item in claimed:
            private = handover.private_notes_by_account(session, item.user)
            lines: list[tuple[str, str | None]] = [
                (f"{account.name}: {count} private note(s)", f"{base_url}/accounts/{account.id}")
                for account, count in private
            ]
            rule = DEPARTURE[settings.private_notes_on_departure]
            rendered = Rendered(
                subject="Before you leave: share what colleagues will need",
                intro=[
                    "An admin asked you to review your private notes before you leave Tacit. "
                    f"When you leave, {rule}.",
                    f"Share them, one account at a time: {base_url}/handover",
                ],
                facts=[Part("Your private notes", lines or [("none left", None)])],
                suggestions=[],
            )
            message = email_message(
                rendered,
                sender=settings.smtp_from,
                recipient=item.email,
                delivery_id=item.row.id,
                kind="handover-request",
            )
            outgoing.append((item.row.id, item.attempt, message))
    for request_id, attempt, message in outgoing:
        error = _send(server, message, what=f"handover request {request_id}")
        with db.unit_of_work() as session:
            handover_requests.record(session, request_id, attempt, error, now=now)
    return len(claimed)


def _send(server: mail.SmtpServer, message: EmailMessage, *, what: str) -> str | None:
    """None when the server took it; otherwise why not, for the row's back-off."""
    try:
        mail.send(server, message, timeout=SMTP_TIMEOUT)
    except mail.MailError as exc:
        log.warning("%s: %s", what, exc)
        return str(exc)
    return None
