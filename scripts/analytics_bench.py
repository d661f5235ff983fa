"""Time the analytics queries on a large synthetic base built with bulk inserts.

    .venv/bin/python scripts/analytics_bench.py               # SQLite: 100k notes, 1M impressions
    .venv/bin/python scripts/analytics_bench.py --pgserver    # a throwaway PostgreSQL
    .venv/bin/python scripts/analytics_bench.py --notes 10000 --impressions 100000 --runs 5

Builds a fresh, migrated database with SQLAlchemy Core inserts (no ORM, no API, no embedding):
10 teams, 200 users (an admin, a manager per team, reps), 2,000 accounts with 5-10 contacts
each, notes over two years (more of them lately) with mentions, revisions, verifications and
role decisions, searches with 10 impressions each, note views and helpful marks; the RNG is
seeded. Then times ``contributions`` (the admin over 90 days and two years, a manager's team
over 90 days) and ``coverage`` (the admin), each run in a fresh read session, and
``GET /v1/analytics/contributions`` over HTTP; one warm-up run ("first") is left out of the
median and p95. PostgreSQL is ANALYZEd after the build, as autovacuum would; SQLite is not, as
the app never does it.
"""

from __future__ import annotations

import argparse
import bisect
import importlib.util
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.base import Base, utcnow
from app.db.engine import Database
from app.db.migrate import upgrade
from app.db.models import BuyingRole, Role, User
from app.domain.access import SYSTEM
from app.domain.analytics import Period, contributions, coverage
from app.domain.users import create_token
from app.main import create_app
from app.schemas.users import TokenCreate
from app.server import serve_in_thread
from app.taxonomy import TOPIC_BY_NAME

_spec = importlib.util.spec_from_file_location("search_eval", Path(__file__).with_name("eval.py"))
assert _spec and _spec.loader
search_eval: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_eval)

TEAMS, USERS, ACCOUNTS, CHUNK, SEED = 10, 200, 2_000, 20_000, 20261123
TEAM_IDS = range(1, TEAMS + 1)
SPAN = timedelta(days=730)
PERSONAL = sorted(n for n, t in TOPIC_BY_NAME.items() if t.section == "personal")
OTHER = sorted(n for n, t in TOPIC_BY_NAME.items() if t.section != "personal")
ROLES = list(BuyingRole)
TABLES = (
    "teams", "users", "accounts", "contacts", "notes", "note_revisions", "mentions", "searches",
    "search_impressions", "note_views", "helpful_marks", "note_verifications", "role_decisions",
)  # fmt: skip


class Synthetic:
    """The base's rows per table, in insert order. User 1 is the admin, 2-11 the managers of
    teams 1-10; account ``a`` belongs to team ``(a - 1) % 10 + 1``, whose reps write most of
    its notes. Note ids follow creation time."""

    def __init__(self, now: datetime, notes: int, impressions: int) -> None:
        self.r, self.now = random.Random(SEED), now
        self.rows: dict[str, list[dict[str, Any]]] = {}
        self.people()
        self.accounts()
        self.notes(notes)
        self.events(notes, impressions)

    def moment(self, after: datetime | None = None) -> datetime:
        """A time in the two years before now (after ``after``), more often a recent one."""
        start = max(after or self.now - SPAN, self.now - SPAN)
        return self.now - (self.now - start) * float(self.r.random() ** 1.5)

    def shown(self, at: datetime, k: int) -> list[int]:
        """``k`` distinct shared notes that existed at ``at``."""
        known = max(bisect.bisect(self.shared_at, at), k)
        return [self.shared[i] for i in self.r.sample(range(known), k)]

    def people(self) -> None:
        r, start = self.r, self.now - SPAN
        self.team = {1: None} | {u: (u - 2) % TEAMS + 1 for u in range(2, USERS + 1)}
        self.reps = list(range(TEAMS + 2, USERS + 1))
        role = {u: Role.rep for u in self.reps} | {1: Role.admin}
        role |= {u: Role.manager for u in range(2, TEAMS + 2)}
        # A few prolific authors, many occasional ones; managers write a little.
        self.weight = {u: r.paretovariate(1.5) for u in self.reps}
        self.weight |= {u: 0.2 for u in range(2, TEAMS + 2)}
        self.by_team = {t: [u for u in self.weight if self.team[u] == t] for t in TEAM_IDS}
        self.rows["teams"] = [dict(id=t, name=f"Team {t}", created_at=start) for t in TEAM_IDS]
        self.rows["users"] = [
            dict(id=u, name=f"User {u:03}", email=f"user{u}@example.com", role=role[u],
                 team_id=self.team[u], is_active=True, created_at=start, updated_at=start)
            for u in self.team
        ]  # fmt: skip

    def accounts(self) -> None:
        r, start = self.r, self.now - SPAN
        self.rows["accounts"] = [
            dict(id=a, name=f"Account {a:04}", name_key=f"account {a:04}", aliases=[],
                 created_at=start, updated_at=start)
            for a in range(1, ACCOUNTS + 1)
        ]  # fmt: skip
        self.contacts_of: dict[int, list[int]] = {a: [] for a in range(1, ACCOUNTS + 1)}
        contacts = self.rows["contacts"] = []
        for a in self.contacts_of:
            for _ in range(r.randint(5, 10)):
                self.contacts_of[a].append(len(contacts) + 1)
                title = r.choices(["Former CFO", "VP Sales", "IT Director", None], [3, 40, 40, 17])
                contacts.append(
                    dict(id=len(contacts) + 1, account_id=a, name=f"Contact {len(contacts) + 1}",
                         title=title[0], buying_role=r.choices(ROLES, [15, 15, 15, 10, 45])[0],
                         created_at=start, updated_at=start)
                )  # fmt: skip

    def notes(self, count: int) -> None:
        r, notes, revisions, mentions = self.r, [], [], []
        created = sorted(self.moment() for _ in range(count))
        last_on: dict[int, int] = {}  # the latest note on each account: what a duplicate restates
        self.shared: list[int] = []
        self.author: dict[int, int] = {}
        for nid, at in enumerate(created, start=1):
            account = r.randint(1, ACCOUNTS)
            pool = self.by_team[(account - 1) % TEAMS + 1] if r.random() < 0.85 else self.reps
            author = r.choices(pool, [self.weight[u] for u in pool])[0]
            visibility = r.choices(["company", "team", "private"], [80, 12, 8])[0]
            credit = r.choices(["credited", "duplicate", "trivial"], [86, 8, 6])[0]
            duplicate_of = last_on.get(account) if credit == "duplicate" else None
            credit = "credited" if credit == "duplicate" and duplicate_of is None else credit
            edits, observed = int(r.random() < 0.1), at - timedelta(days=3) * r.random()
            deleted = min(self.now, at + timedelta(days=30) * r.random())
            notes.append(
                dict(id=nid, account_id=account, author_id=author, team_id=self.team[author],
                     body=f"Note {nid} about account {account}.", visibility=visibility,
                     observed_at=observed, source="api", version=1 + edits, created_at=at,
                     written_at=at, updated_at=at,
                     deleted_at=deleted if r.random() < 0.01 else None,
                     search_seq=nid, credit=credit, duplicate_of_id=duplicate_of)
            )  # fmt: skip
            last_on[account], self.author[nid] = nid, author
            if visibility != "private":
                self.shared.append(nid)
            for version in range(1, 2 + edits):
                editor = author if version == 1 or r.random() < 0.8 else r.choice(self.reps)
                revisions.append(
                    dict(note_id=nid, version=version, account_id=account, body="…",
                         visibility=visibility, observed_at=observed, contact_ids=[],
                         edited_by_id=editor, created_at=at if version == 1 else self.moment(at))
                )  # fmt: skip
            for ordinal in range(r.choices(range(5), [10, 25, 35, 20, 10])[0]):
                topic = r.choice(PERSONAL) if r.random() < 0.2 else r.choice(OTHER)
                mentions.append(
                    dict(note_id=nid, contact_id=r.choice(self.contacts_of[account]), text="…",
                         ordinal=ordinal, topic=topic, score=r.uniform(0.3, 0.9), named=1)
                )  # fmt: skip
        self.shared_at = [created[n - 1] for n in self.shared]
        self.rows |= {"notes": notes, "note_revisions": revisions, "mentions": mentions}

    def events(self, notes: int, impressions: int) -> None:
        r, readers = self.r, [*self.weight, 1]
        searches, shown = self.rows["searches"], self.rows["search_impressions"] = [], []
        for sid in range(1, impressions // 10 + 1):
            user, at = r.choice(readers), self.moment()
            searches.append(dict(id=sid, user_id=user, query="q", hits=10, took_ms=40.0, at=at))
            shown += [dict(search_id=sid, rank=k, note_id=n, user_id=user, at=at)
                      for k, n in enumerate(self.shown(at, 10), start=1)]  # fmt: skip

        def by_readers(count: int) -> list[dict[str, Any]]:
            """Events on shared notes by readers other than the author (as app.domain.reuse)."""
            rows: list[dict[str, Any]] = []
            while len(rows) < count:
                at, user = self.moment(), r.choice(readers)
                note = self.shown(at, 1)[0]
                if self.author[note] != user:
                    rows.append(dict(note_id=note, user_id=user, at=at))
            return rows

        views = by_readers(2 * notes)
        for view in views:
            view["kind"] = r.choices(["opened", "shown"], [55, 45])[0]
            view["source"] = "web" if view["kind"] == "opened" else "brief"
        marks = {(m["note_id"], m["user_id"]): m for m in by_readers(notes // 5)}
        decisions: list[dict[str, Any]] = [
            dict(contact_id=r.randint(1, len(self.rows["contacts"])), role=r.choice(ROLES[:4]),
                 decision="confirmed" if r.random() < 0.8 else "rejected",
                 user_id=r.choice(self.reps), evidence=[], at=self.moment())
            for _ in range(notes // 16)
        ]  # fmt: skip
        self.rows["note_views"], self.rows["helpful_marks"] = views, list(marks.values())
        self.rows["note_verifications"] = by_readers(notes // 12)
        self.rows["role_decisions"] = decisions


def load(db: Database, base: Synthetic) -> None:
    with db.engine.begin() as conn:
        for name, rows in base.rows.items():
            for start in range(0, len(rows), CHUNK):
                conn.execute(insert(Base.metadata.tables[name]), rows[start : start + CHUNK])
        if db.dialect == "postgresql":  # the ids were given: move the sequences past them
            for name in ("teams", "users", "accounts", "contacts", "notes", "searches"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                                  f"(SELECT max(id) FROM {name}))"))  # fmt: skip
    if db.dialect == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))


Run = Callable[[Session, User], object]


def over(days: int) -> Run:
    """Contributions over the last ``days`` days."""
    return lambda s, user: contributions(s, user, Period.of(utcnow() - timedelta(days=days), None))


def in_session(db: Database, user_id: int, run: Run) -> Callable[[], object]:
    """``run`` as ``user_id`` in a fresh read session."""

    def call() -> object:
        with db.session(write=False) as session:
            return run(session, session.get_one(User, user_id))

    return call


def report(name: str, call: Callable[[], object], runs: int) -> None:
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    first, rest = times[0], sorted(times[1:])
    p95 = rest[min(len(rest) - 1, int(0.95 * len(rest)))]
    print(f"{name:<44}{first:>9.0f}{statistics.median(rest):>9.0f}{p95:>9.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="an empty database to use (default: temporary)")
    parser.add_argument("--pgserver", action="store_true", help="use a throwaway PostgreSQL")
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--impressions", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--keep",
        type=Path,
        help="a SQLite file: built there the first time, reused as it is the next times",
    )
    args = parser.parse_args()
    if args.keep:
        args.database_url = f"sqlite:///{args.keep}"
    with search_eval.database_url(args) as url:
        db = Database(url)
        upgrade(db.engine)
        with db.session(write=False) as session:
            built = session.scalar(select(func.count()).select_from(User)) or 0
        if built and args.keep:
            print(f"{db.dialect}: reusing the base in {args.keep}")
        else:
            now, started = utcnow(), time.perf_counter()
            base = Synthetic(now, args.notes, args.impressions)
            generated = time.perf_counter() - started
            load(db, base)
            took = time.perf_counter() - started
            print(
                f"{db.dialect}: built in {took:.1f} s "
                f"(generating {generated:.1f} s, inserting {took - generated:.1f} s)"
            )
        with db.session(write=False) as session:
            for name in TABLES:
                count = session.scalar(select(func.count()).select_from(Base.metadata.tables[name]))
                print(f"  {name:<20}{count:>10,}")
        with db.unit_of_work() as session:
            token = create_token(session, SYSTEM, TokenCreate(user_id=1))[1]

        cases = {
            "contributions, admin, 90 days": in_session(db, 1, over(90)),
            "contributions, admin, 2 years": in_session(db, 1, over(731)),
            "contributions, manager (team 1), 90 days": in_session(db, 2, over(90)),
            "coverage, admin": in_session(db, 1, coverage),
        }
        busy = os.getloadavg()[0]  # the machine may be shared: say how busy it was
        print(f"\n{'case (ms)':<44}{'first':>9}{'median':>9}{'p95':>9}   ({args.runs} runs)")
        for name, call in cases.items():
            report(name, call, args.runs)
        settings = Settings(
            _env_file=None, env="test", database_url=url, worker_threads=0, warm_up=False
        )
        with (
            serve_in_thread(create_app(settings)) as served,
            httpx.Client(base_url=served, timeout=120) as http,
        ):
            headers = {"Authorization": f"Bearer {token}"}
            path = "/v1/analytics/contributions"
            get = lambda: http.get(path, headers=headers).raise_for_status()  # noqa: E731
            report("GET /v1/analytics/contributions, admin, 90 d", get, args.runs)
        print(f"load average {busy:.1f} before timing, {os.getloadavg()[0]:.1f} after")
        db.dispose()


if __name__ == "__main__":
    main()
