"""``tacit contacts list|show|create|update``: the people at customer accounts, over the API as
the token's user. The operator's local contact commands (subject access, erasure) join the same
group from ``app.cli.people``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from app.client.commands import JsonOption, TokenOption, UrlOption, connect, out, reported, say
from app.client.http import Api, ClientError
from app.client.resolve import match_contact, resolve_account

contacts_cli = typer.Typer(
    help="The people at customer accounts.",
    no_args_is_help=True,
    epilog="Example: tacit contacts list --account harbor.example",
)

Json = dict[str, Any]


class BuyingRole(StrEnum):
    """The server's buying roles (``unknown`` clears one)."""

    economic = "economic"
    technical = "technical"
    user = "user"
    coach = "coach"
    unknown = "unknown"


AccountOption = Annotated[
    str | None,
    typer.Option(
        "--account",
        "-a",
        help="The account: name, alias, domain, e-mail address or id.",
        show_default=False,
    ),
]
ContactArgument = Annotated[
    str,
    typer.Argument(
        help="The contact: id, e-mail address, or name (with --account).",
        metavar="CONTACT",
        show_default=False,
    ),
]
TitleOption = Annotated[str | None, typer.Option(help="Job title, e.g. CFO.", show_default=False)]
EmailOption = Annotated[str | None, typer.Option(help="E-mail address.", show_default=False)]
RoleOption = Annotated[
    BuyingRole | None,
    typer.Option("--role", help="Buying role (managers and admins).", show_default=False),
]
ReportsToOption = Annotated[
    str | None,
    typer.Option(
        help="The contact they report to, at the same account (id, e-mail or name).",
        show_default=False,
    ),
]
ExternalIdOption = Annotated[
    str | None, typer.Option(help="Id in another system.", show_default=False)
]


def find_contact(api: Api, ref: str, account: str | None) -> Json:
    """The contact ``ref`` names: by id or e-mail anywhere; by name only within ``account``,
    since a name alone says nothing about which account's person is meant."""
    key = ref.strip()
    if key.isdigit():
        found: Json = api.get(f"/v1/contacts/{key}")
        return found
    if account is not None:
        at = resolve_account(api, account)
        contacts = list(api.items("/v1/contacts", account_id=at["id"]))
        return match_contact(key, contacts, account=at["name"])
    if "@" in key:
        matches = api.get("/v1/contacts", email=key.lower(), limit=2)["items"]
        if len(matches) == 1:
            return dict(matches[0])
        if matches:
            raise ClientError(f"several contacts have the address {key!r}; add --account")
        raise ClientError(f"no contact has the e-mail address {key!r}")
    raise ClientError(f"give a contact's id or e-mail address, or its name with --account: {key!r}")


def contact_lines(contact: Json, reports_to: Json | None) -> Text:
    """A contact's record, one fact a line."""
    lines = Text(f"{contact['name']} (contact {contact['id']})", style="bold")
    facts = [
        ("account", f"{contact['account']['name']} ({contact['account']['id']})"),
        ("title", contact.get("title") or "unknown"),
        ("e-mail", contact.get("email") or "unknown"),
        ("buying role", contact["buying_role"]),
        (
            "reports to",
            f"{reports_to['name']} ({reports_to['id']})" if reports_to else "no one known",
        ),
    ]
    if contact.get("external_id"):
        facts.append(("external id", contact["external_id"]))
    for label, value in facts:
        lines.append(f"\n{label:<12}", style="dim")
        lines.append(value)
    return lines


def contacts_table(contacts: list[Json]) -> Table:
    table = Table("id", "name", "title", "e-mail", "role", "account")
    table.columns[0].justify = "right"
    for c in contacts:
        table.add_row(
            str(c["id"]),
            c["name"],
            c.get("title") or "",
            c.get("email") or "",
            c["buying_role"],
            c["account"]["name"],
        )
    return table


def _show(api: Api, contact: Json, json_out: bool) -> None:
    if json_out:
        out.print_json(data=contact)
        return
    boss = api.get(f"/v1/contacts/{contact['reports_to_id']}") if contact["reports_to_id"] else None
    out.print(contact_lines(contact, boss))


@contacts_cli.command("list")
def contacts_list(
    account: AccountOption = None,
    role: RoleOption = None,
    email: EmailOption = None,
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """List contacts, of one account or all, by buying role or e-mail address.

    Example: tacit contacts list --account harbor.example --role economic
    """
    with reported(), connect(url, token) as api:
        query: dict[str, Any] = {"buying_role": role.value if role else None, "email": email}
        if account:
            query["account_id"] = resolve_account(api, account)["id"]
        found = list(api.items("/v1/contacts", **query))
        if json_out:
            out.print_json(data=found)
        elif found:
            out.print(contacts_table(found))
        else:
            say("no contacts match")


@contacts_cli.command("show")
def contacts_show(
    contact: ContactArgument,
    account: AccountOption = None,
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Show a contact: account, title, e-mail, buying role, whom they report to.

    Example: tacit contacts show meg@harbor.example
    """
    with reported(), connect(url, token) as api:
        _show(api, find_contact(api, contact, account), json_out)


@contacts_cli.command("create")
def contacts_create(
    name: Annotated[str, typer.Argument(help="Full name.", show_default=False)],
    account: Annotated[
        str,
        typer.Option(
            "--account", "-a", help="The account: name, alias, domain, e-mail address or id."
        ),
    ],
    title: TitleOption = None,
    email: EmailOption = None,
    role: RoleOption = None,
    reports_to: ReportsToOption = None,
    external_id: ExternalIdOption = None,
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Add a person at an account.

    Example: tacit contacts create "Meg Ortiz" --account harbor.example --title CFO
    --email meg@harbor.example
    """
    with reported(), connect(url, token) as api:
        at = resolve_account(api, account)
        payload: dict[str, Any] = {"account_id": at["id"], "name": name}
        payload |= _fields(title=title, email=email, role=role, external_id=external_id)
        if reports_to:
            payload["reports_to_id"] = find_contact(api, reports_to, str(at["id"]))["id"]
        created = api.json(api.request("POST", "/v1/contacts", json=payload))
        if json_out:
            out.print_json(data=created)
            return
        say(f"created contact {created['id']}: {created['name']} at {at['name']}")


@contacts_cli.command("update")
def contacts_update(
    contact: ContactArgument,
    account: AccountOption = None,
    name: Annotated[str | None, typer.Option(help="Full name.", show_default=False)] = None,
    title: TitleOption = None,
    email: EmailOption = None,
    role: RoleOption = None,
    reports_to: ReportsToOption = None,
    external_id: ExternalIdOption = None,
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Change a contact's name, title, e-mail, buying role (managers and admins; "unknown"
    clears it) or manager; only the options given change.

    Example: tacit contacts update meg@harbor.example --title "Chief Financial Officer"
    """
    changes = _fields(title=title, email=email, role=role, external_id=external_id)
    if name:
        changes["name"] = name
    if not changes and not reports_to:
        raise typer.BadParameter(
            "give at least one of --name, --title, --email, --role, --reports-to, --external-id"
        )
    with reported(), connect(url, token) as api:
        found = find_contact(api, contact, account)
        if reports_to:
            boss = find_contact(api, reports_to, str(found["account"]["id"]))
            changes["reports_to_id"] = boss["id"]
        updated = api.json(api.request("PATCH", f"/v1/contacts/{found['id']}", json=changes))
        if json_out:
            out.print_json(data=updated)
            return
        say(f"updated contact {updated['id']}: {', '.join(sorted(changes))}")


def _fields(
    *,
    title: str | None,
    email: str | None,
    role: BuyingRole | None,
    external_id: str | None,
) -> dict[str, Any]:
    """The optional fields given, under their API names."""
    given = {"title": title, "email": email, "external_id": external_id}
    fields = {k: v for k, v in given.items() if v is not None}
    if role is not None:
        fields["buying_role"] = role.value
    return fields
