"""Flags and the curators' queue (``app.domain.curation``) as schemas."""

from __future__ import annotations

from app.db.models import NoteFlag
from app.domain.curation import DuplicateCluster, FlaggedNote, StaleNote, UnfiledMessage
from app.domain.retention import DueNote
from app.schemas.common import Ref
from app.schemas.curation import (
    DepartedContact,
    DuplicatesItem,
    FlaggedItem,
    FlagRead,
    QueueItem,
    RetentionItem,
    StaleItem,
    UnfiledItem,
)
from app.schemas.notes import NoteRead


def flag_read(flag: NoteFlag, flagged_by: Ref | None = None) -> FlagRead:
    return FlagRead(
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


def stale_item(item: StaleNote) -> StaleItem:
    return StaleItem(note=NoteRead.model_validate(item.note), since=item.since, reason=item.reason)


def duplicates_item(item: DuplicateCluster) -> DuplicatesItem:
    return DuplicatesItem(
        root=NoteRead.model_validate(item.root) if item.root is not None else None,
        duplicates=[NoteRead.model_validate(n) for n in item.duplicates],
    )


def flagged_item(item: FlaggedNote) -> FlaggedItem:
    who = Ref.model_validate(item.flagged_by) if item.flagged_by is not None else None
    return FlaggedItem(flag=flag_read(item.flag, who), note=NoteRead.model_validate(item.note))


def unfiled_item(item: UnfiledMessage) -> UnfiledItem:
    message = item.message
    return UnfiledItem(
        id=message.id,
        sender=Ref.model_validate(item.sender),
        received_at=message.received_at,
        sent_at=message.sent_at,
        unresolved_reason=message.unresolved_reason,
        subject=message.subject if item.own else None,
        text=message.text if item.own else None,
    )


def retention_item(item: DueNote) -> RetentionItem:
    note = item.note
    return RetentionItem(
        note_id=note.id,
        account=Ref.model_validate(note.account),
        author=Ref.model_validate(note.author),
        visibility=note.visibility,
        observed_at=note.observed_at,
        due_since=item.due_since,
        deleted=note.deleted_at is not None,
        left=[
            DepartedContact(
                contact=Ref.model_validate(d.contact), left_at=d.left_at, note_id=d.note_id
            )
            for d in item.left
        ],
        note=NoteRead.model_validate(note) if item.readable else None,
    )


def queue_item(
    item: StaleNote | DuplicateCluster | FlaggedNote | UnfiledMessage | DueNote,
) -> QueueItem:
    if isinstance(item, DueNote):
        return retention_item(item)
    if isinstance(item, StaleNote):
        return stale_item(item)
    if isinstance(item, DuplicateCluster):
        return duplicates_item(item)
    if isinstance(item, FlaggedNote):
        return flagged_item(item)
    return unfiled_item(item)
