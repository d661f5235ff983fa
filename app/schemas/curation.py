"""Curation: reader flags, the curators' queue, and the actions that work through it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.db.models import NoteFlag
from app.domain.curation import DuplicateCluster, FlaggedNote, StaleNote, UnfiledMessage
from app.schemas.common import Id, Input, Page, Ref, Schema
from app.schemas.notes import NoteRead

MAX_MERGE = 100


class FlagCreate(Input):
    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ] = Field(description="What seems wrong or out of date.")


class FlagRead(Schema):
    id: int
    note_id: int
    kind: Literal["reader", "contradicted"]
    reason: str
    by_note_id: int | None = Field(description="The newer note that contradicts this one.")
    flagged_by: Ref | None = Field(description="The reader who flagged it.")
    created_at: datetime
    resolved_at: datetime | None
    resolved_by_id: int | None

    @classmethod
    def of(cls, flag: NoteFlag, flagged_by: Ref | None = None) -> FlagRead:
        return cls(
            id=flag.id,
            note_id=flag.note_id,
            kind=flag.kind,
            reason=flag.reason,
            by_note_id=flag.by_note_id,
            flagged_by=flagged_by,
            created_at=flag.created_at,
            resolved_at=flag.resolved_at,
            resolved_by_id=flag.resolved_by_id,
        )


class StaleItem(Schema):
    kind: Literal["stale"] = "stale"
    note: NoteRead
    since: datetime = Field(description="When the note went stale.")
    reason: str

    @classmethod
    def of(cls, item: StaleNote) -> StaleItem:
        return cls(note=NoteRead.model_validate(item.note), since=item.since, reason=item.reason)


class DuplicatesItem(Schema):
    kind: Literal["duplicates"] = "duplicates"
    root: NoteRead | None = Field(
        description="The note the others restate; null if it is not yours to read."
    )
    duplicates: list[NoteRead]

    @classmethod
    def of(cls, item: DuplicateCluster) -> DuplicatesItem:
        return cls(
            root=NoteRead.model_validate(item.root) if item.root is not None else None,
            duplicates=[NoteRead.model_validate(n) for n in item.duplicates],
        )


class FlaggedItem(Schema):
    kind: Literal["flagged"] = "flagged"
    flag: FlagRead
    note: NoteRead

    @classmethod
    def of(cls, item: FlaggedNote) -> FlaggedItem:
        who = Ref.model_validate(item.flagged_by) if item.flagged_by is not None else None
        return cls(flag=FlagRead.of(item.flag, who), note=NoteRead.model_validate(item.note))


class UnfiledItem(Schema):
    kind: Literal["unfiled"] = "unfiled"
    id: int = Field(description="The message's id in its sender's inbox (`/v1/inbound/{id}`).")
    sender: Ref
    received_at: datetime
    sent_at: datetime | None
    unresolved_reason: str | None
    subject: str | None = Field(description="Only on your own messages.")
    text: str | None = Field(description="Only on your own messages.")

    @classmethod
    def of(cls, item: UnfiledMessage) -> UnfiledItem:
        message = item.message
        return cls(
            id=message.id,
            sender=Ref.model_validate(item.sender),
            received_at=message.received_at,
            sent_at=message.sent_at,
            unresolved_reason=message.unresolved_reason,
            subject=message.subject if item.own else None,
            text=message.text if item.own else None,
        )


QueueItem = Annotated[
    StaleItem | DuplicatesItem | FlaggedItem | UnfiledItem, Field(discriminator="kind")
]


class CurationPage(Page[QueueItem]):
    """A page of one kind of curation work; each item says its `kind`."""


def queue_item(item: StaleNote | DuplicateCluster | FlaggedNote | UnfiledMessage) -> QueueItem:
    if isinstance(item, StaleNote):
        return StaleItem.of(item)
    if isinstance(item, DuplicateCluster):
        return DuplicatesItem.of(item)
    if isinstance(item, FlaggedNote):
        return FlaggedItem.of(item)
    return UnfiledItem.of(item)


class MergeRequest(Input):
    into: Id = Field(description="The note that stays.")
    notes: list[Id] = Field(
        min_length=1, max_length=MAX_MERGE, description="Notes it replaces; they stay, marked."
    )


class MergeRead(Schema):
    into: NoteRead
    merged: list[int]
    flags_resolved: int


class ReassignRequest(Input):
    account_id: Id
