"""Calendar feeds from the shell: a worker that reads them and sends briefs before meetings."""

from __future__ import annotations

from typing import Annotated

import typer

from app.cli.common import cli, err, load_settings, rounds, services

calendar_cli = typer.Typer(
    help="Calendar feeds and briefs before meetings.",
    no_args_is_help=True,
    epilog="Example: tacit calendar worker --until-empty",
)
cli.add_typer(calendar_cli, name="calendar")


@calendar_cli.command("worker", epilog="Example: tacit calendar worker --poll 60")
def worker(
    poll: Annotated[float, typer.Option(help="Seconds to wait when nothing is due.")] = 30.0,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Exit once nothing is due.")
    ] = False,
) -> None:
    """Read calendar feeds and send briefs in this process (beside `tacit serve`, whose own
    TACIT_CALENDAR_WORKERS threads do the same)."""
    from app.integrations.slack.briefs import brief_sender
    from app.worker.calendar import run_once

    settings = load_settings()
    slack = brief_sender(settings)
    with services(settings) as built:
        err.print(f"calendar worker on {built.database.dialect}")
        done = rounds(
            lambda: run_once(built.database, settings, slack=slack),
            poll=poll,
            until_empty=until_empty,
        )
        err.print(f"read feeds and queued or attempted {done} brief(s)")
