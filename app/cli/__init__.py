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

The admin commands' modules import the server (SQLAlchemy, the domain...), so a client
command run as ``tacit search ...`` does not load them (``main``): it starts sooner, and it
runs on a client-only install (``pip install tacit``: httpx, typer, rich). There the admin
modules fail to import, and each admin command stands in for itself, saying to install
``tacit[server]`` (``server_only``).
"""

from __future__ import annotations

import sys

import typer

from app.cli.base import cli
from app.client.commands import register
from app.client.contacts import contacts_cli
from app.client.handover import users_cli

__all__ = ["cli", "load_admin_commands", "main"]

register(cli)


def _name(info: typer.models.CommandInfo) -> str:
    callback = info.callback.__name__ if info.callback else ""
    return info.name or callback.replace("_", "-")


# What the client alone defines: its commands, and its commands inside each shared group.
CLIENT_COMMANDS = frozenset(_name(c) for c in cli.registered_commands)
CLIENT_GROUPS = {
    str(g.name): frozenset(_name(c) for c in g.typer_instance.registered_commands)
    for g in cli.registered_groups
    if g.typer_instance is not None
}
_loaded = False


def load_admin_commands() -> None:
    """Add the admin commands to ``cli`` (importing a command module adds its commands), or,
    on a client-only install, a stand-in for each."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    try:
        from app.cli import accounts, backup, calendar, people, server, transfer, webhooks  # noqa: F401
    except ModuleNotFoundError as exc:
        # A missing module of the app itself is a bug to see, not a client-only install.
        if not exc.name or exc.name.split(".")[0] == "app":
            raise
        from app.cli.server_only import add_stand_ins

        shared = {"contacts": contacts_cli, "users": users_cli}
        add_stand_ins(cli, shared, missing=exc.name.split(".")[0])


def runs_client_command(args: list[str]) -> bool:
    """Whether ``tacit ARGS`` runs one of the client's commands (its help included), which the
    admin commands need not be loaded for. ``tacit --help`` and a group's help list them all."""
    words = [a for a in args if not a.startswith("-")]
    if not words:
        return False
    if words[0] in CLIENT_GROUPS:
        return len(words) > 1 and words[1] in CLIENT_GROUPS[words[0]]
    return words[0] in CLIENT_COMMANDS


def main() -> None:
    if not runs_client_command(sys.argv[1:]):
        load_admin_commands()
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
