"""Curation: reader flags, the curators' queue, and the actions that work through it."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from app.db.models import Visibility
from app.schemas.common import Id, Input, Page, Ref, Schema
from app.schemas.notes import NoteRead

MAX_MERGE = 100


class FlagCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "Meg left Harbor in May; this is out of date."}]}
    )

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


class StaleItem(Schema):
    kind: Literal["stale"] = "stale"
    note: NoteRead
    since: datetime = Field(description="When the note went stale.")
    reason: str


class DuplicatesItem(Schema):
    kind: Literal["duplicates"] = "duplicates"
    root: NoteRead | None = Field(
        description="The note the others restate; null if it is not yours to read."
    )
    duplicates: list[NoteRead]


class FlaggedItem(Schema):
    kind: Literal["flagged"] = "flagged"
    flag: FlagRead
    note: NoteRead


class UnfiledItem(Schema):
    kind: Literal["unfiled"] = "unfiled"
    id: int = Field(description="The message's id in its sender's inbox (`/v1/inbound/{id}`).")
    sender: Ref
    received_at: datetime
    sent_at: datetime | None
    unresolved_reason: str | None
    subject: str | None = Field(description="Only on your own messages.")
    text: str | None = Field(description="Only on your own messages.")


class DepartedContact(Schema):
    contact: Ref
    left_at: datetime | None = Field(
        description="When the first note saying they left was observed; null when only "
        'their title ("Former ...") says so.'
    )
    note_id: int | None = Field(description="That note.")


class RetentionItem(Schema):
    """Personal context about someone who left their post, older than the retention period
    (admins; every visibility)."""

    kind: Literal["retention"] = "retention"
    note_id: int
    account: Ref
    author: Ref
    visibility: Visibility
    observed_at: datetime
    due_since: datetime = Field(description="observed_at plus the retention period.")
    deleted: bool = Field(description="Deleted notes are still held, so reviewed too.")
    left: list[DepartedContact] = Field(description="The people it is about who left.")
    note: NoteRead | None = Field(
        description="The note, when you may read it; the subject-access dossier shows others."
    )


QueueItem = Annotated[
    StaleItem | DuplicatesItem | FlaggedItem | UnfiledItem | RetentionItem,
    Field(discriminator="kind"),
]


class CurationPage(Page[QueueItem]):
    """A page of one kind of curation work; each item says its `kind`."""


class MergeRequest(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"into": 42, "notes": [43, 44]}]})

    into: Id = Field(description="The note that stays.")
    notes: list[Id] = Field(
        min_length=1, max_length=MAX_MERGE, description="Notes it replaces; they stay, marked."
    )


class MergeRead(Schema):
    into: NoteRead
    merged: list[int]
    flags_resolved: int


class ReassignRequest(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"account_id": 7}]})

    account_id: Id


class KeepRequest(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason": "Still true: she asked us to remember it at the last renewal."}]
        }
    )

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)
    ] = Field(description="Why the note is still needed.")


class KeepRead(Schema):
    note_id: int
    kept_by: Ref
    kept_at: datetime
    review_after: datetime = Field(description="When it returns to the retention queue.")
    reason: str
