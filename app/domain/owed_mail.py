"""The e-mails owed as rows: a successor's handover brief (``successions``), a leaver's request
to share (``handover_requests``) and a weekly digest (``digest``). Each is claimed with a lease
and recorded like a brief delivery (``brief_deliveries``), so a crash delays one and never loses
or repeats it; what differs between them is only what they say and to whom."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import DigestDelivery, HandoverRequest, HandoverSuccession
from app.domain.brief_deliveries import backoff

LEASE = timedelta(minutes=2)
MAX_ATTEMPTS = 10
MAX_ERROR_CHARS = 2000

Owed = TypeVar("Owed", HandoverSuccession, HandoverRequest, DigestDelivery)


def due(session: Session, model: type[Owed], *, now: datetime, limit: int) -> Sequence[Owed]:
    """Up to ``limit`` rows due now, locked against other workers (skipped, not waited on)."""
    return session.scalars(
        select(model)
        .where(model.status == "pending", model.next_attempt_at <= now)
        .order_by(model.next_attempt_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()


def lease(row: Owed, *, now: datetime) -> int:
    """This attempt's number; the row is due again when the lease runs out unless recorded."""
    row.attempts += 1
    row.next_attempt_at = now + LEASE
    return row.attempts


def give_up(row: Owed, reason: str) -> None:
    row.status, row.next_attempt_at, row.last_error = "failed", None, reason


def record(
    session: Session,
    model: type[Owed],
    row_id: int,
    attempt: int,
    error: str | None,
    *,
    now: datetime,
) -> None:
    """Sent, or due again after a back-off (given up after ``MAX_ATTEMPTS``). An attempt
    whose lease another worker took over is not recorded."""
    row = session.get(model, row_id, with_for_update=True)
    if row is None or row.attempts != attempt or row.status != "pending":
        return
    if error is None:
        row.status, row.sent_at, row.next_attempt_at, row.last_error = "sent", now, None, None
    elif row.attempts >= MAX_ATTEMPTS:
        give_up(row, error[:MAX_ERROR_CHARS])
    else:
        row.next_attempt_at, row.last_error = now + backoff(row.attempts), error[:MAX_ERROR_CHARS]
    session.flush()
