"""`tacit serve`, the command `make run` starts, as a real process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy import text

from app.db.engine import make_engine

TACIT = str(Path(sys.executable).parent / "tacit")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def env(database_url: str) -> dict[str, str]:
    return {**os.environ, "TACIT_DATABASE_URL": database_url, "TACIT_ENV": "dev"}


def test_serve_migrates_a_new_sqlite_file_and_answers(tmp_path: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [TACIT, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env(f"sqlite:///{tmp_path}/new/tacit.db"),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                time.sleep(0.2)
        else:
            raise AssertionError("tacit serve did not answer within 60 s")
        assert ready.json() == {"status": "ready", "database": "sqlite"}
        assert httpx.get(f"http://127.0.0.1:{port}/v1/notes").status_code == 401
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in output and "sqlite" in output


def test_serve_refuses_an_unmigrated_postgres(pg_server: str) -> None:
    admin = make_engine(pg_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS unmigrated"))
        conn.execute(text("CREATE DATABASE unmigrated"))
    admin.dispose()
    url = pg_server.replace("/postgres?", "/unmigrated?")
    result = subprocess.run(
        [TACIT, "serve", "--port", str(free_port())],
        env=env(url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "tacit migrate" in result.stderr and "Traceback" not in result.stderr
    migrated = subprocess.run(
        [TACIT, "migrate"], env=env(url), capture_output=True, text=True, timeout=60
    )
    assert migrated.returncode == 0 and "schema up to date" in migrated.stdout
