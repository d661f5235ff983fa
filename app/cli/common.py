"""What every admin command shares: the ``tacit`` app, its consoles and failing with clear
words (from ``app.cli.base``), the configured settings and services, and the database they
name."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from pydantic import ValidationError
from rich.markup import escape
from sqlalchemy.engine import make_url

from app.cli.base import cli, err, fail, out
from app.config import Settings
from app.db.engine import Database
from app.errors import AppError
from app.services import SchemaOutOfDate, Services, open_services

# The app, its consoles and ``fail`` are the command modules' from here, with the rest.
__all__ = [
    "cli",
    "database",
    "err",
    "fail",
    "load_settings",
    "local_database",
    "masked",
    "missing_sqlite_file",
    "out",
    "rounds",
    "services",
]


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))


def masked(url: str) -> str:
    """A database URL fit to print: its password, if any, as ``***``."""
    return make_url(url).render_as_string(hide_password=True)


def missing_sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL when it does not exist (connecting would create it)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    path = Path(parsed.database)
    return None if path.exists() else path.resolve()


def local_database(url: str, *, create: bool = False) -> None:
    """Say on standard error which database a local command works on, and refuse a SQLite
    file that is not there unless ``create``: the default URL is relative, so a command run
    from another folder would otherwise quietly start a new, empty database there."""
    err.print(f"database: {masked(url)}", markup=False, highlight=False)
    if not create and (path := missing_sqlite_file(url)):
        fail(
            f"there is no database at {path}; run `tacit migrate` to create one there, or "
            "set TACIT_DATABASE_URL to the database you mean"
        )


@contextmanager
def services(
    settings: Settings | None = None, *, create: bool = False, announce: bool = True
) -> Iterator[Services]:
    """The services of the configured database (a SQLite schema brought up to date on the
    way; a SQLite file made only when ``create``), with clear words for expected errors.
    ``announce`` false: the command has already said which database it uses."""
    chosen = settings or load_settings()
    if announce:
        local_database(chosen.database_url, create=create)
    try:
        built = open_services(chosen, migrate_embedded=True)
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


def rounds(one_round: Callable[[], int], *, poll: float, until_empty: bool) -> int:
    """A worker command's loop: ``one_round`` again at once while it finds work, else after
    ``poll`` seconds (or stop, ``until_empty``), until Ctrl-C; what the rounds did, summed."""
    done = 0
    try:
        while True:
            busy = one_round()
            done += busy
            if busy:
                continue
            if until_empty:
                break
            time.sleep(poll)
    except KeyboardInterrupt:
        pass
    return done
