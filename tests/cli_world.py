"""The world of the ``tacit`` client tests: a live server, two colleagues and two accounts,
and ``tacit`` run as a real process against it with no stray configuration."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from app.db.engine import Database
from app.db.models import Note
from tests.factories import (
    Person,
    make_account,
    make_user,
    post_note,
)

TACIT = Path(sys.executable).parent / "tacit"


@dataclass(frozen=True)
class World:
    url: str
    ada: Person
    bob: Person
    harbor: int
    coldwater: int
    tmp: Path

    def run(
        self,
        *args: str,
        login: bool = True,
        person: Person | None = None,
        stdin: str | int | None = None,
        **env: str,
    ) -> subprocess.CompletedProcess[str]:
        """``tacit ARGS`` as ``person`` (Ada by default; with ``--url``/``--token`` unless
        ``login`` is false), with no stray configuration and a local database it must not
        touch. ``stdin`` is text to pipe in or a file descriptor (a terminal)."""
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TACIT_") and k not in ("VISUAL", "EDITOR")
        }
        environ |= {
            "TACIT_CONFIG": str(self.tmp / "no-config.toml"),
            "TACIT_DATABASE_URL": f"sqlite:///{self.tmp / 'local.db'}",
            "TACIT_ENV": "test",
            "COLUMNS": "200",
        } | env
        auth = ["--url", self.url, "--token", (person or self.ada).token] if login else []
        feed: dict[str, Any] = (
            {"input": stdin}
            if isinstance(stdin, str)
            else {"stdin": subprocess.DEVNULL if stdin is None else stdin}
        )
        return subprocess.run(
            [str(TACIT), *args, *auth],
            env=environ,
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **feed,
        )

    def api(self, person: Person | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=(person or self.ada).headers, timeout=60)

    def post_note(
        self, body: str, *, account_id: int, author: Person | None = None, **fields: Any
    ) -> int:
        """A note written to the live server as ``author`` (Ada by default); its id."""
        with self.api(author) as api:
            return post_note(api, author or self.ada, account_id, body, **fields)

    def get_note(self, note_id: int) -> dict[str, Any]:
        with self.api() as api:
            response = api.get(f"/v1/notes/{note_id}")
        assert response.status_code == 200, response.text
        note: dict[str, Any] = response.json()
        return note


def make_world(live_url: str, db: Database, tmp_path: Path) -> World:
    ada = make_user(db, "Ada Reyes", team="east")
    bob = make_user(db, "Bob Stone", team="east")
    harbor = make_account(
        db, "Harbor Freightways", domains=["harbor.example"], aliases=["Harbor Freight"]
    )
    coldwater = make_account(db, "Coldwater College", domains=["coldwater.example"])
    return World(live_url, ada, bob, harbor, coldwater, tmp_path)


def note_count(db: Database) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Note)) or 0)


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code 1, one line naming the problem, no traceback."""
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def created_id(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    found = re.search(r"created note (\d+) at ", result.stdout)
    assert found, result.stdout
    return int(found.group(1))


def closed_port_url() -> str:
    """An address where nothing listens: the port was free a moment ago."""
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
