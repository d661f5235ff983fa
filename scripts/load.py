"""Load test: many concurrent clients against a real server, on loopback, bounded in time.

    .venv/bin/python scripts/load.py ../shared/eval/crm-dev                 # SQLite
    .venv/bin/python scripts/load.py ../shared/eval/crm-dev --pgserver      # PostgreSQL
    .venv/bin/python scripts/load.py ../shared/eval/crm-dev --clients 1,10 --people 0

Loads the data set into a fresh database (as scripts/eval.py does), starts `tacit serve` in a
process of its own (so the clients do not share its interpreter) and waits until every note is
embedded. Each client loops on a mix of 70% search (the data set's questions, as their askers),
20% note creation (with an Idempotency-Key) and 10% account briefs. Two phases:

- capacity: for each number in --clients, that many clients ask with no pause, each again as
  soon as it is answered, for --seconds: the throughput curve (at saturation a closed loop's
  latency is clients / throughput);
- people: --people clients that pause --think MIN,MAX seconds (drawn at random) between
  requests, as people at work do, for --people-seconds (default 50 for 120 s, pauses of 1-3 s).

Prints, per level, requests per second, failures (any status >= 500, or no answer within
--timeout) and p50/p95/p99 latency per kind of request.
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

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval import database_url, load, read_jsonl, wait_until_embedded

MIX = (("search", 0.7), ("create", 0.2), ("brief", 0.1))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(url: str, port: int, synchronous: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TACIT_DATABASE_URL": url,
        "TACIT_ENV": "test",
        "TACIT_SQLITE_SYNCHRONOUS": synchronous,
        "HF_HUB_OFFLINE": "1",
    }
    tacit = Path(sys.executable).with_name("tacit")
    return subprocess.Popen(
        [str(tacit), "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),  # a pipe nobody reads would stall the server once full
    )


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

    def __init__(self, directory: Path, tokens: dict[str, str], accounts: dict[str, int]) -> None:
        self.queries = read_jsonl(directory / "queries.jsonl")
        self.notes = [n["body"] for n in read_jsonl(directory / "notes.jsonl")]
        self.tokens = tokens
        self.accounts = accounts
        self.account_ids = sorted(accounts.values())

    def request(self, rng: random.Random, serial: int) -> tuple[str, str, str, dict[str, Any]]:
        kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
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
        f"{row['clients']:>3} {who} {row['seconds']:>5.0f}s {row['requests']:>6} req "
        f"{row['rps']:>6.1f}/s  failures {row['failure_pct']:.2f}% {row['statuses']} "
        f"{row['errors'] or ''}\n    {kinds}",
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
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    low, high = (float(x) for x in args.think.split(","))
    phases = [(int(n), args.seconds, (0.0, 0.0)) for n in args.clients.split(",") if n]
    if args.people:
        phases.append((args.people, args.people_seconds, (low, high)))

    with database_url(args) as url:
        tokens, accounts, _ = load(url, args.directory)
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tempfile.gettempdir()) / f"tacit-load-{port}.log"
        server = start_server(url, port, args.synchronous, log)
        try:
            wait_ready(base, server, log)
            with httpx.Client(base_url=base, timeout=60) as http:
                embed_s = wait_until_embedded(http, list(tokens.values()))
            kind = "postgresql" if "postgresql" in url else "sqlite"
            print(f"database: {kind}, synchronous={args.synchronous}, embedded in "
                  f"{embed_s:.0f}s, server log: {log}", flush=True)  # fmt: skip
            workload = Workload(args.directory, tokens, accounts)
            rows = []
            for phase, (clients, seconds, think) in enumerate(phases):
                # Each client's seed is its own, so no two share an Idempotency-Key.
                seed = 1000 * (phase + 1)
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
                print_level(row)
                rows.append(row)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
