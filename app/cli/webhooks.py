"""Outbound webhooks from the shell: a worker that sends their deliveries."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import cli, err, load_settings, rounds, services

webhooks_cli = typer.Typer(
    help="Outbound webhooks.",
    no_args_is_help=True,
    epilog="Example: tacit webhooks worker --until-empty",
)
cli.add_typer(webhooks_cli, name="webhooks")


@webhooks_cli.command("worker", epilog="Example: tacit webhooks worker --until-empty")
def worker(
    poll: Annotated[float, typer.Option(help="Seconds to wait when nothing is due.")] = 1.0,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Exit once nothing is due.")
    ] = False,
) -> None:
    """Send webhooks' deliveries in this process (as many as you like, beside `tacit serve`,
    whose own TACIT_WEBHOOK_WORKERS threads do the same)."""
    from app.worker.webhooks import run_once

    settings = load_settings()
    with services(settings) as built:
        err.print(f"webhook worker on {built.database.dialect}")
        done = rounds(
            lambda: run_once(built.database, settings), poll=poll, until_empty=until_empty
        )
        err.print(f"fanned out and attempted {done} event(s) and deliveries")
