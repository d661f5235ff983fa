"""Idempotent POSTs (the ``Idempotency-Key`` header, as in the IETF draft).

A key is claimed in its own short, committed transaction *before* the work (on the request's
one connection, before its unit of work begins), so that a retry arriving while the first
attempt runs finds the claim and gets 409 instead of doing the work twice. The claim is
completed in the same transaction as the work, so a stored response always describes committed
data. A claim abandoned by a crash is taken over after the lease expires.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import IdempotencyKey
from app.db.request import Transactions
from app.errors import Conflict, Invalid

RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict[str, Any]


def request_hash(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(
    db: Transactions, *, user_id: int, scope: str, key: str, payload: Any, lease: timedelta
) -> int | Replay:
    """Claim ``key`` (returns the claim's id) or return the response of the finished request."""
    digest = request_hash(payload)
    for _ in range(2):
        try:
            with db.unit_of_work() as session:
                return _claim(
                    session, user_id=user_id, scope=scope, key=key, digest=digest, lease=lease
                )
        except IntegrityError:
            # Another request inserted the same key between our read and our insert
            # (PostgreSQL); read again and answer from what it wrote.
            continue
    raise Conflict("a request with this Idempotency-Key is in progress; retry later")


def _claim(
    session: Session, *, user_id: int, scope: str, key: str, digest: str, lease: timedelta
) -> int | Replay:
    now = utcnow()
    session.execute(
        delete(IdempotencyKey).where(
            IdempotencyKey.user_id == user_id, IdempotencyKey.created_at < now - RETENTION
        )
    )
    row = session.scalar(
        select(IdempotencyKey)
        .where(
            IdempotencyKey.user_id == user_id,
            IdempotencyKey.scope == scope,
            IdempotencyKey.key == key,
        )
        .with_for_update()
    )
    if row is None:
        row = IdempotencyKey(user_id=user_id, scope=scope, key=key, request_hash=digest)
        session.add(row)
        session.flush()
        return row.id
    if row.request_hash != digest:
        raise Invalid(
            "this Idempotency-Key was used with a different request body; "
            "use a new key for a new request"
        )
    if row.completed_at is not None and row.response_status is not None:
        return Replay(row.response_status, row.response_body or {})
    if row.created_at > now - lease:
        raise Conflict("a request with this Idempotency-Key is in progress; retry later")
    row.created_at = now  # the first attempt died: this request takes the claim over
    return row.id


def complete(session: Session, claim_id: int, *, status: int, body: dict[str, Any]) -> None:
    """Store the response in the caller's unit of work, next to the work itself."""
    row = session.get(IdempotencyKey, claim_id)
    if row is None:  # pragma: no cover - the claim row is ours until we finish
        raise Conflict("idempotency claim vanished")
    row.response_status, row.response_body, row.completed_at = status, body, utcnow()


def release(db: Transactions, claim_id: int) -> None:
    """The work failed: free the key so a corrected retry can run."""
    with db.unit_of_work() as session:
        session.execute(
            delete(IdempotencyKey).where(
                IdempotencyKey.id == claim_id, IdempotencyKey.completed_at.is_(None)
            )
        )
