"""Daily rollups of reuse, so that figures over years read days instead of every event.

``reuse_daily`` holds, per UTC day and author, the impressions, opens and helpful marks of
their notes; ``helpers_daily`` who opened or marked them. Both hold the days before
``reuse_rollup.rolled_until`` and are kept exact by triggers (migrations
``2026_12_05_7d3e5a1c9b20`` and ``2026_12_06_b5d2a8e4c1f3``) whatever writes the events. A
figure over a period reads the whole rolled-up days from them and the rest (the period's first
and last hours, the days since the last roll-up) from the events themselves.

A note's reuse counts when it is credited or not judged yet (duplicates and trivial notes do
not earn reuse), and no event is a reader's own note: ``app.domain.reuse`` does not record
them, and the help figures leave them out.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, insert, literal, or_, select, union_all
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import (
    HelpersDaily,
    HelpfulMark,
    Note,
    NoteView,
    ReuseDaily,
    ReuseRollup,
    SearchImpression,
)
from app.errors import Invalid

DEFAULT_PERIOD = timedelta(days=90)
# A day is rolled up once it has been over this long (see roll_up).
ROLL_UP_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Period:
    since: datetime
    until: datetime

    @classmethod
    def of(cls, since: datetime | None, until: datetime | None) -> Period:
        until = until or utcnow()
        since = since or until - DEFAULT_PERIOD
        if since >= until:
            raise Invalid("since must be before until")
        return cls(since, until)

    def holds(self, column: Any) -> Any:
        return and_(column >= self.since, column < self.until)


def reused(author_ids: list[int] | None) -> ColumnElement[bool]:
    """The notes whose reuse counts (``author_ids``: of these authors only). Everyone's figures
    need no author filter (on SQLite, one makes the planner walk every note of every author)."""
    counted = or_(Note.credit.is_(None), Note.credit == "credited")
    return counted if author_ids is None else and_(counted, Note.author_id.in_(author_ids))


def _split(session: Session, period: Period) -> tuple[tuple[date, date] | None, list[Period]]:
    """The period's whole rolled-up days (first, last exclusive), and the rest of it."""
    first = _next_midnight(period.since)
    last = min(_midnight(period.until), _midnight(rolled_until(session)))
    if first >= last:
        return None, [period]
    edges = [Period(period.since, first), Period(last, period.until)]
    return (first.date(), last.date()), [e for e in edges if e.since < e.until]


def reuse(
    session: Session, period: Period, author_ids: list[int] | None
) -> list[tuple[int, int, int, int]]:
    """(author, impressions, opens, helpful marks) by others in the period."""
    days, edges = _split(session, period)
    totals: Counter[tuple[int, int]] = Counter()  # (author, figure) -> count

    def add(rows: Iterable[Sequence[Any]]) -> None:
        for author_id, *counts in rows:
            for figure, count in enumerate(counts):
                totals[author_id, figure] += int(count or 0)

    if days is not None:
        daily = select(
            ReuseDaily.author_id,
            func.sum(ReuseDaily.impressions),
            func.sum(ReuseDaily.opens),
            func.sum(ReuseDaily.helpful),
        ).where(ReuseDaily.day >= days[0], ReuseDaily.day < days[1])
        if author_ids is not None:
            daily = daily.where(ReuseDaily.author_id.in_(author_ids))
        add(session.execute(daily.group_by(ReuseDaily.author_id)))
    for edge in edges:
        add(reuse_from_events(session, edge, author_ids))
    authors = sorted({author_id for author_id, _ in totals})
    return [(a, totals[a, 0], totals[a, 1], totals[a, 2]) for a in authors]


def reuse_from_events(
    session: Session, period: Period, author_ids: list[int] | None
) -> list[tuple[int, int, int, int]]:
    """``reuse`` counted from the events: each event table is counted per note, then joined
    to notes by primary key."""
    shown = union_all(
        select(SearchImpression.note_id, literal(1).label("i"), literal(0).label("o"),
               literal(0).label("h")).where(period.holds(SearchImpression.at)),
        select(NoteView.note_id, case((NoteView.kind == "shown", 1), else_=0),
               case((NoteView.kind == "opened", 1), else_=0), literal(0))
        .where(period.holds(NoteView.at)),
        select(HelpfulMark.note_id, literal(0), literal(0), literal(1))
        .where(period.holds(HelpfulMark.at)),
    ).subquery()  # fmt: skip
    per_note = (
        select(
            shown.c.note_id,
            func.sum(shown.c.i).label("i"),
            func.sum(shown.c.o).label("o"),
            func.sum(shown.c.h).label("h"),
        )
        .group_by(shown.c.note_id)
        .subquery()
    )
    stmt = (
        select(
            Note.author_id, func.sum(per_note.c.i), func.sum(per_note.c.o), func.sum(per_note.c.h)
        )
        .select_from(per_note)
        .join(Note, Note.id == per_note.c.note_id)
        .where(reused(author_ids))
        .group_by(Note.author_id)
    )
    return [(a, int(i or 0), int(o or 0), int(h or 0)) for a, i, o, h in session.execute(stmt)]


def colleagues_helped(
    session: Session, period: Period, author_ids: list[int] | None
) -> dict[int, int]:
    """Per author, the distinct colleagues who opened or marked helpful one of their notes in
    the period. Distinct over the whole period, so the pairs are gathered, not the counts
    added: each rolled-up (author, colleague) pair once, in key order, then the edges'."""
    days, edges = _split(session, period)
    pairs: set[tuple[int, int]] = set()
    if days is not None:
        daily = (
            select(HelpersDaily.author_id, HelpersDaily.user_id)
            .where(HelpersDaily.day >= days[0], HelpersDaily.day < days[1], HelpersDaily.events > 0)
            .distinct()
        )
        if author_ids is not None:
            daily = daily.where(HelpersDaily.author_id.in_(author_ids))
        pairs.update((a, u) for a, u in session.execute(daily))
    for edge in edges:
        pairs.update(helpers_from_events(session, edge, author_ids))
    counts: defaultdict[int, int] = defaultdict(int)
    for author_id, _ in pairs:
        counts[author_id] += 1
    return dict(counts)


def _helped(period: Period) -> Any:
    """(note_id, user_id, at) of every open and helpful mark in the period."""
    return union_all(
        select(NoteView.note_id, NoteView.user_id, NoteView.at).where(
            NoteView.kind == "opened", period.holds(NoteView.at)
        ),
        select(HelpfulMark.note_id, HelpfulMark.user_id, HelpfulMark.at).where(
            period.holds(HelpfulMark.at)
        ),
    ).subquery()


def helpers_from_events(
    session: Session, period: Period, author_ids: list[int] | None
) -> set[tuple[int, int]]:
    """The (author, colleague) pairs of ``colleagues_helped`` read from the events."""
    helped = _helped(period)
    stmt = (
        select(Note.author_id, helped.c.user_id)
        .select_from(helped)
        .join(Note, Note.id == helped.c.note_id)
        .where(reused(author_ids), helped.c.user_id != Note.author_id)
        .distinct()
    )
    return {(a, u) for a, u in session.execute(stmt)}


def roll_up(session: Session, now: datetime | None = None) -> None:
    """Move the watermark to the last day that ended over ``ROLL_UP_AFTER`` ago, adding the
    days in between from their events. Events written for days already rolled up are counted
    by the triggers, so a day is rolled up once no request still writing can hold an event of
    it: one lasts seconds (``TACIT_QUEUE_SECONDS`` and a statement)."""
    until = _roll_up_target(now or utcnow())
    state = session.scalars(select(ReuseRollup).with_for_update()).one()
    if state.rolled_until >= until:
        return
    period = Period(_midnight(state.rolled_until), _midnight(until))
    for table, rows in ((ReuseDaily, reuse_by_day), (HelpersDaily, helpers_by_day)):
        found = rows(session, period)
        if found:
            session.execute(insert(table), found)
    state.rolled_until = until
    session.flush()


def roll_up_due(session: Session) -> bool:
    return rolled_until(session) < _roll_up_target(utcnow())


def _days(period: Period) -> Iterable[Period]:
    day = period.since
    while day < period.until:
        yield Period(day, day + timedelta(days=1))
        day += timedelta(days=1)


def reuse_by_day(session: Session, period: Period) -> list[dict[str, Any]]:
    """``reuse_daily``'s rows for the whole days of ``period``, from the events."""
    return [
        {"day": day.since.date(), "author_id": author_id, "impressions": shown, "opens": opened,
         "helpful": marked}
        for day in _days(period)
        for author_id, shown, opened, marked in reuse_from_events(session, day, None)
    ]  # fmt: skip


def helpers_by_day(session: Session, period: Period) -> list[dict[str, Any]]:
    """``helpers_daily``'s rows for the whole days of ``period``, from the events."""
    helped = _helped(period)
    day = (
        func.date(helped.c.at)
        if session.get_bind().dialect.name == "sqlite"
        else func.date(func.timezone("UTC", helped.c.at))
    )
    stmt = (
        select(Note.author_id, helped.c.user_id, day.label("day"), func.count())
        .select_from(helped)
        .join(Note, Note.id == helped.c.note_id)
        .where(reused(None), helped.c.user_id != Note.author_id)
        .group_by(Note.author_id, helped.c.user_id, day)
    )
    return [
        {"author_id": a, "user_id": u, "day": _as_date(d), "events": n}
        for a, u, d, n in session.execute(stmt)
    ]


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def rolled_until(session: Session) -> date:
    return session.scalars(select(ReuseRollup.rolled_until)).one()


def _roll_up_target(now: datetime) -> date:
    return (now - ROLL_UP_AFTER).date()


def _midnight(moment: datetime | date) -> datetime:
    day = moment.date() if isinstance(moment, datetime) else moment
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _next_midnight(moment: datetime) -> datetime:
    midnight = _midnight(moment)
    return midnight if midnight == moment else midnight + timedelta(days=1)
