"""The ``tacit`` app itself, its consoles and failing with clear words: what every command
shares, the client's on a client-only install too, so it imports nothing of the server."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

cli = typer.Typer(
    help="Tacit: tacit customer knowledge, captured and found.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    epilog='Example: tacit search "who signs off at Harbor?"',
)

out = Console()
# soft_wrap: an error is one line a script can grep, whatever the terminal's width.
err = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(1)
