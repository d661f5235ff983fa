"""``pip install tacit`` is the command-line client alone: the project's wheel, installed
without extras into a fresh virtual environment, has no torch or FastAPI, and its ``tacit``
writes and finds notes on a live server.

pip fetches the client's dependencies (httpx, typer, rich) from the configured indexes, PyPI
included. When they cannot be reached the test is skipped, saying so, except in CI (``CI``
set), where that is a failure.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration import test_cli_client
from tests.integration.test_cli_client import World

world = test_cli_client.world  # the live server and its people, as the client tests have them

ROOT = Path(__file__).resolve().parents[2]
# What a wheel is built from; copied, so that the build leaves nothing in the checkout.
SOURCES = ("pyproject.toml", "README.md", "alembic.ini", "app", "migrations")
# What the server extra brings, by import name: none of it may come with the client.
SERVER_MODULES = (
    "torch", "fastapi", "sqlalchemy", "alembic", "uvicorn", "sentence_transformers", "numpy",
    "pydantic_settings", "psycopg", "mcp",
)  # fmt: skip
# pip's words when an index cannot be reached, or does not have what was asked for.
UNREACHABLE = (
    "No matching distribution found",
    "Could not find a version that satisfies",
    "NewConnectionError",
    "Max retries exceeded",
    "Temporary failure in name resolution",
    "Network is unreachable",
)


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def pip_succeeded(result: subprocess.CompletedProcess[str], what: str) -> None:
    """Go on if pip did ``what``; skip (fail in CI) if an index was out of reach; else fail."""
    if result.returncode == 0:
        return
    output = result.stdout + result.stderr
    if any(words in output for words in UNREACHABLE):
        reason = f"{what}: a package index cannot be reached ({output.strip().splitlines()[-1]})"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    pytest.fail(f"{what} failed:\n{output}")


def clean_environment(home: Path) -> dict[str, str]:
    """No path to the checkout, no active virtual environment, no Tacit settings."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TACIT_") and k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    return environ | {"TACIT_CONFIG": str(home / "config.toml"), "COLUMNS": "100"}


@pytest.fixture
def client_venv(tmp_path: Path) -> Path:
    """A fresh virtual environment with the project's wheel installed without extras; its
    ``bin`` directory."""
    source = tmp_path / "source"
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():
            ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
            shutil.copytree(ROOT / name, source / name, ignore=ignore)
        else:
            shutil.copy2(ROOT / name, source / name)
    dist = tmp_path / "dist"
    built = run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", dist, source)
    pip_succeeded(built, "building the wheel")
    (wheel,) = dist.glob("tacit-*.whl")

    venv = tmp_path / "venv"
    made = run(sys.executable, "-m", "venv", venv)
    assert made.returncode == 0, made.stderr
    env = clean_environment(tmp_path)
    pip_succeeded(run(venv / "bin" / "python", "-m", "pip", "install", wheel, env=env), "pip")
    return venv / "bin"


@pytest.mark.db("sqlite")  # about the install, not the database
def test_the_client_only_install_writes_and_searches_notes(
    client_venv: Path, world: World, tmp_path: Path
) -> None:
    env = clean_environment(tmp_path)
    probe = "import importlib.util as u, json; print(json.dumps([m for m in %r if u.find_spec(m)]))"

    present = run(client_venv / "python", "-c", probe % (SERVER_MODULES,), env=env)
    auth = ("--url", world.url, "--token", world.ada.token)
    written = run(
        client_venv / "tacit", "note", "Meg (CFO) signs off on the depot renewal",
        "--account", "harbor.example", *auth, env=env,
    )  # fmt: skip
    found = run(client_venv / "tacit", "search", "depot renewal", "--json", *auth, env=env)
    refused = run(client_venv / "tacit", "users", "list", env=env)

    assert present.returncode == 0, present.stderr
    assert json.loads(present.stdout) == []  # no torch, no FastAPI, no server at all
    assert written.returncode == 0, written.stderr
    assert "created note" in written.stdout and "at Harbor Freightways" in written.stdout
    assert found.returncode == 0, found.stderr
    hits = json.loads(found.stdout)["hits"]
    assert [h["snippet"] for h in hits if "depot" in h["snippet"]], found.stdout
    assert refused.returncode == 1
    assert "this command needs the server install: pip install 'tacit[server]'" in refused.stderr
    assert "Traceback" not in written.stderr + found.stderr + refused.stderr
