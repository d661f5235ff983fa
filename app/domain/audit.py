"""The audit trail: a row per sensitive action, written in the same transaction as the action."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from app.db.models import AuditEvent, User


def record(
    session: Session,
    actor: User | None,
    action: str,
    *,
    target_type: str,
    target_id: int | str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            details=details,
        )
    )
