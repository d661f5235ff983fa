"""Measure the account brief on a labelled data set in the crm-dev format.

    .venv/bin/python scripts/brief_eval.py ../shared/eval/crm-dev            # SQLite
    .venv/bin/python scripts/brief_eval.py ../shared/eval/crm-dev --pgserver # PostgreSQL

1. Buying-role suggestions: the data set is imported with every contact's role erased (the
   true roles are kept aside), the notes are embedded, and each user's suggestions for every
   account, from the notes that user may read, are compared with the true roles: precision
   (suggestions that are right) and recall (contacts with a true role that get it suggested).
2. Latency: the brief of the account with the most notes, over HTTP, asked 20 times by each
   user after a warm-up; p50 and p95.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.engine import Database
from app.db.models import Account, BuyingRole, Contact, Note, User
from app.domain.roles import account_suggestions
from app.main import create_app
from app.server import serve_in_thread

_spec = importlib.util.spec_from_file_location("search_eval", Path(__file__).with_name("eval.py"))
assert _spec and _spec.loader
search_eval: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_eval)
ROUNDS = 20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--database-url", help="an empty database to use (default: temporary)")
    parser.add_argument("--pgserver", action="store_true", help="use a throwaway PostgreSQL")
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    args = parser.parse_args()
    truth = {
        c["id"]: c["buying_role"] for c in search_eval.read_jsonl(args.directory / "contacts.jsonl")
    }
    with search_eval.database_url(args) as url:
        tokens, accounts, _ = search_eval.load(url, args.directory)
        db = Database(url)
        with db.unit_of_work() as session:
            session.execute(update(Contact).values(buying_role=BuyingRole.unknown))
        settings = Settings(
            _env_file=None,
            env="test",
            database_url=url,  # type: ignore[call-arg]
            embedding_model=args.model,
            worker_threads=1,
        )
        with (
            serve_in_thread(create_app(settings)) as base,
            httpx.Client(base_url=base, timeout=60) as http,
        ):
            search_eval.wait_until_embedded(http, list(tokens.values()))
            roles(db, truth, list(accounts.values()))
            latency(db, http, tokens)
        db.dispose()


def roles(db: Database, truth: dict[str, str], account_ids: list[int]) -> None:
    with_role = {c for c, r in truth.items() if r != "unknown"}
    rows = []
    with db.session(write=False) as session:
        for user in session.scalars(select(User).order_by(User.external_id)):
            made = right = 0
            found: set[str] = set()
            for account_id in account_ids:
                for s in account_suggestions(session, user, account_id):
                    made += 1
                    if truth[s.contact.external_id or ""] == s.role.value:
                        right += 1
                        found.add(s.contact.external_id or "")
            rows.append((user.external_id, made, right / made if made else 0.0,
                         len(found) / len(with_role)))  # fmt: skip
    print(f"buying-role suggestions ({len(with_role)} contacts have a true role)")
    print(f"{'reader':<8}{'made':>6}{'precision':>11}{'recall':>8}")
    for name, made, precision, recall in rows:
        print(f"{name:<8}{made:>6}{precision:>11.3f}{recall:>8.3f}")
    print(
        f"{'mean':<8}{statistics.fmean(r[1] for r in rows):>6.0f}"
        f"{statistics.fmean(r[2] for r in rows):>11.3f}{statistics.fmean(r[3] for r in rows):>8.3f}"
    )


def latency(db: Database, http: httpx.Client, tokens: dict[str, str]) -> None:
    with db.session(write=False) as session:
        account_id, notes = session.execute(
            select(Note.account_id, func.count())
            .group_by(Note.account_id)
            .order_by(func.count().desc())
        ).first() or (0, 0)
        name = session.get(Account, account_id).name  # type: ignore[union-attr]
    url = f"/v1/accounts/{account_id}/brief"
    times = []
    for token in tokens.values():
        headers = {"Authorization": f"Bearer {token}"}
        http.get(url, headers=headers).raise_for_status()  # warm-up
        for _ in range(ROUNDS):
            started = time.perf_counter()
            http.get(url, headers=headers).raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    p = lambda q: times[min(len(times) - 1, int(q * len(times)))]  # noqa: E731
    print(f"\nbrief of {name} ({notes} notes), {len(times)} requests over HTTP as "
          f"{len(tokens)} users: p50 {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
