"""The audit trail: a row per sensitive action, written in the same transaction as the action,
and the reads of notes that carry personal context (``note_views`` of notes filed under the
``personal`` section) or state a sensitive fact (``sensitivity``), listed together for admins
and purged after the retention period.

Both kinds of read are one action, ``note.read_personal``: a sensitive fact is personal context
of the most guarded kind, and a data-protection officer asking "who read about this person?"
wants one list. Each such entry names the note's sensitive categories (``sensitive``, empty for
personal context alone), so the officer can still tell them apart."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, Text, and_, cast, delete, func, or_, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.models import AuditEvent, Note, NoteView, User
from app.db.request import SideWrites
from app.domain.access import SYSTEM, Principal, principal_id
from app.domain.pagination import Page, decode_cursor, encode_cursor
from app.domain.sensitivity import is_sensitive
from app.errors import Invalid

READ_PERSONAL = "note.read_personal"
PERSONAL = "personal"

Source = Literal["event", "read"]


def record(
    session: Session,
    actor: Principal,
    action: str,
    *,
    target_type: str,
    target_id: int | str | None = None,
    **details: Any,
) -> None:
    session.add(
        AuditEvent(
            actor_id=principal_id(actor),
            action=action,
            target_type=target_type,
            target_id=None if target_id is None else str(target_id),
            details=details,
        )
    )


def record_later(
    writes: SideWrites,
    actor: Principal,
    action: str,
    *,
    target_type: str,
    target_id: int | str | None = None,
    **details: Any,
) -> None:
    """``record`` for a read request: written after the read, on its connection."""
    writes.defer(
        lambda session: record(
            session, actor, action, target_type=target_type, target_id=target_id, **details
        )
    )


@dataclass(frozen=True)
class TrailEntry:
    """An audit event, or a read of a note with personal context, in one shape."""

    source: Source
    id: int
    at: datetime
    action: str
    actor_id: int | None
    target_type: str
    target_id: str | None
    details: dict[str, Any] = field(default_factory=dict)
    actor: User | None = None

    @property
    def key(self) -> tuple[datetime, str, int]:
        return (self.at, self.source, self.id)


@dataclass(frozen=True, kw_only=True)
class TrailFilters:
    since: datetime | None = None
    until: datetime | None = None
    action: str | None = None
    actor_id: int | None = None


def has_personal_context() -> ColumnElement[bool]:
    """``Note.sections`` contains "personal", in SQL on both dialects: the author's topics if
    set, else the classified ones (JSON lists of section names, compared as text)."""
    corrected = func.coalesce(cast(Note.topics, Text), "")
    classified = func.coalesce(cast(Note.classified_topics, Text), "")
    quoted = f'%"{PERSONAL}"%'
    return or_(corrected.like(quoted), and_(corrected.not_like('%"%'), classified.like(quoted)))


def list_trail(
    session: Session, filters: TrailFilters, *, limit: int, cursor: str | None
) -> Page[TrailEntry]:
    """Audit events and reads of personal context or sensitive facts, newest first."""
    if filters.since and filters.until and filters.since >= filters.until:
        raise Invalid("since must be before until")
    after = _decode(cursor) if cursor else None
    wanted: list[TrailEntry] = []
    if filters.action != READ_PERSONAL:
        wanted += _events(session, filters, after, limit + 1)
    if filters.action in (None, READ_PERSONAL):
        wanted += _personal_reads(session, filters, after, limit + 1)
    entries = heapq.nlargest(limit + 1, wanted, key=lambda e: e.key)
    actors = _users(session, {e.actor_id for e in entries if e.actor_id is not None})
    entries = [replace(e, actor=actors.get(e.actor_id or 0)) for e in entries]
    if len(entries) <= limit:
        return Page(entries, None)
    return Page(entries[:limit], encode_cursor(list(entries[limit - 1].key)))


def _decode(cursor: str) -> list[Any]:
    at, source, id_ = values = decode_cursor(cursor, 3)
    if not (isinstance(at, datetime) and source in ("event", "read") and type(id_) is int):
        raise Invalid("cursor is not one this server issued; start again without it")
    return values


def _before(
    source: Source,
    at: InstrumentedAttribute[datetime],
    id_: InstrumentedAttribute[int],
    after: list[Any] | None,
) -> ColumnElement[bool] | None:
    """Rows of ``source`` that sort after the cursor in (at, source, id) descending order."""
    if after is None:
        return None
    at_value: datetime = after[0]
    source_value: str = after[1]
    id_value: int = after[2]
    if source < source_value:
        return at <= at_value
    if source > source_value:
        return at < at_value
    return or_(at < at_value, and_(at == at_value, id_ < id_value))


def _events(
    session: Session, filters: TrailFilters, after: list[Any] | None, limit: int
) -> list[TrailEntry]:
    stmt = select(AuditEvent)
    if filters.action is not None:
        stmt = stmt.where(AuditEvent.action == filters.action)
    if filters.actor_id is not None:
        stmt = stmt.where(AuditEvent.actor_id == filters.actor_id)
    stmt = _period(stmt, AuditEvent.at, filters)
    if (beyond := _before("event", AuditEvent.at, AuditEvent.id, after)) is not None:
        stmt = stmt.where(beyond)
    rows = session.scalars(stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    return [
        TrailEntry(
            "event",
            e.id,
            e.at,
            e.action,
            e.actor_id,
            e.target_type,
            e.target_id,
            dict(e.details or {}),
        )
        for e in rows
    ]


def _personal_reads(
    session: Session, filters: TrailFilters, after: list[Any] | None, limit: int
) -> list[TrailEntry]:
    stmt = (
        select(NoteView, Note.account_id, Note.sensitive)
        .join(Note, Note.id == NoteView.note_id)
        .where(or_(has_personal_context(), is_sensitive()))
    )
    if filters.actor_id is not None:
        stmt = stmt.where(NoteView.user_id == filters.actor_id)
    stmt = _period(stmt, NoteView.at, filters)
    if (beyond := _before("read", NoteView.at, NoteView.id, after)) is not None:
        stmt = stmt.where(beyond)
    rows = session.execute(stmt.order_by(NoteView.at.desc(), NoteView.id.desc()).limit(limit))
    return [
        TrailEntry(
            "read",
            view.id,
            view.at,
            READ_PERSONAL,
            view.user_id,
            "note",
            str(view.note_id),
            {
                "kind": view.kind,
                "via": view.source,
                "account_id": account_id,
                "sensitive": sensitive or [],
            },
        )
        for view, account_id, sensitive in rows
    ]


def _period(stmt: Any, at: InstrumentedAttribute[datetime], filters: TrailFilters) -> Any:
    if filters.since is not None:
        stmt = stmt.where(at >= filters.since)
    if filters.until is not None:
        stmt = stmt.where(at < filters.until)
    return stmt


def _users(session: Session, ids: set[int]) -> dict[int, User]:
    if not ids:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(ids)))}


@dataclass(frozen=True)
class Purged:
    events: int
    views: int


def purge(session: Session, *, before: datetime) -> Purged:
    """Delete audit events and note views older than ``before`` (the retention period), and
    record that it was done."""
    events = session.execute(
        delete(AuditEvent)
        .where(AuditEvent.at < before)
        .execution_options(synchronize_session=False)
    )
    views = session.execute(
        delete(NoteView).where(NoteView.at < before).execution_options(synchronize_session=False)
    )
    purged = Purged(int(events.rowcount), int(views.rowcount))  # type: ignore[attr-defined]
    record(
        session,
        SYSTEM,
        "audit.purge",
        target_type="audit",
        before=before.isoformat(),
        events=purged.events,
        views=purged.views,
    )
    session.flush()
    return purged
