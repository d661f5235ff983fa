"""Keeping the base clean: the curation queue managers work through, and merging duplicates.

The queue has five kinds of work, each oldest first:

- ``stale``: notes past their shelf life, or contradicted by a newer note, with why;
- ``duplicates``: notes that restate an earlier one (``Note.credit == "duplicate"``), grouped
  by the note they restate;
- ``flagged``: readers' open review flags;
- ``unfiled``: e-mail the curator's team captured whose account was not recognised;
- ``retention``: personal context about people who left their post, past the retention period
  (admins only, every visibility: ``app.domain.retention``).

A curator gets no extra read access (``app.domain.access``): every list is built inside SQL from
the notes the curator may read, so a note they may not read is never listed, counted or named,
not even as the note a visible duplicate restates. Unfiled messages sit in their senders'
private inboxes: a curator sees who has something to file, when and why, but only their own
messages' subject and text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, exists, false, func, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session, aliased

from app.db.base import UTCDateTime, utcnow
from app.db.models import InboundMessage, Note, NoteFlag, User
from app.domain import audit, flags, freshness, retention
from app.domain.access import ensure_can_merge, get_note, visible_notes
from app.domain.pagination import Page, after_cursor, cut_page, paginate_rows
from app.errors import Invalid

QueueKind = Literal["stale", "duplicates", "flagged", "unfiled", "retention"]
DUPLICATE = "duplicate"
CONTRADICTED = "contradicted"


@dataclass(frozen=True)
class StaleNote:
    note: Note
    since: datetime  # when it went stale
    reason: str


@dataclass(frozen=True)
class DuplicateCluster:
    root: Note | None  # the note the others restate, if the curator may read it
    duplicates: list[Note]


@dataclass(frozen=True)
class FlaggedNote:
    flag: NoteFlag
    note: Note
    flagged_by: User | None


@dataclass(frozen=True)
class UnfiledMessage:
    message: InboundMessage
    sender: User
    own: bool  # the curator's own message: its subject and text may be shown


QueueItem = StaleNote | DuplicateCluster | FlaggedNote | UnfiledMessage


def curation_queue(
    session: Session,
    curator: User,
    kind: QueueKind,
    *,
    limit: int,
    cursor: str | None,
    retention_days: int | None = None,
) -> Page[Any]:
    """One kind of the curator's work, oldest first, a page at a time. ``retention_days`` is
    the retention period of personal context (None: off, and that kind is refused)."""
    if kind == "retention":
        return retention.retention_queue(
            session, curator, days=retention_days, limit=limit, cursor=cursor
        )
    lists: dict[str, Callable[..., Page[Any]]] = {
        "stale": stale_notes,
        "duplicates": duplicate_clusters,
        "flagged": flagged_notes,
        "unfiled": unfiled_messages,
    }
    return lists[kind](session, curator, limit=limit, cursor=cursor)


def stale_notes(
    session: Session, curator: User, *, limit: int, cursor: str | None
) -> Page[StaleNote]:
    """Live, unsuperseded notes past their shelf life or with an open contradiction flag,
    ordered by when they went stale."""
    now = utcnow()
    contradicted = (
        select(func.min(NoteFlag.created_at))
        .where(
            NoteFlag.note_id == Note.id,
            NoteFlag.kind == CONTRADICTED,
            NoteFlag.resolved_at.is_(None),
        )
        .correlate(Note)
        .scalar_subquery()
    )
    since = type_coerce(func.coalesce(Note.stale_after, contradicted), UTCDateTime()).label("since")
    stmt = select(Note, since).where(
        visible_notes(curator),
        Note.superseded_by_id.is_(None),
        or_(Note.stale_after <= now, contradicted.is_not(None)),
    )
    page = paginate_rows(
        session,
        stmt,
        order=[(since, False), (Note.id, False)],
        limit=limit,
        cursor=cursor,
        key=lambda row: [row.since, row.Note.id],
    )
    open_flags: dict[int, list[NoteFlag]] = defaultdict(list)
    for flag in session.scalars(
        select(NoteFlag)
        .where(
            NoteFlag.note_id.in_([row.Note.id for row in page.items]),
            NoteFlag.resolved_at.is_(None),
        )
        .order_by(NoteFlag.created_at, NoteFlag.id)
    ):
        open_flags[flag.note_id].append(flag)
    return Page(
        [
            StaleNote(row.Note, row.since, _stale_reason(row.Note, open_flags[row.Note.id]))
            for row in page.items
        ],
        page.next_cursor,
    )


def _stale_reason(note: Note, open_flags: list[NoteFlag]) -> str:
    for flag in open_flags:
        if flag.kind == CONTRADICTED:
            return flag.reason
    if open_flags:
        return f"a reader flagged it: {open_flags[0].reason}"
    seen = freshness.last_known(note)
    return f"not verified since {seen:%Y-%m-%d}; its shelf life ended {note.stale_after:%Y-%m-%d}"


def duplicate_clusters(
    session: Session, curator: User, *, limit: int, cursor: str | None
) -> Page[DuplicateCluster]:
    """Groups of at least two readable, unsuperseded notes: a note and the notes that restate
    it, ordered by their earliest note. A root the curator may not read is left out, and so is
    any group that would then hold fewer than two notes."""
    restated = aliased(Note)
    readable = and_(visible_notes(curator), Note.superseded_by_id.is_(None))
    members = union_all(
        select(Note.id.label("note_id"), Note.duplicate_of_id.label("root_id")).where(
            readable, Note.credit == DUPLICATE, Note.duplicate_of_id.is_not(None)
        ),
        select(Note.id.label("note_id"), Note.id.label("root_id")).where(
            readable,
            exists().where(restated.duplicate_of_id == Note.id, restated.credit == DUPLICATE),
        ),
    ).subquery()
    first = func.min(members.c.note_id)
    order: Sequence[tuple[Any, bool]] = [(first, False)]
    stmt = (
        select(members.c.root_id, first.label("first"))
        .group_by(members.c.root_id)
        .having(func.count() >= 2)
    )
    if cursor:
        stmt = stmt.having(after_cursor(order, cursor))
    groups = list(session.execute(stmt.order_by(first).limit(limit + 1)))
    page = cut_page(groups, limit, lambda row: [row.first])
    roots = [row.root_id for row in page.items]
    notes = session.scalars(
        select(Note)
        .where(
            readable,
            or_(
                Note.id.in_(roots),
                and_(Note.credit == DUPLICATE, Note.duplicate_of_id.in_(roots)),
            ),
        )
        .order_by(Note.id)
    ).unique()
    root_notes: dict[int, Note] = {}
    restating: dict[int | None, list[Note]] = defaultdict(list)
    root_ids = set(roots)
    for note in notes:
        if note.id in root_ids:
            root_notes[note.id] = note
        if note.credit == DUPLICATE and note.duplicate_of_id in root_ids:
            restating[note.duplicate_of_id].append(note)
    return Page(
        [DuplicateCluster(root_notes.get(root), restating[root]) for root in roots],
        page.next_cursor,
    )


def flagged_notes(
    session: Session, curator: User, *, limit: int, cursor: str | None
) -> Page[FlaggedNote]:
    """Open reader flags on notes the curator may read, oldest first."""
    flagger = aliased(User)
    stmt = (
        select(NoteFlag, Note, flagger)
        .join(Note, Note.id == NoteFlag.note_id)
        .outerjoin(flagger, flagger.id == NoteFlag.by_user_id)
        .where(
            NoteFlag.kind == flags.READER, NoteFlag.resolved_at.is_(None), visible_notes(curator)
        )
    )
    page = paginate_rows(
        session,
        stmt,
        order=[(NoteFlag.created_at, False), (NoteFlag.id, False)],
        limit=limit,
        cursor=cursor,
        key=lambda row: [row.NoteFlag.created_at, row.NoteFlag.id],
    )
    return Page([FlaggedNote(flag, note, who) for flag, note, who in page.items], page.next_cursor)


def unfiled_messages(
    session: Session, curator: User, *, limit: int, cursor: str | None
) -> Page[UnfiledMessage]:
    """Unresolved captured e-mail of the curator and their team's members, oldest first."""
    team = User.team_id == curator.team_id if curator.team_id is not None else false()
    stmt = (
        select(InboundMessage, User)
        .join(User, User.id == InboundMessage.user_id)
        .where(InboundMessage.resolved_at.is_(None), or_(team, User.id == curator.id))
    )
    page = paginate_rows(
        session,
        stmt,
        order=[(InboundMessage.received_at, False), (InboundMessage.id, False)],
        limit=limit,
        cursor=cursor,
        key=lambda row: [row.InboundMessage.received_at, row.InboundMessage.id],
    )
    return Page(
        [UnfiledMessage(m, sender, own=sender.id == curator.id) for m, sender in page.items],
        page.next_cursor,
    )


@dataclass(frozen=True)
class Merge:
    into: Note
    merged: list[int]
    flags_resolved: int


def merge_notes(session: Session, curator: User, *, into_id: int, note_ids: list[int]) -> Merge:
    """Mark each note as superseded by ``into`` (same account, and ``into`` at least as
    widely readable: ``freshness.supersede``), and close their open flags. All or nothing."""
    into = get_note(session, curator, into_id)
    ids = list(dict.fromkeys(note_ids))
    ensure_can_merge(curator, into, [get_note(session, curator, i) for i in ids])
    if into.superseded_by_id is not None:
        raise Invalid(f"note {into.id} is itself superseded; merge into the note that replaced it")
    for old_id in ids:
        freshness.supersede(session, curator, old_id=old_id, new=into)
    closed = flags.resolve_open_flags(session, curator, ids)
    audit.record(
        session,
        curator,
        "note.merge",
        target_type="note",
        target_id=into.id,
        merged=ids,
        flags_resolved=closed,
    )
    return Merge(into, ids, closed)
