"""What every admin command shares: the ``tacit`` app, its consoles, failing with clear
words, and the configured services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from app.config import Settings
from app.db.engine import Database
from app.errors import AppError
from app.services import SchemaOutOfDate, Services, open_services

cli = typer.Typer(
    help="Tacit: tacit customer knowledge, captured and found.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)

out = Console()
# soft_wrap: an error is one line a script can grep, whatever the terminal's width.
err = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(1)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))


@contextmanager
def services(settings: Settings | None = None) -> Iterator[Services]:
    """The services of the configured database (a SQLite schema brought up to date on the
    way), with clear words for expected errors."""
    try:
        built = open_services(settings or load_settings(), migrate_embedded=True)
    except SchemaOutOfDate as exc:
        fail(str(exc))
    try:
        yield built
    except AppError as exc:
        problems = exc.extensions.get("problems") or []
        for line in problems[:50]:
            err.print(f"  - {escape(line)}")
        if len(problems) > 50:
            err.print(f"  ... and {len(problems) - 50} more")
        fail(exc.detail)
    finally:
        built.close()


@contextmanager
def database() -> Iterator[Database]:
    """For the commands that need only the database."""
    with services() as built:
        yield built.database
