"""``tacit`` on a client-only install: the client's commands need none of the server's
packages, and each server command stands in for itself with how to install the server. Here
the server's packages are hidden from a real ``tacit`` process; the installed wheel is tested
in ``tests/integration/test_client_install.py``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main

from app.cli import cli, load_admin_commands
from app.cli.server_only import SERVER_COMMANDS, SERVER_SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[2]

# The server extra's packages, by import name; a client-only install has none of them.
SERVER_PACKAGES = (
    "fastapi", "starlette", "sqlalchemy", "alembic", "uvicorn", "pydantic_settings", "psycopg",
    "numpy", "torch", "sentence_transformers", "jinja2", "structlog", "mcp", "httpx2",
)  # fmt: skip

# Run as `python -c`: hide the server's packages, then be `tacit`.
HIDING = f"""
import sys

class Hide:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {SERVER_PACKAGES!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)

sys.meta_path.insert(0, Hide())
sys.argv[0] = "tacit"
from app.cli import main
main()
"""


def tacit_without_server(*args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    environ |= {"PYTHONPATH": str(ROOT), "COLUMNS": "100", "TACIT_CONFIG": "/nonexistent"}
    return subprocess.run(
        [sys.executable, "-c", HIDING, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def subcommands(command: Any) -> dict[str, Any]:
    """A group's commands by name; none for a command. (typer carries its own click.)"""
    return dict(getattr(command, "commands", {}))


def is_admin(command: Any) -> bool:
    """Defined by the admin modules, ``app.cli.*`` (not ``app.client``)."""
    return str(command.callback.__module__).startswith("app.cli.")


def server_commands() -> tuple[set[str], dict[str, set[str]]]:
    """The commands the admin modules (``app.cli.*``) define: whole top-level commands and
    groups, and their commands inside the groups the client shares."""
    whole: set[str] = set()
    within: dict[str, set[str]] = {}
    for name, command in subcommands(typer.main.get_command(cli)).items():
        commands = subcommands(command) or {name: command}
        server = {n for n, c in commands.items() if is_admin(c)}
        if server == set(commands):
            whole.add(name)
        elif server:
            within[name] = server
    return whole, within


def test_the_stand_ins_are_exactly_the_server_commands() -> None:
    load_admin_commands()
    whole, within = server_commands()

    assert set(SERVER_COMMANDS) == whole
    assert {k: set(v) for k, v in SERVER_SUBCOMMANDS.items()} == within
    assert {"note", "show", "search", "brief", "login", "mcp"}.isdisjoint(whole)


@pytest.mark.parametrize(
    "args",
    [
        ["users", "list"],
        ["serve", "--port", "9000"],
        ["migrate", "--help"],
        ["contacts", "erase", "12", "--reason", "request 4"],
        ["import", "notes.csv", "--url", "http://127.0.0.1:9"],
    ],
)
def test_a_server_command_says_to_install_the_server(args: list[str]) -> None:
    result = tacit_without_server(*args)

    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    assert "this command needs the server install: pip install 'tacit[server]'" in result.stderr


def test_the_client_commands_run_without_the_server_packages() -> None:
    helped = tacit_without_server("--help")
    unreachable = tacit_without_server(
        "search", "renewal", "--url", "http://127.0.0.1:9", "--token", "t"
    )
    mcp = tacit_without_server("mcp", "--url", "http://127.0.0.1:9", "--token", "t")

    assert helped.returncode == 0, helped.stderr
    for command in ("note", "show", "search", "brief", "contacts", "login", "users"):
        assert f" {command} " in helped.stdout
    assert unreachable.returncode == 1 and "cannot reach http://127.0.0.1:9" in unreachable.stderr
    assert mcp.returncode == 1 and "pip install 'tacit[mcp]'" in mcp.stderr


# Run as `python -c` on the full install: be `tacit ARGS`, then say which server modules and
# admin command modules were imported.
LOADED = """
import json, sys
sys.argv[0] = "tacit"
from app.cli import main
try:
    main()
except SystemExit:
    pass
prefixes = ("sqlalchemy", "fastapi", "app.services", "app.domain", "app.db", "app.cli.server")
print(json.dumps(sorted({m.split(".")[0] if not m.startswith("app") else m
                         for m in sys.modules if m.startswith(prefixes)})))
"""


def imported_by(*args: str) -> list[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    environ |= {"PYTHONPATH": str(ROOT), "COLUMNS": "100", "TACIT_CONFIG": "/nonexistent"}
    result = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    modules: list[str] = json.loads(result.stdout.splitlines()[-1])
    return modules


@pytest.mark.parametrize(
    "args",
    [
        ["search", "renewal", "--url", "http://127.0.0.1:9", "--token", "t"],
        ["show", "--help"],
        ["contacts", "list", "--account", "harbor.example", "--url", "http://127.0.0.1:9"],
    ],
)
def test_a_client_command_loads_no_server_code(args: list[str]) -> None:
    assert imported_by(*args) == []


@pytest.mark.parametrize("args", [["--help"], ["contacts", "--help"], ["users", "--help"]])
def test_the_whole_help_and_admin_commands_load_the_admin_modules(args: list[str]) -> None:
    assert "app.cli.server" in imported_by(*args)
