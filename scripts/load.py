"""Load test: many concurrent clients against a real server, on loopback, bounded in time.

    .venv/bin/python scripts/load.py ../shared/eval/crm-dev                 # SQLite
    .venv/bin/python scripts/load.py ../shared/eval/crm-dev --pgserver      # PostgreSQL
    .venv/bin/python scripts/load.py ../shared/eval/crm-dev --clients 1,10 --people 0
    .venv/bin/python scripts/load.py ../shared/eval/crm-dev --clients 16 --people 0 \
        --mix create=1                                   # writes alone, the worker embedding
    .venv/bin/python scripts/load.py ../shared/eval/crm-dev --pgserver --shapes 1x1,2x2

Loads the data set into a fresh database (as scripts/eval.py does), starts `tacit serve` in a
process of its own (so the clients do not share its interpreter) and waits until every note is
embedded. Each client loops on a mix of 70% search (the data set's questions, as their askers),
20% note creation (with an Idempotency-Key) and 10% account briefs. Two phases:

- capacity: for each number in --clients, that many clients ask with no pause, each again as
  soon as it is answered, for --seconds: the throughput curve (at saturation a closed loop's
  latency is clients / throughput);
- people: --people clients that pause --think MIN,MAX seconds (drawn at random) between
  requests, as people at work do, for --people-seconds (default 50 for 120 s, pauses of 1-3 s).

--mix changes the shares (``create=1``: only new notes, which keeps the embedding worker busy
the whole time). --shapes runs the phases once per shape ``AxW``: A `tacit serve` processes
sharing one port (``--reuse-port``) and W `tacit worker` processes, the API processes then
embedding nothing (W = 0: one API process with its in-server worker, the default shape).

Prints, per level, requests per second, failures (any status >= 500, or no answer within
--timeout), p50/p95/p99 latency per kind of request, and how many notes the workers embedded
per second meanwhile (with the embedding queue left at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval import database_url, load, read_jsonl, wait_until_embedded

from app.db.engine import make_engine

MIX = {"search": 0.7, "create": 0.2, "brief": 0.1}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_tacit(
    url: str, args: list[str], synchronous: str, log: Path, **settings: str
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TACIT_DATABASE_URL": url,
        "TACIT_ENV": "test",
        "TACIT_SQLITE_SYNCHRONOUS": synchronous,
        "HF_HUB_OFFLINE": "1",
        **settings,
    }
    tacit = Path(sys.executable).with_name("tacit")
    return subprocess.Popen(
        [str(tacit), *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),  # a pipe nobody reads would stall the server once full
    )


def start_shape(
    url: str, port: int, shape: tuple[int, int], synchronous: str, logs: Path
) -> list[subprocess.Popen[bytes]]:
    """``apis`` `tacit serve` on one port and ``workers`` `tacit worker` processes."""
    apis, workers = shape
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    if apis > 1:
        serve.append("--reuse-port")
    # With workers of their own, API processes embed nothing; each worker one torch thread,
    # so that W of them share the cores as W threads would.
    embedding = {"TACIT_WORKER_THREADS": "0"} if workers else {}
    started = [
        start_tacit(url, serve, synchronous, logs / f"api{i}.log", **embedding) for i in range(apis)
    ]
    started += [
        start_tacit(url, ["worker", "--threads", "1"], synchronous, logs / f"worker{i}.log")
        for i in range(workers)
    ]
    return started


def stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.send_signal(signal.SIGINT)
    for process in processes:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


class Queue:
    """The embedding queue and the embedded notes, counted in the database."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)

    def counts(self) -> tuple[int, int]:
        with self.engine.connect() as conn:
            jobs = conn.execute(text("SELECT count(*) FROM embedding_jobs")).scalar_one()
            embedded = conn.execute(
                text("SELECT count(DISTINCT note_id) FROM passages WHERE embedding IS NOT NULL")
            ).scalar_one()
        return int(jobs), int(embedded)


def wait_ready(base: str, server: subprocess.Popen[bytes], log: Path, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the server did not become ready")


class Workload:
    """What the clients ask: the data set's questions, its accounts, made-up notes."""

    def __init__(
        self,
        directory: Path,
        tokens: dict[str, str],
        accounts: dict[str, int],
        mix: dict[str, float],
    ) -> None:
        self.mix = mix
        self.queries = read_jsonl(directory / "queries.jsonl")
        self.notes = [n["body"] for n in read_jsonl(directory / "notes.jsonl")]
        self.tokens = tokens
        self.accounts = accounts
        self.account_ids = sorted(accounts.values())

    def request(self, rng: random.Random, serial: int) -> tuple[str, str, str, dict[str, Any]]:
        kind = rng.choices(list(self.mix), list(self.mix.values()))[0]
        if kind == "search":
            query = rng.choice(self.queries)
            body: dict[str, Any] = {"q": query["text"], "limit": 10}
            if query.get("account_id"):
                body["account_id"] = self.accounts[query["account_id"]]
            return kind, self.tokens[query["asker_id"]], "/v1/search", body
        token = rng.choice(list(self.tokens.values()))
        account = rng.choice(self.account_ids)
        if kind == "create":
            text = f"Load test {serial}: {rng.choice(self.notes)[:400]}"
            return kind, token, "/v1/notes", {"body": text, "account_id": account}
        return kind, token, f"/v1/accounts/{account}/brief", {}


async def client(
    http: httpx.AsyncClient,
    workload: Workload,
    seed: int,
    until: float,
    think: tuple[float, float],
    results: list[tuple[str, float, int]],
    errors: dict[str, int],
) -> None:
    rng = random.Random(seed)
    serial = 0
    if think[1]:  # people do not all start at the same instant
        await asyncio.sleep(rng.uniform(0, think[1]))
    while time.monotonic() < until:
        serial += 1
        kind, token, path, body = workload.request(rng, seed * 1_000_000 + serial)
        headers = {"Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        try:
            if kind == "brief":
                response = await http.get(path, headers=headers)
            else:
                if kind == "create":
                    headers["Idempotency-Key"] = f"load-{seed}-{serial}"
                response = await http.post(path, json=body, headers=headers)
            status = response.status_code
        except httpx.HTTPError as exc:
            status = 0  # no answer in time, or the connection dropped
            errors[type(exc).__name__] += 1
        results.append((kind, (time.perf_counter() - started) * 1000, status))
        if think[1]:
            await asyncio.sleep(rng.uniform(*think))


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]  # type: ignore[index]


async def run_level(
    base: str,
    workload: Workload,
    clients: int,
    *,
    seconds: float,
    timeout: float,
    think: tuple[float, float],
    seed: int,
) -> dict[str, Any]:
    results: list[tuple[str, float, int]] = []
    errors: dict[str, int] = defaultdict(int)
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits) as http:
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(
            *(
                client(http, workload, seed + i, until, think, results, errors)
                for i in range(clients)
            )
        )
        elapsed = time.monotonic() - started
    by_kind: dict[str, list[float]] = defaultdict(list)
    statuses: dict[int, int] = defaultdict(int)
    for kind, ms, status in results:
        statuses[status] += 1
        if 0 < status < 500:
            by_kind[kind].append(ms)
    failures = sum(n for status, n in statuses.items() if status == 0 or status >= 500)
    return {
        "clients": clients,
        "think": think,
        "seconds": round(elapsed, 1),
        "requests": len(results),
        "rps": round(len(results) / elapsed, 1),
        "failures": failures,
        "failure_pct": round(100 * failures / max(1, len(results)), 2),
        "statuses": dict(sorted(statuses.items())),
        "errors": dict(errors),
        "latency_ms": {
            kind: {
                "n": len(ms),
                "p50": round(percentile(ms, 50), 1),
                "p95": round(percentile(ms, 95), 1),
                "p99": round(percentile(ms, 99), 1),
            }
            for kind, ms in sorted(by_kind.items())
        },
    }


def print_level(row: dict[str, Any]) -> None:
    kinds = "  ".join(
        f"{kind} p50/p95/p99 {v['p50']:.0f}/{v['p95']:.0f}/{v['p99']:.0f}"
        for kind, v in row["latency_ms"].items()
    )
    who = "people (pauses {}-{} s)".format(*row["think"]) if row["think"][1] else "clients"
    print(
        f"[{row['shape']}] {row['clients']:>3} {who} {row['seconds']:>5.0f}s "
        f"{row['requests']:>6} req {row['rps']:>6.1f}/s  failures {row['failure_pct']:.2f}% "
        f"{row['statuses']} {row['errors'] or ''}\n    {kinds}\n    embedded "
        f"{row['embedded_per_s']} notes/s, queue {row['queue_at_start']} -> "
        f"{row['queue_at_end']}, load average {row['load_avg']}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--database-url", help="an empty database to use (default: temporary)")
    parser.add_argument("--pgserver", action="store_true", help="use a throwaway PostgreSQL")
    parser.add_argument("--clients", default="1,5,10,20,35,50", help="levels, comma-separated")
    parser.add_argument("--seconds", type=float, default=20, help="per capacity level")
    parser.add_argument("--people", type=int, default=50, help="clients that pause (0: none)")
    parser.add_argument("--people-seconds", type=float, default=120)
    parser.add_argument("--timeout", type=float, default=60, help="a request's limit, seconds")
    parser.add_argument("--think", default="1,3", help="MIN,MAX seconds people pause")
    parser.add_argument("--synchronous", choices=["FULL", "NORMAL"], default="FULL")
    parser.add_argument("--mix", help="shares of each kind, e.g. create=1 (default 70/20/10)")
    parser.add_argument(
        "--shapes", default="1x0", help="AxW,...: A API processes, W worker processes"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    phases = [(int(n), args.seconds, (0.0, 0.0)) for n in args.clients.split(",") if n]
    if args.people:
        phases.append((args.people, args.people_seconds, (low, high)))

    mix = {**dict.fromkeys(MIX, 0.0), **parse_mix(args.mix)} if args.mix else MIX
    shapes = [tuple(int(n) for n in shape.split("x")) for shape in args.shapes.split(",")]
    rows = []
    with database_url(args) as url:
        tokens, accounts, _ = load(url, args.directory)
        queue = Queue(url)
        workload = Workload(args.directory, tokens, accounts, mix)
        kind = "postgresql" if "postgresql" in url else "sqlite"
        for number, (apis, workers) in enumerate(shapes):
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            logs = Path(tempfile.mkdtemp(prefix=f"tacit-load-{apis}x{workers}-"))
            processes = start_shape(url, port, (apis, workers), args.synchronous, logs)
            try:
                wait_ready(base, processes[0], logs / "api0.log")
                time.sleep(2 if apis > 1 else 0)  # the other API processes, still starting
                with httpx.Client(base_url=base, timeout=60) as http:
                    embed_s = wait_until_embedded(http, list(tokens.values()))
                print(f"database: {kind}, synchronous={args.synchronous}, {apis} API "
                      f"process(es), {workers or 'in-server'} worker(s), mix {mix}, embedded "
                      f"in {embed_s:.0f}s, logs: {logs}", flush=True)  # fmt: skip
                for phase, (clients, seconds, think) in enumerate(phases):
                    # Each client's seed is its own, so no two share an Idempotency-Key.
                    seed = 1000 * (phase + 1) + 100_000 * number
                    jobs, embedded = queue.counts()
                    row = asyncio.run(
                        run_level(
                            base,
                            workload,
                            clients,
                            seconds=seconds,
                            timeout=args.timeout,
                            think=think,
                            seed=seed,
                        )
                    )
                    jobs_after, embedded_after = queue.counts()
                    row |= {
                        "shape": f"{apis}x{workers}",
                        "load_avg": round(os.getloadavg()[0], 2),
                        "embedded_per_s": round((embedded_after - embedded) / row["seconds"], 1),
                        "queue_at_end": jobs_after,
                        "queue_at_start": jobs,
                    }
                    print_level(row)
                    rows.append(row)
            finally:
                stop(processes)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def parse_mix(text: str) -> dict[str, float]:
    """``create=1`` or ``search=0.5,create=0.5``: the shares of each kind of request."""
    mix = {}
    for part in text.split(","):
        kind, _, share = part.partition("=")
        if kind not in MIX:
            raise SystemExit(f"--mix: {kind!r} is not one of {', '.join(MIX)}")
        mix[kind] = float(share)
    return mix


if __name__ == "__main__":
    main()
