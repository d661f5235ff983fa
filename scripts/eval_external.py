"""Tacit's search beside plain baselines, on public test collections with human judgments.

    PYTHONPATH=$PWD .venv/bin/python scripts/eval_external.py --data DIR
    PYTHONPATH=$PWD .venv/bin/python scripts/eval_external.py --data DIR --collections med,cisi

``DIR`` holds the University of Glasgow IR group's distribution files of the classic
collections, unchanged: ``med.tar.gz``, ``cisi.tar.gz``, ``cran.tar.gz``, ``adi.tar.gz`` (the
README's "Search on public collections" says where they come from; their SHA-256 are checked).

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
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import math
import random
import re
import sqlite3
import statistics
import sys
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.config import Settings
from app.db.base import utcnow
from app.embedding.sentence_transformers import SentenceTransformerEmbedder
from app.main import create_app
from app.schemas.search import MAX_RESULTS
from app.server import serve_in_thread

_spec = importlib.util.spec_from_file_location("search_eval", Path(__file__).with_name("eval.py"))
assert _spec and _spec.loader
search_eval: Any = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(search_eval)

K, DEPTH, RRF_K, SEED = 10, 100, 60, 20261205
MAX_QUERY_CHARS = 1000  # the API's limit on a question
SPAN_DAYS = 730


@dataclass(frozen=True)
class Source:
    """Where a collection's files are in its distribution archive, and how judgments read."""

    archive: str
    sha256: str
    documents: str
    queries: str
    judgments: str
    # Column of the query id and of the document id in a judgment line.
    columns: tuple[int, int]
    name: str
    # Cranfield numbers its queries 001, 002, 004 ... while its judgments number them 1..225
    # in order: judgments name a query by its position.
    by_position: bool = False


SOURCES = {
    "med": Source(
        "med.tar.gz",
        "07478afc5370ba3dfa66c8c1994ea56a2341cea8584af619a63eb51c31f26f1e",
        "MED.ALL",
        "MED.QRY",
        "MED.REL",
        (0, 2),
        "MEDLINE abstracts",
    ),
    "cisi": Source(
        "cisi.tar.gz",
        "bddb284e19369d153dad90770ae897e19221b0bc50e1329b5a702aa56f5e8483",
        "CISI.ALL",
        "CISI.QRY",
        "CISI.REL",
        (0, 1),
        "CISI library science abstracts",
    ),
    "cran": Source(
        "cran.tar.gz",
        "8c48a8412e4a7e6e0dd5af99c959f8d75fdf88135602adc1a56aa22770652d64",
        "cran.all.1400",
        "cran.qry",
        "cranqrel",
        (0, 1),
        "Cranfield aeronautics abstracts",
        by_position=True,
    ),
    "adi": Source(
        "adi.tar.gz",
        "68c1867824cbad9e28ce498fafa644d5ac1a7a8a41cde0bffaf402095bbc7aa6",
        "ADI.ALL",
        "ADI.QRY",
        "ADI.REL",
        (0, 1),
        "ADI documentation abstracts",
    ),
}


@dataclass
class Collection:
    key: str
    name: str
    documents: dict[str, str]  # id -> text (title, blank line, abstract)
    queries: dict[str, str]  # id -> text, only the judged ones
    relevant: dict[str, set[str]]  # query id -> relevant document ids
    truncated: int = 0


@dataclass
class Run:
    rankings: dict[str, list[str]] = field(default_factory=dict)  # query id -> doc ids


# -- reading the collections -------------------------------------------------------------


def _fields(text: str) -> Iterator[tuple[str, dict[str, str]]]:
    """SMART-format records: ``.I id`` then fields ``.T``, ``.A``, ``.W``, ... each to the next."""
    for record in re.split(r"^\.I[ \t]+", text, flags=re.M)[1:]:
        head, _, body = record.partition("\n")
        parts = re.split(r"^\.([A-Z])[ \t]*$", body, flags=re.M)
        fields: dict[str, str] = {}
        for tag, value in zip(parts[1::2], parts[2::2], strict=True):
            fields[tag] = (fields.get(tag, "") + " " + " ".join(value.split())).strip()
        yield head.strip(), fields


def _title_and_text(fields: dict[str, str]) -> str:
    title, text = fields.get("T", ""), fields.get("W", "")
    if title and not text.lower().startswith(title.lower()[:40]):
        return f"{title}\n\n{text}".strip()
    return text or title


def read_collection(data: Path, key: str, max_docs: int | None) -> Collection:
    source = SOURCES[key]
    archive = data / source.archive
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    if digest != source.sha256:
        print(f"warning: {archive} differs from the copy measured here (sha256 {digest})")
    with tarfile.open(archive) as tar:

        def member(name: str) -> str:
            found = tar.extractfile(name)
            assert found is not None, f"{name} missing from {archive}"
            return found.read().decode("latin-1").replace("\r", "")

        documents = {
            doc_id: body
            for doc_id, fields in _fields(member(source.documents))
            if (body := _title_and_text(fields))
        }
        asked = list(_fields(member(source.queries)))
        relevant: dict[str, set[str]] = {}
        for line in member(source.judgments).splitlines():
            cells = line.split()
            if len(cells) < 3 or cells[-1] == "-1":  # Cranfield's -1: of no interest
                continue
            query, doc = (cells[i] for i in source.columns)
            relevant.setdefault(str(int(query)), set()).add(str(int(doc)))
    queries: dict[str, str] = {}
    truncated = 0
    for position, (query_id, fields) in enumerate(asked, start=1):
        key_id = str(position) if source.by_position else str(int(query_id))
        if key_id not in relevant:
            continue
        text = _title_and_text(fields).replace("\n\n", " ")
        if len(text) > MAX_QUERY_CHARS:
            text, truncated = text[: text.rfind(" ", 0, MAX_QUERY_CHARS)], truncated + 1
        queries[key_id] = text
    relevant = {q: docs for q, docs in relevant.items() if q in queries}
    if max_docs is not None and len(documents) > max_docs:
        documents = _subsample(documents, relevant, max_docs)
    return Collection(key, source.name, documents, queries, relevant, truncated)


def _subsample(
    documents: dict[str, str], relevant: dict[str, set[str]], max_docs: int
) -> dict[str, str]:
    """Every judged document, and a fixed-seed sample of the others up to ``max_docs``."""
    judged = {d for docs in relevant.values() for d in docs if d in documents}
    others = sorted(set(documents) - judged, key=int)
    random.Random(SEED).shuffle(others)
    kept = judged | set(others[: max(0, max_docs - len(judged))])
    return {d: t for d, t in documents.items() if d in kept}


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


def tacit_run(collection: Collection, workdir: Path, model: str) -> tuple[Run, dict[str, float]]:
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
    run = Run()
    headers = {"Authorization": f"Bearer {token}"}
    with (
        serve_in_thread(create_app(settings)) as base,
        httpx.Client(base_url=base, timeout=120) as http,
    ):
        timings["embed_wait_s"] = search_eval.wait_until_embedded(http, [token])
        latencies = []
        for query_id, text in collection.queries.items():
            started = time.perf_counter()
            response = http.post("/v1/search", json={"q": text, "limit": DEPTH}, headers=headers)
            latencies.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
            prefix = f"{collection.key}-"
            run.rankings[query_id] = [
                hit["external_id"].removeprefix(prefix) for hit in response.json()["hits"]
            ]
    latencies.sort()
    timings["p50_ms"] = latencies[len(latencies) // 2]
    return run, timings


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
    args = parser.parse_args()
    assert DEPTH <= MAX_RESULTS, "the API must return as many hits as recall is counted over"

    names = [n.strip() for n in args.collections.split(",") if n.strip()]
    embedder = SentenceTransformerEmbedder(args.model)
    systems = ("tacit", "bm25", "dense", "rrf")
    table: dict[str, dict[str, dict[str, float]]] = {}
    per_query: dict[str, Any] = {}
    with ExitStack() as stack:
        workdir = args.keep or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        for key in names:
            collection = read_collection(args.data, key, args.max_docs)
            bm25 = bm25_run(collection)
            dense = dense_run(collection, embedder, workdir / f"{key}-documents.npy")
            tacit, timings = tacit_run(collection, workdir, args.model)
            runs = {"tacit": tacit, "bm25": bm25, "dense": dense, "rrf": rrf_run(bm25, dense)}
            measured = {name: scores(run, collection) for name, run in runs.items()}
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


if __name__ == "__main__":
    main()
