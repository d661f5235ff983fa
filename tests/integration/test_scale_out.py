"""The scale-out shape on PostgreSQL, as real processes: several `tacit serve` and several
`tacit worker` on one database, with no setting but the database's address and the process
counts (README, "Scaling out").

A note posted to one API process is searchable, by meaning too, from the other once a worker
has embedded it; every embedding job runs exactly once across the workers; and API processes
started with ``--reuse-port`` share one address, each answering part of the connections.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from app.db.engine import Database
from tests.factories import make_account, make_user

pytestmark = pytest.mark.db("postgres")

TACIT = str(Path(sys.executable).parent / "tacit")
BODIES = [
    f"Visit {n}: Deb Alvarez chairs the steering group and wants a pilot in the Denver yard; "
    f"Gus Coyle, the CFO, signs anything over ${25 + n}k himself."
    for n in range(12)
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


Start = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def start(db_url: str, tmp_path: Path) -> Iterator[Start]:
    """Starts a `tacit` command on the test's database; stops what it started."""
    started: list[subprocess.Popen[bytes]] = []
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    environ |= {
        "TACIT_DATABASE_URL": db_url,
        "TACIT_ENV": "test",
        "TACIT_WORKER_THREADS": "0",  # the API processes embed nothing: the workers do
        "TACIT_WEBHOOK_WORKERS": "0",
        "HF_HUB_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",  # four processes on a small machine
    }

    def run(name: str, *args: str) -> subprocess.Popen[bytes]:
        with (tmp_path / f"{name}.log").open("wb") as log:
            process = subprocess.Popen(
                [TACIT, *args], env=environ, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT
            )
        started.append(process)
        return process

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


def wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"{base} did not become ready:\n{log.read_text(errors='replace')}")


def test_notes_posted_to_either_api_process_are_found_from_both_and_embedded_once(
    db: Database, start: Start, tmp_path: Path
) -> None:
    rep = make_user(db, "Priya Raman")
    account = make_account(db, "Harbor Freightways")
    apis = {}
    for name in ("api-a", "api-b"):
        port = free_port()
        process = start(name, "serve", "--host", "127.0.0.1", "--port", str(port))
        apis[name] = (f"http://127.0.0.1:{port}", process)
    for name, (base, process) in apis.items():
        wait_ready(base, process, tmp_path / f"{name}.log")
    bases = [base for base, _ in apis.values()]

    note_ids = []
    for n, body in enumerate(BODIES):  # alternately to each process
        response = httpx.post(
            f"{bases[n % 2]}/v1/notes",
            json={"body": body, "account_id": account},
            headers=rep.headers,
            timeout=60,
        )
        assert response.status_code == 201, response.text
        note_ids.append(response.json()["id"])

    # Small batches, so that both workers take part while the queue lasts.
    workers = [start(name, "worker", "--batch", "2", "--threads", "1") for name in ("w1", "w2")]
    deadline = time.monotonic() + 300
    while True:
        states = [
            httpx.get(f"{base}/v1/status", headers=rep.headers, timeout=30).json() for base in bases
        ]
        if all(s["pending_jobs"] == 0 and s["embedded_notes"] == len(BODIES) for s in states):
            break
        assert all(w.poll() is None for w in workers), (tmp_path / "w1.log").read_text()
        assert time.monotonic() < deadline, f"not embedded in time: {states}"
        time.sleep(0.5)

    for worker in workers:
        worker.send_signal(signal.SIGINT)
        worker.wait(timeout=60)
    processed = [
        int(re.search(r"processed (\d+) job", (tmp_path / f"{n}.log").read_text())[1])  # type: ignore[index]
        for n in ("w1", "w2")
    ]
    assert sum(processed) == len(BODIES), processed  # each job claimed and finished once

    for note_id, body in zip(note_ids, BODIES, strict=True):
        for base in bases:
            response = httpx.post(
                f"{base}/v1/search",
                json={"q": body, "limit": len(BODIES)},
                headers=rep.headers,
                timeout=60,
            )
            assert response.status_code == 200, response.text
            found = {hit["note_id"]: hit["matched"] for hit in response.json()["hits"]}
            # Found by its vectors as well as its words: the worker's embedding reached both.
            assert found.get(note_id) == "both", (note_id, base, found)


def test_api_processes_share_one_address_with_reuse_port(
    db: Database, start: Start, tmp_path: Path
) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    processes = [
        start(name, "serve", "--host", "127.0.0.1", "--port", str(port), "--reuse-port")
        for name in ("api-a", "api-b")
    ]
    for name, process in zip(("api-a", "api-b"), processes, strict=True):
        wait_ready(base, process, tmp_path / f"{name}.log")
    time.sleep(2)  # the second may still be starting when the first answers
    for _ in range(60):  # each a new connection, which the kernel gives to either process
        assert httpx.get(f"{base}/livez", timeout=10).status_code == 200
    for name, process in zip(("api-a", "api-b"), processes, strict=True):
        assert process.poll() is None, (tmp_path / f"{name}.log").read_text()
        answered = sum(  # each process's own log line per request (app.http.telemetry)
            1
            for line in (tmp_path / f"{name}.log").read_text().splitlines()
            if line.startswith("{") and json.loads(line).get("route") == "/livez"
        )
        assert answered > 0, f"{name} answered none of the connections"
