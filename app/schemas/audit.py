"""The audit trail as admins read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.schemas.common import Ref, Schema


class AuditEntryRead(Schema):
    source: Literal["event", "read"] = Field(
        description="`event`: an audited action; `read`: a note with personal context was "
        "opened or shown (action `note.read_personal`)."
    )
    id: int = Field(description="Unique within its source.")
    at: datetime
    action: str = Field(examples=["note.erase", "user.role_change", "note.read_personal"])
    actor: Ref | None = Field(description="Who; null for the server's own shell.")
    target_type: str
    target_id: str | None
    details: dict[str, Any]
