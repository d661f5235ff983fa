"""Rules shared by every kind of record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import Conflict

_LABELS = {"external_id": "external id", "email": "e-mail", "slack_user_id": "Slack user id"}


def ensure_unique(
    session: Session,
    column: InstrumentedAttribute[Any],
    value: object,
    *,
    own_id: int | None = None,
    what: str,
) -> None:
    """A clear 409 before the database's unique constraint would refuse the write."""
    if value is None:
        return
    model: Any = column.class_
    found = session.scalar(select(model.id).where(column == value))
    if found is not None and found != own_id:
        label = _LABELS.get(column.key, column.key)
        raise Conflict(f"{what} with {label} {value!r} already exists")
