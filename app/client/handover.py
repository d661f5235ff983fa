"""``tacit users handover ID``: a departing colleague's handover report, over the API
(``GET /v1/users/{id}/handover``), for an admin or the colleague's manager."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from app.client.commands import JsonOption, TokenOption, UrlOption, connect, out, reported, say
from app.client.resolve import resolve_user_id

# The users group: the client's command here, the server's (``app.cli.people``) join it.
users_cli = typer.Typer(
    help="Manage users.", no_args_is_help=True, epilog="Example: tacit users list"
)


@users_cli.command("handover", epilog="Example: tacit users handover rafael@example.com --json")
def handover(
    user: Annotated[str, typer.Argument(help="The colleague: their id or e-mail address.")],
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """What Tacit would lose if this colleague left: per account their notes by visibility
    (counts, never text), whether they are its only source, their stale facts nobody else
    can verify, and the contacts only they documented. Admins and the colleague's manager."""
    with reported(), connect(url, token) as api:
        response = api.request("GET", f"/v1/users/{resolve_user_id(api, user)}/handover")
        if json_out:
            print(response.text)
            return
        report = api.json(response)
    render(report)


def render(report: dict[str, Any]) -> None:
    who = report["user"]["name"] + ("" if report["is_active"] else " (deactivated)")
    say(
        f"{who}: the only source on {report['only_source_accounts']} account(s); their "
        f"private notes on departure: {report['private_notes_on_departure']}"
    )
    table = Table("account", "only source", "private", "team", "company", "stale, only theirs")
    for row in report["accounts"]:
        notes = row["notes"]
        table.add_row(
            row["account"]["name"],
            "yes" if row["only_source"] else "",
            str(notes["private"]),
            str(notes["team"]),
            str(notes["company"]),
            str(row["stale_only_they_can_verify"]),
        )
    out.print(table)
    contacts = report["contacts_only_they_documented"]
    say("Contacts only they documented: " + (", ".join(c["name"] for c in contacts) or "none"))
