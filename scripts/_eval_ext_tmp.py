"""Tacit's search beside plain baselines, on public test collections with human judgments.

    PYTHONPATH=$PWD .venv/bin/python scripts/eval_external.py --data DIR
    PYTHONPATH=$PWD .venv/bin/python scripts/eval_external.py --data DIR --collections med,cisi

``DIR`` holds the collections' files, unchanged: the University of Glasgow IR group's
distribution archives ``med.tar.gz``, ``cisi.tar.gz``, ``cran.tar.gz``, ``adi.tar.gz``, and the
folders ``npl/`` and ``lisa/`` (``scripts/ir_collections.py`` and the README's "Search on public
collections" say where each comes from; their SHA-256 are checked).

Each collection is converted to Tacit's data-set format (one account, one user, a note per
document, observed on days spread over the last two years by a fixed seed, so that freshness
has something to act on and says nothing about relevance), imported through the product's
own import into a fresh SQLite database, served with its embedding worker, waited on until
every note is embedded, and every judged query is asked over HTTP (``POST /v1/search``, top
100). Beside it, on the same documents and the same query texts:

- ``bm25``:  SQLite FTS5's bm25 over whole documents (the porter tokenizer Tacit's own keyword
  index uses), every query word OR-ed: the keyword search anyone gets from SQLite;
- ``dense``: cosine of the same model's embeddings of whole documents (the model truncates a
  document at its window of 256 word pieces), as with ``SentenceTransformer.encode``;
- ``rrf``:   the two fused by reciprocal rank, k = 60.

Gains are binary (every collection's judgments are relevant/not, and Cranfield's grades are
read two opposite ways in the literature, so they are not used). nDCG@10 (log2 discount, as
``scripts/eval.py``) and recall@100. Queries longer than the API accepts (1,000 characters,
23 of CISI's) are cut at a word before it, for every system alike. ``--keep DIR`` keeps each
collection's database and document vectors and reuses them on the next run.

``--parts`` asks every query again with each part of the ranking switched off in turn (its
weights set to nothing, on the same running server), and prints nDCG@10 per collection for
each: what each part is worth on general text.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import random
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ir_collections import MAX_QUERY_CHARS, SOURCES, Collection, read_collection

from app.config import Settings
from app.db.base import utcnow
from app.embedding.sentence_transformers import SentenceTransformerEmbedder
from app.main import create_app
from app.schemas.search import MAX_RESULTS
from app.server import serve_in_thread
from app.services import open_services

_spec = importlib.util.spec_from_file_location("search_eval", Path(__file__).with_name("eval.py"))
assert _spec and _spec.loader
search_eval: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_eval)

K, DEPTH, RRF_K, SEED = 10, 100, 60, 20261205
SPAN_DAYS = 730

# Each part of the ranking, as the weights that switch it off (``app.search.fusion.Weights``).
PARTS: dict[str, dict[str, float]] = {
    "kw_whole 0.3": {"keyword_whole": 0.3},
    "kw_whole 0.6": {"keyword_whole": 0.6},
    "kw_whole 1.0": {"keyword_whole": 1.0},
    "kw 1.0": {"keyword": 1.0},
    "kw 1.0 + kw_whole 0.5": {"keyword": 1.0, "keyword_whole": 0.5},
}
OLD_PARTS = {
    "topic pull": {"pull": 0.0},
    "whole-note meaning": {"whole": 0.0, "second": 0.0},
    "freshness": {"freshness": 0.0, "stale": 0.0},
    "years": {"year": 0.0},
    "identifiers": {"identifier": 0.0},
    "keywords": {"keyword": 0.0, "identifier": 0.0},
    "meaning": {"semantic": 0.0, "whole": 0.0, "second": 0.0},
}


@dataclass
class Run:
    rankings: dict[str, list[str]] = field(default_factory=dict)  # query id -> doc ids


def write_dataset(collection: Collection, directory: Path) -> None:
    """Tacit's data-set format: one user, one account, a note per document."""
    rng = random.Random(f"{SEED}-{collection.key}")
    now = utcnow()
    user = {"id": "reader", "name": "Ada Reader", "team": "research", "role": "rep"}
    account = {"id": collection.key, "name": collection.name}
    notes = [
        {
            "id": f"{collection.key}-{doc_id}",
            "account_id": collection.key,
            "author_id": "reader",
            "created_at": (now - timedelta(days=rng.uniform(1, SPAN_DAYS))).isoformat(),
            "visibility": "company",
            "body": body,
        }
        for doc_id, body in collection.documents.items()
    ]
    for name, rows in (("users", [user]), ("accounts", [account]), ("notes", notes)):
        with (directory / f"{name}.jsonl").open("w", encoding="utf-8") as out:
            out.writelines(json.dumps(row) + "\n" for row in rows)


# -- the baselines -----------------------------------------------------------------------


def bm25_run(collection: Collection) -> Run:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, body, tokenize='porter')")
    db.executemany("INSERT INTO docs VALUES (?, ?)", collection.documents.items())
    run = Run()
    for query_id, text in collection.queries.items():
        words = sorted(set(re.findall(r"\w+", text.lower())))
        match = " OR ".join(f'"{w}"' for w in words)
        rows = db.execute(
            "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (match, 1000)
        )
        run.rankings[query_id] = [doc_id for (doc_id,) in rows]
    return run


def dense_run(collection: Collection, embedder: SentenceTransformerEmbedder, cache: Path) -> Run:
    ids = list(collection.documents)
    if cache.exists():
        vectors = np.load(cache)
    else:
        vectors = embedder.embed([collection.documents[d] for d in ids])
        np.save(cache, vectors)
    query_ids = list(collection.queries)
    asked = embedder.embed([collection.queries[q] for q in query_ids])
    run = Run()
    for query_id, vector in zip(query_ids, asked, strict=True):
        order = np.argsort(-(vectors @ vector), kind="stable")[:1000]
        run.rankings[query_id] = [ids[i] for i in order]
    return run


def rrf_run(*runs: Run) -> Run:
    fused = Run()
    for query_id in runs[0].rankings:
        scores: dict[str, float] = {}
        for run in runs:
            for rank, doc_id in enumerate(run.rankings.get(query_id, []), start=1):
                scores[doc_id] = scores.get(doc_id, 0.0) + 1 / (RRF_K + rank)
        fused.rankings[query_id] = sorted(scores, key=lambda d: (-scores[d], int(d)))
    return fused


# -- Tacit, through its import and its API -------------------------------------------------


def tacit_run(
    collection: Collection, workdir: Path, model: str, parts: dict[str, dict[str, float]]
) -> tuple[dict[str, Run], dict[str, float]]:
    """Tacit as served, and for each of ``parts`` without it (same server, other weights)."""
    database = workdir / f"{collection.key}.db"
    url = f"sqlite:///{database}"
    timings: dict[str, float] = {}
    if not database.exists():
        dataset = workdir / f"{collection.key}-dataset"
        dataset.mkdir(exist_ok=True)
        write_dataset(collection, dataset)
        tokens, _accounts, _notes, timings["import_s"] = search_eval.load(url, dataset)
        (workdir / f"{collection.key}.token").write_text(tokens["reader"])
    token = (workdir / f"{collection.key}.token").read_text()
    settings = Settings(
        _env_file=None,
        env="test",
        database_url=url,  # type: ignore[call-arg]
        embedding_model=model,
        worker_threads=1,
    )
    services = open_services(settings)
    served = services.search.weights
    runs: dict[str, Run] = {}
    headers = {"Authorization": f"Bearer {token}"}
    try:
        with (
            serve_in_thread(create_app(settings, services=services)) as base,
            httpx.Client(base_url=base, timeout=120) as http,
        ):
            timings["embed_wait_s"] = search_eval.wait_until_embedded(http, [token])
            for variant, changes in {"tacit": {}, **parts}.items():
                services.search.weights = replace(served, **changes)
                run, latencies = Run(), []
                for query_id, text in collection.queries.items():
                    started = time.perf_counter()
                    response = http.post(
                        "/v1/search", json={"q": text, "limit": DEPTH}, headers=headers
                    )
                    latencies.append((time.perf_counter() - started) * 1000)
                    response.raise_for_status()
                    prefix = f"{collection.key}-"
                    run.rankings[query_id] = [
                        hit["external_id"].removeprefix(prefix) for hit in response.json()["hits"]
                    ]
                runs[variant] = run
                if variant == "tacit":
                    timings["p50_ms"] = sorted(latencies)[len(latencies) // 2]
    finally:
        services.search.weights = served
        services.close()
    return runs, timings


# -- measuring ----------------------------------------------------------------------------


def ndcg(ranked: list[str], relevant: set[str], k: int = K) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:k]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def recall(ranked: list[str], relevant: set[str], k: int = DEPTH) -> float:
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


def scores(run: Run, collection: Collection) -> dict[str, dict[str, float]]:
    return {
        q: {
            "ndcg": ndcg(run.rankings.get(q, []), collection.relevant[q]),
            "recall": recall(run.rankings.get(q, []), collection.relevant[q]),
        }
        for q in collection.queries
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the collections' archives")
    parser.add_argument("--collections", default=",".join(SOURCES), help="comma-separated")
    parser.add_argument("--keep", type=Path, help="keep (and reuse) databases and vectors here")
    parser.add_argument("--max-docs", type=int, help="subsample larger collections to this")
    parser.add_argument("--model", default=Settings.model_fields["embedding_model"].default)
    parser.add_argument("--json", type=Path, help="also write every query's scores here")
    parser.add_argument(
        "--parts", action="store_true", help="also measure without each part of the ranking"
    )
    args = parser.parse_args()
    assert DEPTH <= MAX_RESULTS, "the API must return as many hits as recall is counted over"

    names = [n.strip() for n in args.collections.split(",") if n.strip()]
    embedder = SentenceTransformerEmbedder(args.model)
    systems = ("tacit", "bm25", "dense", "rrf")
    table: dict[str, dict[str, dict[str, float]]] = {}
    without: dict[str, dict[str, float]] = {}  # collection -> part switched off -> nDCG@10
    per_query: dict[str, Any] = {}
    with ExitStack() as stack:
        workdir = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        for key in names:
            collection = read_collection(args.data, key, args.max_docs)
            bm25 = bm25_run(collection)
            dense = dense_run(collection, embedder, workdir / f"{key}-documents.npy")
            served, timings = tacit_run(
                collection, workdir, args.model, PARTS if args.parts else {}
            )
            runs = {"bm25": bm25, "dense": dense, "rrf": rrf_run(bm25, dense), **served}
            measured = {name: scores(run, collection) for name, run in runs.items()}
            without[key] = {
                part: statistics.fmean(s["ndcg"] for s in measured[part].values())
                for part in PARTS
                if part in measured
            }
            table[key] = {
                name: {
                    metric: statistics.fmean(s[metric] for s in measured[name].values())
                    for metric in ("ndcg", "recall")
                }
                for name in systems
            }
            per_query[key] = {
                q: {name: measured[name][q] for name in systems} for q in collection.queries
            }
            print(
                f"{key}: {len(collection.documents)} documents, {len(collection.queries)} judged "
                f"queries ({collection.truncated} cut to {MAX_QUERY_CHARS} characters); "
                + ", ".join(f"{k} {v:.1f}" for k, v in timings.items()),
                flush=True,
            )
    report(table, systems)
    if args.parts:
        report_parts(table, without)
    if args.json:
        args.json.write_text(json.dumps({"summary": table, "queries": per_query}, indent=1))


def report(table: dict[str, dict[str, dict[str, float]]], systems: tuple[str, ...]) -> None:
    for metric, label in (("ndcg", f"nDCG@{K}"), ("recall", f"recall@{DEPTH}")):
        print(f"\n{label:<12}" + "".join(f"{s:>9}" for s in systems) + "   tacit/best")
        ratios = []
        for key, row in table.items():
            best = max(row[s][metric] for s in systems if s != "tacit")
            ratio = row["tacit"][metric] / best if best else 0.0
            ratios.append(ratio)
            print(
                f"{key:<12}"
                + "".join(f"{row[s][metric]:>9.3f}" for s in systems)
                + f"{ratio:>12.3f}"
            )
        means = [statistics.fmean(row[s][metric] for row in table.values()) for s in systems]
        print(
            f"{'mean':<12}"
            + "".join(f"{m:>9.3f}" for m in means)
            + f"{statistics.fmean(ratios):>12.3f}"
        )


def report_parts(
    table: dict[str, dict[str, dict[str, float]]], without: dict[str, dict[str, float]]
) -> None:
    """nDCG@10 with every part, then without each: a part whose row is above the first
    costs that collection more than it gives."""
    keys = list(table)
    print(f"\nnDCG@{K} without{'':<16}" + "".join(f"{k:>8}" for k in keys) + "    mean")
    rows = {"(all parts)": {k: table[k]["tacit"]["ndcg"] for k in keys}}
    rows |= {part: {k: without[k][part] for k in keys} for part in PARTS}
    for name, row in rows.items():
        values = [row[k] for k in keys]
        print(
            f"{name:<31}"
            + "".join(f"{v:>8.3f}" for v in values)
            + f"{statistics.fmean(values):>8.3f}"
        )


if __name__ == "__main__":
    main()
