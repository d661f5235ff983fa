"""The commands that need the server install, standing in for themselves on a client-only
install (``pip install tacit``): each says how to get the server rather than being an unknown
command. The list is checked against the commands the server modules define
(``tests/unit/test_cli_install.py``)."""

from __future__ import annotations

from collections.abc import Callable

import typer
from rich.markup import escape

from app.cli.base import fail

SERVER_INSTALL = "pip install 'tacit[server]'"

# Top-level commands and groups that are the server's alone, then the server's commands inside
# a group the client shares.
SERVER_COMMANDS = (
    "accounts",
    "audit",
    "backup",
    "calendar",
    "events",
    "export",
    "import",
    "import-mail",
    "migrate",
    "reindex",
    "restore",
    "serve",
    "tokens",
    "webhooks",
    "worker",
)
SERVER_SUBCOMMANDS = {
    "contacts": ("erase", "subject-access"),
    "users": ("create", "deactivate", "list", "set-password", "update"),
}

# Whatever follows the name (options, --help) goes to the stand-in, which only explains.
_ANY_ARGUMENTS = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def needs_server(missing: str) -> str:
    return (
        f"this command needs the server install: {SERVER_INSTALL} "
        f"(this install has no {missing!r} module)"
    )


def _stand_in(name: str, missing: str) -> Callable[[typer.Context], None]:
    def command(ctx: typer.Context) -> None:
        fail(needs_server(missing))

    # Escaped: the help is rich markup, where [server] would be a style and vanish.
    command.__doc__ = f"Needs the server install: {escape(SERVER_INSTALL)}."
    command.__name__ = name.replace("-", "_")
    return command


def add_stand_ins(cli: typer.Typer, groups: dict[str, typer.Typer], *, missing: str) -> None:
    """Register a stand-in for every server command on ``cli`` and on the shared ``groups``;
    ``missing`` names the module whose absence shows this is a client-only install."""
    for name in SERVER_COMMANDS:
        cli.command(name, context_settings=_ANY_ARGUMENTS)(_stand_in(name, missing))
    for group, names in SERVER_SUBCOMMANDS.items():
        for name in names:
            groups[group].command(name, context_settings=_ANY_ARGUMENTS)(_stand_in(name, missing))
