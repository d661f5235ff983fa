"""E-mail capture: the note a message became, the unresolved inbox, filing an item."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field, model_validator

from app.db.models import Visibility
from app.schemas.common import Id, Input, Schema
from app.schemas.notes import AccountRef, NoteSaved


class AttachmentRead(Schema):
    filename: str
    content_type: str
    size: int = Field(description="Bytes, decoded. Attachments are listed, never stored.")


class ParticipantRead(Schema):
    name: str
    email: str


class CapturedNote(NoteSaved):
    """The note, as `GET /v1/notes/{id}` shows it, its warnings, and where it came from."""

    message_id: str
    inbound_id: int = Field(description="The captured message's id in the inbox's records.")
    attachments: list[AttachmentRead]


class InboundRead(Schema):
    """A captured message. Unresolved (`resolved_at` null) until it is filed as a note; the
    text then lives in the note only."""

    id: int
    message_id: str
    subject: str
    text: str | None
    participants: list[ParticipantRead]
    attachments: list[AttachmentRead]
    unresolved_reason: str | None
    sent_at: datetime | None
    received_at: datetime
    note_id: int | None
    resolved_at: datetime | None


class InboundReplayed(Schema):
    """A message delivered before, answered to someone other than its sender: that it was
    captured already, and nothing about what it became."""

    message_id: str
    replayed: bool = True


class InboundFile(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"account": "harbor.example", "visibility": "team"}]}
    )

    account_id: Id | None = None
    account: AccountRef = None
    visibility: Visibility | None = Field(
        default=None,
        description="As for `POST /v1/notes`: team, or private when the text states a "
        "sensitive fact, unless given.",
    )

    @model_validator(mode="after")
    def _one_account(self) -> InboundFile:
        if (self.account_id is None) == (self.account is None):
            raise ValueError("give exactly one of account_id and account")
        return self
