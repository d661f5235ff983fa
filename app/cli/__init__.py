"""``tacit``: the server's admin tool (serve, migrate, users, tokens, import, import-mail,
export, audit purge, contacts, accounts), and the client of a server for everyone else (note,
show, search, brief, login, contacts: see ``app.client``). ``base`` holds the app itself,
``common`` what the admin commands share; ``server``, ``people``, ``accounts``, ``transfer``,
``backup``, ``webhooks`` and ``calendar`` hold the admin commands.

The admin commands work on the database of ``TACIT_DATABASE_URL`` (``import`` and ``export``
on a server instead, when one is configured), and say on standard error which one. Only
``migrate``, ``serve`` and ``restore`` make a SQLite file that is not there: the default URL is
relative, and a command run from another folder must not start an empty database there. On an
existing SQLite file, commands bring the schema up to date themselves; on PostgreSQL, where
several processes share one database, ``tacit migrate`` is an explicit step.

``pip install tacit`` installs the client alone (httpx, typer, rich): the admin commands'
modules then fail to import, and each admin command stands in for itself, saying to install
``tacit[server]`` (``server_only``).
"""

from __future__ import annotations

import sys

from app.cli.base import cli
from app.client.commands import register
from app.client.contacts import contacts_cli

__all__ = ["cli", "main"]

register(cli)

try:
    # Importing a command module adds its commands to ``cli`` (and to the client's groups).
    from app.cli import accounts, backup, calendar, people, server, transfer, webhooks  # noqa: F401
except ModuleNotFoundError as exc:
    # A missing module of the app itself is a bug to see, not a client-only install.
    if not exc.name or exc.name.split(".")[0] == "app":
        raise
    from app.cli.server_only import add_stand_ins

    add_stand_ins(cli, {"contacts": contacts_cli}, missing=exc.name.split(".")[0])


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
