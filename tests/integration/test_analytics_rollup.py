"""The daily reuse rollups: whole days read from ``reuse_daily`` and ``helpers_daily``, kept
exact by their triggers.

Events are written straight into their tables with times over the last days (as a history
would have left them), then the history changes in every way that moves reuse: a note erased,
its visibility changed, its author or credit changed, a helpful mark taken back, an event
written late for a day already rolled up. After each change the rollup must equal the counts
recomputed from the events, and the figures the API reports must equal the events' counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, insert, select, update

from app.db.engine import Database
from app.db.models import (
    HelpersDaily,
    HelpfulMark,
    Note,
    NoteView,
    ReuseDaily,
    ReuseRollup,
    Role,
    Search,
    SearchImpression,
    User,
)
from app.domain import erasure, notes, rollup
from app.domain.rollup import Period
from app.schemas.notes import NoteUpdate
from tests.factories import Person, make_account, make_note, make_user

NOW = datetime.now(UTC).replace(microsecond=0)
DAYS = 12


@dataclass
class History:
    admin: Person
    authors: list[Person]
    readers: list[Person]
    note_ids: list[int]


def _at(days_ago: int, hour: int) -> datetime:
    midnight = datetime(NOW.year, NOW.month, NOW.day, tzinfo=UTC)
    return midnight - timedelta(days=days_ago) + timedelta(hours=hour, minutes=17)


def write_events(db: Database, history: History, *, days: range, seed: int) -> None:
    """Searches with impressions, opens, brief views and helpful marks on every day of
    ``days`` (days ago), each by a reader who is not the note's author."""
    with db.unit_of_work() as session:
        authors = {n: a for n, a in session.execute(select(Note.id, Note.author_id))}
        for day in days:
            for k, reader in enumerate(history.readers):
                at = _at(day, (seed + k * 5) % 23)
                shown = [
                    n
                    for i, n in enumerate(history.note_ids)
                    if (i + day + k + seed) % 3 and authors.get(n, reader.id) != reader.id
                ][:6]
                search_id = session.scalar(
                    insert(Search)
                    .values(user_id=reader.id, query="q", hits=len(shown), took_ms=1.0, at=at)
                    .returning(Search.id)
                )
                session.execute(
                    insert(SearchImpression),
                    [
                        {"search_id": search_id, "rank": r, "note_id": n, "user_id": reader.id,
                         "at": at}
                        for r, n in enumerate(shown, start=1)
                    ],
                )  # fmt: skip
                for kind, note_id in (("opened", shown[0]), ("shown", shown[-1])):
                    session.execute(
                        insert(NoteView).values(
                            note_id=note_id, user_id=reader.id, kind=kind, source="web", at=at
                        )
                    )
                marked = shown[(day + seed) % len(shown)]
                if session.get(HelpfulMark, (marked, reader.id)) is None:
                    session.add(HelpfulMark(note_id=marked, user_id=reader.id, at=at))


@pytest.fixture
def history(db: Database) -> History:
    admin = make_user(db, "Ada Admin", team=None, role=Role.admin)
    authors = [make_user(db, f"Author {i}", team="east") for i in range(3)]
    readers = [make_user(db, f"Reader {i}", team="west") for i in range(3)]
    account = make_account(db, "Harbor Freightways")
    note_ids = [
        make_note(db, authors[i % 3], account, f"Note {i}: Deb signs off on the {i}th site.",
                  visibility="company")
        for i in range(9)
    ]  # fmt: skip
    with db.unit_of_work() as session:  # judged, as the embedding worker would
        session.execute(update(Note).values(credit="credited"))
        session.execute(update(Note).where(Note.id == note_ids[8]).values(credit="duplicate"))
    made = History(admin, authors, readers, note_ids)
    write_events(db, made, days=range(DAYS, -1, -1), seed=0)
    return made


def from_events(db: Database, period: Period) -> dict[int, tuple[int, int, int]]:
    with db.session(write=False) as session:
        rows = rollup.reuse_from_events(session, period, None)
    return {a: (i, o, h) for a, i, o, h in rows if (i, o, h) != (0, 0, 0)}


def with_rollup(db: Database, period: Period) -> dict[int, tuple[int, int, int]]:
    with db.session(write=False) as session:
        rows = rollup.reuse(session, period, None)
    return {a: (i, o, h) for a, i, o, h in rows if (i, o, h) != (0, 0, 0)}


def assert_exact(db: Database) -> None:
    """The rollup holds what its days' events say, and reads as the events do."""
    with db.session(write=False) as session:
        rolled_until = session.scalars(select(ReuseRollup.rolled_until)).one()
        stored = {
            (r.day, r.author_id): (r.impressions, r.opens, r.helpful)
            for r in session.scalars(select(ReuseDaily))
            if (r.impressions, r.opens, r.helpful) != (0, 0, 0)
        }
        start = datetime(NOW.year, NOW.month, NOW.day, tzinfo=UTC) - timedelta(days=DAYS + 2)
        end = datetime(rolled_until.year, rolled_until.month, rolled_until.day, tzinfo=UTC)
        expected = {
            (row["day"], row["author_id"]): (row["impressions"], row["opens"], row["helpful"])
            for row in rollup.reuse_by_day(session, Period(start, end))
            if (row["impressions"], row["opens"], row["helpful"]) != (0, 0, 0)
        }
    assert stored == expected
    with db.session(write=False) as session:
        helpers = {
            (r.author_id, r.user_id, r.day): r.events
            for r in session.scalars(select(HelpersDaily))
            if r.events
        }
        expected_helpers = {
            (row["author_id"], row["user_id"], row["day"]): row["events"]
            for row in rollup.helpers_by_day(session, Period(start, end))
        }
    assert helpers == expected_helpers
    assert all(events >= 0 for events in helpers.values())
    for since, until in (
        (NOW - timedelta(days=DAYS + 1), NOW + timedelta(minutes=1)),  # everything
        (_at(9, 5), _at(2, 20)),  # partial first and last days, whole days between
        (_at(4, 0) - timedelta(minutes=17), _at(3, 0) - timedelta(minutes=17)),  # one whole day
    ):
        period = Period(since, until)
        assert with_rollup(db, period) == from_events(db, period), (since, until)
        assert helped_with_rollup(db, period) == helped_from_events(db, period), (since, until)


def helped_from_events(db: Database, period: Period) -> dict[int, int]:
    with db.session(write=False) as session:
        pairs = rollup.helpers_from_events(session, period, None)
    return {a: sum(1 for author, _ in pairs if author == a) for a, _ in pairs}


def helped_with_rollup(db: Database, period: Period) -> dict[int, int]:
    with db.session(write=False) as session:
        return rollup.colleagues_helped(session, period, None)


def roll_up(db: Database) -> None:
    with db.unit_of_work() as session:
        rollup.roll_up(session, NOW)


def test_the_migration_starts_the_rollup_at_yesterday_and_reads_match_events(
    db: Database, history: History
) -> None:
    with db.session(write=False) as session:
        rolled_until = session.scalars(select(ReuseRollup.rolled_until)).one()
    # Tests build the schema before the history: the backdated events went through triggers.
    assert rolled_until >= (NOW - rollup.ROLL_UP_AFTER - timedelta(days=1)).date()
    assert_exact(db)
    roll_up(db)
    assert_exact(db)


def test_rolling_up_from_far_behind_adds_each_day_once(db: Database, history: History) -> None:
    with db.unit_of_work() as session:  # as if the roll-up had not run for a week
        session.execute(delete(ReuseDaily).where(ReuseDaily.day >= _at(7, 0).date()))
        session.execute(delete(HelpersDaily).where(HelpersDaily.day >= _at(7, 0).date()))
        session.execute(update(ReuseRollup).values(rolled_until=_at(7, 0).date()))
    assert_exact(db)
    roll_up(db)
    roll_up(db)  # nothing left to do: no day counted twice
    with db.session(write=False) as session:
        assert (
            session.scalars(select(ReuseRollup.rolled_until)).one()
            == (NOW - rollup.ROLL_UP_AFTER).date()
        )
    assert_exact(db)


def test_every_change_to_the_history_keeps_the_rollup_exact(db: Database, history: History) -> None:
    roll_up(db)
    reader = history.readers[0]
    first, second, third, fourth = history.note_ids[:4]
    with db.unit_of_work() as session:  # erased: its counts go, with its events
        erasure.erase_note(session, session.get_one(User, history.admin.id), first)
    assert_exact(db)
    with db.unit_of_work() as session:  # visibility: reuse is counted whatever it is
        note = session.get_one(Note, second)
        notes.update_note(
            session, session.get_one(User, note.author_id), second,
            NoteUpdate(visibility="private"), expected_version=note.version,
        )  # fmt: skip
    assert_exact(db)
    with db.unit_of_work() as session:  # a new owner (an import may move a note)
        session.execute(
            update(Note).where(Note.id == third).values(author_id=history.authors[1].id)
        )
    assert_exact(db)
    with db.unit_of_work() as session:  # judged a duplicate, then judged again after all
        session.execute(update(Note).where(Note.id == fourth).values(credit="duplicate"))
    assert_exact(db)
    with db.unit_of_work() as session:
        session.execute(update(Note).where(Note.id == fourth).values(credit=None))
    assert_exact(db)
    with db.unit_of_work() as session:  # a reader takes back every helpful mark
        session.execute(delete(HelpfulMark).where(HelpfulMark.user_id == reader.id))
    assert_exact(db)
    write_events(db, history, days=range(5, 0, -1), seed=1)  # late events for rolled-up days
    assert_exact(db)
    with db.unit_of_work() as session:  # a user deleted: their events cascade away
        session.execute(delete(User).where(User.id == history.readers[1].id))
    assert_exact(db)


def test_the_api_reports_the_events_counts_and_rolls_up_after_the_read(
    db: Database, history: History, client: TestClient
) -> None:
    with db.unit_of_work() as session:  # a week behind: the read must still be exact
        session.execute(delete(ReuseDaily).where(ReuseDaily.day >= _at(7, 0).date()))
        session.execute(delete(HelpersDaily).where(HelpersDaily.day >= _at(7, 0).date()))
        session.execute(update(ReuseRollup).values(rolled_until=_at(7, 0).date()))
    since, until = NOW - timedelta(days=10), NOW + timedelta(seconds=1)
    expected = from_events(db, Period(since, until))
    response = client.get(
        "/v1/analytics/contributions",
        params={"since": since.isoformat(), "until": until.isoformat()},
        headers=history.admin.headers,
    )
    assert response.status_code == 200, response.text
    figures = {
        row["user"]["id"]: (
            row["impressions_by_others"], row["opens_by_others"], row["helpful_by_others"]
        )
        for row in response.json()["rows"]
        if row["impressions_by_others"] or row["opens_by_others"] or row["helpful_by_others"]
    }  # fmt: skip
    assert figures == expected
    assert set(figures) == {a.id for a in history.authors}
    helped = {
        row["user"]["id"]: row["colleagues_helped"]
        for row in response.json()["rows"]
        if row["colleagues_helped"]
    }
    assert helped == helped_from_events(db, Period(since, until))
    assert set(helped) == {a.id for a in history.authors}
    with db.session(write=False) as session:  # rolled up once the answer was computed
        assert session.scalars(select(ReuseRollup.rolled_until)).one() > _at(7, 0).date()
    assert_exact(db)
