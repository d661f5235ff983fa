"""The questions ``scripts/bench.py`` asks and how it times them over HTTP."""

from __future__ import annotations

import os
import random
import re
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sqlalchemy import event, select
from sqlalchemy.exc import DBAPIError

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import COMPETITORS, SYSTEMS, DataSet

from app.config import Settings
from app.db.engine import Database
from app.db.models import Account, User
from app.domain.access import SYSTEM, readable_by
from app.domain.users import create_token, find_user
from app.embedding import get_embedder
from app.main import create_app
from app.schemas.users import TokenCreate
from app.search.base import Scope
from app.server import serve_in_thread


def make_tokens(url: str, user_ids: list[str]) -> tuple[dict[str, str], dict[str, int]]:
    db = Database(url)
    try:
        with db.unit_of_work() as session:
            tokens = {
                uid: create_token(session, SYSTEM, TokenCreate(user_id=find_user(session, uid).id))[
                    1
                ]
                for uid in user_ids
            }
            accounts = dict(session.execute(select(Account.external_id, Account.id)).all())
        return tokens, accounts  # type: ignore[return-value]
    finally:
        db.dispose()


# --- questions and latency ----------------------------------------------------------------

ASKERS = ["u01", "u02", "u06", "u11", "u16", "u20"]
ACCOUNT_QS = [
    "who signs off on budget at {a}?",
    "who writes the check at {a}",
    "what's the renewal status at {a}",
    "what competitors are we up against at {a}?",
    "any security concerns from {a}?",
    "is {a} on a spend freeze",
    "how did the last QBR with {a} go",
    "open support issues at {a}",
]
PERSON_QS = [
    "what does {full} care about?",
    "how does {first} at {a} like to be contacted",
    "what are {full}'s hobbies",
    "who does {full} report to",
    "the {title} at {a} - anything to avoid bringing up?",
]
TOPIC_QS = [
    "which customers are on a spend freeze",
    "who mentioned {comp} as the incumbent",
    "accounts complaining about overtime costs",
    "integration problems with {system}",
    "customers who insist on single sign-on",
    "deals we lost on price",
    "who needs board approval for big purchases",
    "frontline turnover problems",
    "contacts who would rather meet in person",
    "customers unhappy with our implementation team",
    "anyone into barbecue competitions?",
    "who is worried about data residency",
]
SCOPED_QS = [
    "who is our coach here?",
    "what is their budget process",
    "any competitors in the deal",
    "who has final say",
    "open tickets",
    "personal details about the main contact",
]
ID_PATTERN = re.compile(r"\b(?:INC-\d{5}|PRB-\d{4}|ORD-\d{4}-\d{5}|RFP #\d\d-\d{3})")


def make_questions(data: DataSet, count: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(f"{seed}:questions")
    ids = sorted({m for n in data.notes[:20000] for m in ID_PATTERN.findall(n["body"])})
    kinds = ["account", "person", "topic", "id", "scoped"]
    questions = []
    for i in range(count):
        kind = kinds[i % len(kinds)] if ids or kinds[i % len(kinds)] != "id" else "topic"
        account = rng.choice(data.accounts)
        person = rng.choice([c for c in data.contacts if c["account_id"] == account["id"]])
        values = {
            "a": account["name"],
            "full": person["name"],
            "first": person["name"].split()[0],
            "title": person["title"],
            "comp": rng.choice(COMPETITORS),
            "system": rng.choice(list(SYSTEMS.values())),
        }
        q: dict[str, Any] = {"kind": kind, "asker": ASKERS[i % len(ASKERS)]}
        if kind == "account":
            q["q"] = rng.choice(ACCOUNT_QS).format_map(values)
        elif kind == "person":
            q["q"] = rng.choice(PERSON_QS).format_map(values)
        elif kind == "topic":
            q["q"] = rng.choice(TOPIC_QS).format_map(values)
        elif kind == "id":
            ref = rng.choice(ids)
            q["q"] = rng.choice(["{}", "status of {}", "what happened with {}"]).format(ref)
        else:
            q["q"], q["account"] = rng.choice(SCOPED_QS), account["id"]
        questions.append(q)
    return questions


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def measure_latency(
    url: str, model: str, questions: list[dict[str, Any]], warmup: int
) -> dict[str, Any]:
    tokens, accounts = make_tokens(url, ASKERS)
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=url,
        embedding_model=model,
        worker_threads=0,
    )
    rows, errors = [], []
    load_before = os.getloadavg()[0]
    with (
        serve_in_thread(create_app(settings)) as base,
        httpx.Client(base_url=base, timeout=120) as http,
    ):

        def ask(q: dict[str, Any]) -> tuple[float, dict[str, Any] | None]:
            body: dict[str, Any] = {"q": q["q"], "limit": 10}
            if "account" in q:
                body["account_id"] = accounts[q["account"]]
            started = time.perf_counter()
            response = http.post(
                "/v1/search", json=body, headers={"Authorization": f"Bearer {tokens[q['asker']]}"}
            )
            ms = (time.perf_counter() - started) * 1000
            if response.is_error:
                errors.append(f"{response.status_code} {response.text[:200]}")
                return ms, None
            return ms, response.json()

        started = time.perf_counter()
        first_ms, _ = ask({"q": "warm up", "asker": ASKERS[0]})
        for q in questions[:warmup]:
            ask(q)
        warm_s = time.perf_counter() - started
        errors.clear()
        for q in questions:
            ms, payload = ask(q)
            if payload is not None:
                rows.append(
                    {
                        **q,
                        "latency_ms": ms,
                        "took_ms": payload["took_ms"],
                        "hits": len(payload["hits"]),
                    }
                )
    latency = [r["latency_ms"] for r in rows]
    took = [r["took_ms"] for r in rows]
    by_kind = {
        kind: {"n": len(sel), "p50_ms": percentile(sel, 50), "p95_ms": percentile(sel, 95)}
        for kind in dict.fromkeys(r["kind"] for r in rows)
        if (sel := [r["latency_ms"] for r in rows if r["kind"] == kind])
    }
    return {
        "queries": len(rows),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        # Other work on the machine inflates every figure: the 1-minute load, before and after.
        "load_avg": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "first_request_ms": first_ms,
        "warmup_s": warm_s,
        "p50_ms": percentile(latency, 50),
        "p95_ms": percentile(latency, 95),
        "max_ms": max(latency, default=float("nan")),
        "took_p50_ms": percentile(took, 50),
        "took_p95_ms": percentile(took, 95),
        "took_max_ms": max(took, default=float("nan")),
        "empty_results": sum(1 for r in rows if r["hits"] == 0),
        "by_kind": by_kind,
        "slowest": sorted(rows, key=lambda r: -r["latency_ms"])[:5],
    }


def explain_semantic(
    url: str, model: str, question: str, *, asker: str, account: str | None = None
) -> str:
    """EXPLAIN ANALYZE of the statement ``PostgresIndex.semantic`` runs, captured as it runs."""
    from app.search.postgres import PostgresIndex

    embedder = get_embedder(model)
    db = Database(url)
    captured: list[tuple[str, Any]] = []

    def capture(
        _c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _many: bool
    ) -> None:
        captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        with db.session(write=False) as session:
            viewer = session.scalar(select(User).where(User.external_id == asker))
            assert viewer is not None
            scoped = session.scalars(select(Account.id).where(Account.external_id == account))
            scope = Scope(
                readable=readable_by(viewer), account_ids=tuple(scoped) if account else None
            )
            vector = embedder.embed([question])[0]
            try:
                PostgresIndex(embedder).semantic(session, vector, scope, 100)
            except DBAPIError as exc:
                return f"the semantic query failed: {str(exc.orig).splitlines()[0]}"
            statement, parameters = next(c for c in reversed(captured) if "<=>" in c[0])
            plan = session.connection().exec_driver_sql(
                "EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters
            )
            # The query vector's 384 numbers say nothing about the plan.
            return "\n".join(re.sub(r"'\[[-0-9.e,]+\]'", "'[...]'", row[0]) for row in plan)
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
        db.dispose()
