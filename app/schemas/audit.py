"""The audit trail as admins read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.schemas.common import Ref, Schema


class AuditEntryRead(Schema):
    source: Literal["event", "read"] = Field(
        description="`event`: an audited action; `read`: someone other than its author opened "
        "or was shown a note with personal context or a sensitive fact (action "
        "`note.read_personal`; `details.sensitive` names the note's sensitive categories)."
    )
    id: int = Field(description="Unique within its source.")
    at: datetime
    action: str = Field(examples=["note.erase", "user.role_change", "note.read_personal"])
    actor: Ref | None = Field(description="Who; null for the server's own shell.")
    target_type: str
    target_id: str | None
    details: dict[str, Any]
