"""The audit trail (``app.domain.audit``) as schemas."""

from __future__ import annotations

from app.domain.audit import TrailEntry
from app.schemas.audit import AuditEntryRead
from app.schemas.common import Ref


def audit_entry(entry: TrailEntry) -> AuditEntryRead:
    return AuditEntryRead(
        source=entry.source,
        id=entry.id,
        at=entry.at,
        action=entry.action,
        actor=Ref.model_validate(entry.actor) if entry.actor is not None else None,
        target_type=entry.target_type,
        target_id=entry.target_id,
        details=entry.details,
    )
