"""``tacit``: the server's admin tool (serve, migrate, users, tokens, import, import-mail,
export, audit purge, contacts, accounts), and the client of a server for everyone else (note,
search, brief, login: see ``app.client``). ``common`` holds what the commands share;
``server``, ``people``, ``accounts``, ``transfer``, ``webhooks`` and ``calendar`` hold the
commands.

The admin commands work on the database of ``TACIT_DATABASE_URL`` (``import`` and ``export``
on a server instead, when one is configured), and say on standard error which one. Only
``migrate``, ``serve`` and ``restore`` make a SQLite file that is not there: the default URL is
relative, and a command run from another folder must not start an empty database there. On an
existing SQLite file, commands bring the schema up to date themselves; on PostgreSQL, where
several processes share one database, ``tacit migrate`` is an explicit step.
"""

from __future__ import annotations

import sys

# Importing a command module adds its commands to ``cli``; then the client's commands join.
from app.cli import accounts, backup, calendar, people, server, transfer, webhooks  # noqa: F401
from app.cli.common import cli
from app.client.commands import register

register(cli)


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
