"""Outbound webhooks from the shell: a worker that sends their deliveries."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from app.cli.common import cli, err, load_settings, services

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
        done = 0
        try:
            while True:
                busy = run_once(built.database, settings)
                done += busy
                if busy:
                    continue
                if until_empty:
                    break
                time.sleep(poll)
        except KeyboardInterrupt:
            pass
        err.print(f"fanned out and attempted {done} event(s) and deliveries")
