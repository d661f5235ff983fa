"""Ingest at the hardware's limit: how long from an import until every note is searchable by
meaning, against plain ``SentenceTransformer.encode`` of the same notes' passages.

    .venv/bin/python scripts/ingest_bench.py ../shared/eval/crm-dev           # every backend
    .venv/bin/python scripts/ingest_bench.py DIR --backends onnx-int8 --rounds 5
    .venv/bin/python scripts/bench.py --ingest DIR                            # the same

Each figure comes from a process of its own (torch's threads are the process's, so a server
that sets one thread would slow the plain encode that follows it), the model loaded before the
clock starts, in rounds that alternate the order, so that a change in the machine's load hits
every contender; medians per contender and the median of each round's ratio are reported with
the load average. Measured:

- plain: ``SentenceTransformer(bundled weights).encode(passages, normalize_embeddings=True)``
  with torch's defaults (every core, batches of 32): the hardware's yardstick;
- end to end, per backend: ``tacit serve``'s app on a loopback port (its one in-server worker,
  default settings otherwise), the data set posted to ``POST /v1/imports`` as an admin, the
  clock stopped when no embedding job is left and every passage has a vector of the model;
- the worker alone, per backend: ``run_once`` until empty on an imported copy;
- the question's embedding, per backend: one short question at a time on one thread (as
  ``tacit serve`` embeds questions), p50 over the data set's queries.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

BACKENDS = ("torch", "onnx", "onnx-int8")
MODEL = "sentence-transformers/all-MiniLM-L6-v2"
FILES = ("users.jsonl", "accounts.jsonl", "contacts.jsonl", "notes.jsonl")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def passage_texts(directory: Path) -> list[str]:
    from app.search.passages import split_passages

    return [p for n in read_jsonl(directory / "notes.jsonl") for p in split_passages(n["body"])]


# --- one measurement, in its own process -----------------------------------------------------


def plain(directory: Path) -> dict[str, Any]:
    from sentence_transformers import SentenceTransformer

    from app.embedding.sentence_transformers import offline_if_local, resolve_model

    path = resolve_model(MODEL)
    offline_if_local(path)
    texts = passage_texts(directory)
    model = SentenceTransformer(path, device="cpu")
    model.encode(texts[:32], normalize_embeddings=True)
    started = time.perf_counter()
    model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    return {"seconds": time.perf_counter() - started, "passages": len(texts)}


def _fresh_database(url: str) -> str:
    """A migrated database with one admin; the admin's token."""
    from app.db.engine import Database
    from app.db.migrate import upgrade
    from app.domain.access import SYSTEM
    from app.domain.users import create_token, create_user
    from app.schemas.users import TokenCreate, UserCreate

    db = Database(url)
    upgrade(db.engine)
    with db.unit_of_work() as session:
        admin = create_user(
            session, SYSTEM, UserCreate(name="Bench Admin", email="bench@example.com", role="admin")
        )
        session.flush()
        token = create_token(session, SYSTEM, TokenCreate(user_id=admin.id))[1]
    db.dispose()
    return token


def end_to_end(directory: Path, backend: str) -> dict[str, Any]:
    import httpx
    from sqlalchemy import func, select

    from app.config import Settings
    from app.db.engine import Database
    from app.db.models import EmbeddingJob, Note, Passage
    from app.main import create_app
    from app.server import serve_in_thread
    from app.services import open_services

    with tempfile.TemporaryDirectory(prefix="tacit-ingest-") as tmp:
        url = f"sqlite:///{tmp}/ingest.db"
        token = _fresh_database(url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, env="test", database_url=url, embedding_backend=backend
        )
        services = open_services(settings)
        services.warm_up()  # the questions' model
        services.worker_embedder.embed(["warm up"])  # the worker's (the same one on torch)
        db = Database(url)
        try:
            with (
                serve_in_thread(create_app(settings, services=services)) as base,
                httpx.Client(base_url=base, timeout=600) as http,
            ):
                headers = {"Authorization": f"Bearer {token}"}
                files = [
                    ("files", (name, (directory / name).read_bytes(), "application/x-ndjson"))
                    for name in FILES
                ]
                started = time.perf_counter()
                response = http.post("/v1/imports", files=files, headers=headers)
                imported = time.perf_counter() - started
                response.raise_for_status()
                rates: list[float] = []
                while True:
                    with db.session(write=False) as session:
                        left = session.scalar(select(func.count()).select_from(EmbeddingJob))
                    if not left:
                        break
                    status = http.get("/v1/status", headers=headers).json()
                    if status.get("notes_per_second"):
                        rates.append(status["notes_per_second"])
                    time.sleep(0.02)
                took = time.perf_counter() - started
                final = http.get("/v1/status", headers=headers).json()
            with db.session(write=False) as session:
                notes = session.scalar(select(func.count()).select_from(Note)) or 0
                missing = session.scalar(
                    select(func.count()).where(
                        (Passage.embedding.is_(None)) | (Passage.model != services.embedder.name)
                    )
                )
        finally:
            db.dispose()
            services.close()
    return {
        "seconds": took,
        "import_seconds": imported,
        "notes": notes,
        "passages_missing_vectors": missing,
        "status_rate_median": statistics.median(rates) if rates else None,
        "final_status": final,
    }


def worker_alone(directory: Path, backend: str) -> dict[str, Any]:
    from app.config import Settings
    from app.db.engine import Database
    from app.db.migrate import upgrade
    from app.domain.access import SYSTEM
    from app.domain.transfer.dataset_import import import_dataset
    from app.services import open_services
    from app.worker.embedding import run_once

    with tempfile.TemporaryDirectory(prefix="tacit-worker-") as tmp:
        url = f"sqlite:///{tmp}/worker.db"
        db = Database(url)
        upgrade(db.engine)
        with db.unit_of_work() as session:
            notes = import_dataset(session, directory, actor=SYSTEM).created["notes"]
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, env="test", database_url=url, embedding_backend=backend
        )
        services = open_services(settings)
        embedder = services.worker_embedder
        services.warm_up()
        embedder.embed(["warm up"])
        started = time.perf_counter()
        while run_once(db, embedder):
            pass
        took = time.perf_counter() - started
        services.close()
        db.dispose()
    return {"seconds": took, "notes": notes}


def query_latency(directory: Path, backend: str) -> dict[str, Any]:
    from app.embedding import get_embedder

    questions = [q["text"] for q in read_jsonl(directory / "queries.jsonl")]
    embedder = get_embedder(MODEL, 1, backend)  # type: ignore[arg-type]
    for text in questions[:10]:
        embedder.embed([text])
    times = []
    for text in questions:
        started = time.perf_counter()
        embedder.embed([text])
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": statistics.median(times), "n": len(times)}


ONE = {
    "plain": lambda d, b: plain(d),
    "e2e": end_to_end,
    "worker": worker_alone,
    "query": query_latency,
}


# --- the run ----------------------------------------------------------------------------------


def measure(kind: str, directory: Path, backend: str = "") -> dict[str, Any]:
    """One measurement in a child process; its figures."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(Path(__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, __file__, "--one", kind, "--backend", backend or "torch", str(directory)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode:
        raise RuntimeError(f"{kind} {backend} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(
    directory: Path, *, backends: list[str], rounds: int, worker: bool = True
) -> dict[str, Any]:
    notes = len(read_jsonl(directory / "notes.jsonl"))
    load = [os.getloadavg()[0]]
    print(f"{notes} notes from {directory}; {os.cpu_count()} CPUs, load average {load[0]:.2f}")
    contenders = ["plain"] + [f"e2e:{b}" for b in backends]
    if worker:
        contenders += [f"worker:{b}" for b in backends]
    seconds: dict[str, list[float]] = {c: [] for c in contenders}
    ratios: dict[str, list[float]] = {b: [] for b in backends}
    extra: dict[str, Any] = {}
    for r in range(rounds):
        order = contenders if r % 2 == 0 else contenders[::-1]
        for contender in order:
            kind, _, backend = contender.partition(":")
            result = measure(kind, directory, backend)
            seconds[contender].append(result["seconds"])
            extra[contender] = result
            print(f"  {contender}: {result['seconds']:.2f} s", flush=True)
            if kind == "e2e" and result["passages_missing_vectors"]:
                print(f"  {contender}: {result['passages_missing_vectors']} passages unembedded!")
        for b in backends:
            ratios[b].append(seconds["plain"][-1] / seconds[f"e2e:{b}"][-1])
        load.append(os.getloadavg()[0])
        print(
            f"round {r + 1}: "
            + ", ".join(f"{c} {seconds[c][-1]:.2f} s" for c in contenders)
            + f"; load {load[-1]:.2f}"
        )
    queries = {b: measure("query", directory, b)["p50_ms"] for b in backends}
    figures = {
        "notes": notes,
        "rounds": rounds,
        "load_avg": load,
        "cpus": os.cpu_count(),
        "median_seconds": {c: statistics.median(s) for c in seconds for s in [seconds[c]]},
        "notes_per_s": {c: notes / statistics.median(s) for c, s in seconds.items()},
        "e2e_speedup_over_plain": {b: statistics.median(r) for b, r in ratios.items()},
        "query_p50_ms": queries,
        "status_rate_median": {
            b: extra[f"e2e:{b}"]["status_rate_median"] for b in backends if f"e2e:{b}" in extra
        },
    }
    report(figures)
    return figures


def report(f: dict[str, Any]) -> None:
    print(f"\n== ingest: {f['notes']} notes, median of {f['rounds']} rounds ==")
    print(f"{'':<18}{'seconds':>9}{'notes/s':>9}{'vs plain':>10}")
    plain_s = f["median_seconds"]["plain"]
    for c, s in f["median_seconds"].items():
        label = {"plain": "plain torch encode"}.get(c, c.replace("e2e:", "import->searchable "))
        print(f"{label:<18}{s:>9.2f}{f['notes_per_s'][c]:>9.1f}{plain_s / s:>9.2f}x")
    for b, ratio in f["e2e_speedup_over_plain"].items():
        print(
            f"import -> every note searchable, {b}: {ratio:.2f}x plain encode (median of rounds); "
            f"question embedding p50 {f['query_p50_ms'][b]:.1f} ms; "
            f"/v1/status rate {f['status_rate_median'].get(b) or 0:.0f} notes/s"
        )
    loads = ", ".join(f"{x:.2f}" for x in f["load_avg"])
    print(f"load average (1 min) before and after each round: {loads} on {f['cpus']} CPUs")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("directory", type=Path, help="a data set (users/accounts/...jsonl)")
    parser.add_argument("--backends", nargs="+", default=list(BACKENDS), choices=BACKENDS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-worker", action="store_true", help="skip the worker-alone runs")
    parser.add_argument("--json", type=Path, help="save the figures here")
    parser.add_argument("--one", choices=sorted(ONE), help=argparse.SUPPRESS)
    parser.add_argument("--backend", default="torch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(ONE[args.one](args.directory, args.backend), default=str))
        return
    figures = run(
        args.directory, backends=args.backends, rounds=args.rounds, worker=not args.no_worker
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1, default=str))


if __name__ == "__main__":
    main()
