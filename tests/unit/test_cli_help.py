"""Every ``tacit`` command's ``--help`` ends with an example of itself: a walk of the whole
command tree, groups included."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from app.cli import cli, load_admin_commands


def command_paths(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from command_paths(sub, (*path, name))


load_admin_commands()
PATHS = sorted(command_paths(typer.main.get_command(cli)))


def test_the_walk_reaches_every_kind_of_command() -> None:
    assert {(), ("search",), ("users",), ("users", "set-password"), ("contacts", "erase")} <= set(
        PATHS
    )


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "tacit")
def test_help_has_an_example_of_the_command(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], env={"COLUMNS": "200"})

    assert result.exit_code == 0, result.output
    examples = re.findall(r"Example: (.+)", result.output)
    assert examples, result.output
    named = " ".join(("tacit", *path))
    assert any(f"{named} " in f"{e.strip()} " for e in examples), examples
