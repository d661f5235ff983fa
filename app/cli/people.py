"""The people: users and their tokens, and the people in the notes (contacts' subject access
and erasure)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from app.cli.common import cli, database, err, fail, load_settings, out
from app.client.contacts import contacts_cli  # the client's group: these commands join it
from app.client.handover import users_cli  # the client's group: these commands join it
from app.db.models import Role, TokenScope

if TYPE_CHECKING:
    from app.db.models import User

tokens_cli = typer.Typer(
    help="Manage API tokens.",
    no_args_is_help=True,
    epilog="Example: tacit tokens create --user ana@example.com --name laptop",
)
cli.add_typer(tokens_cli, name="tokens")


@users_cli.command(
    "create",
    epilog='Example: tacit users create --name "Ada Admin" --email ada@example.com --role admin',
)
def users_create(
    name: Annotated[str, typer.Option(help="Full name.")],
    email: Annotated[str | None, typer.Option(help="E-mail address.")] = None,
    team: Annotated[str | None, typer.Option(help="Team name; created if new.")] = None,
    role: Annotated[Role, typer.Option(help="Access role.")] = Role.rep,
    title: Annotated[str | None, typer.Option(help="Job title, e.g. support.")] = None,
    external_id: Annotated[str | None, typer.Option(help="Id in another system.")] = None,
    password: Annotated[
        bool, typer.Option("--password", help="Prompt for a web password.")
    ] = False,
) -> None:
    """Create a user (the first admin is made this way)."""
    from app.domain.access import SYSTEM
    from app.domain.users import create_user
    from app.schemas.users import UserCreate

    secret = (
        typer.prompt("Password", hide_input=True, confirmation_prompt=True) if password else None
    )
    try:
        data = UserCreate(
            name=name,
            email=email,
            team=team,
            role=role,
            title=title,
            external_id=external_id,
            password=secret,
        )
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with database() as db, db.unit_of_work() as session:
        user = create_user(session, SYSTEM, data)
        out.print(
            f"created user {user.id}: {user.name} ({user.role.value}"
            f"{', team ' + user.team.name if user.team else ''})"
        )


@users_cli.command("list", epilog="Example: tacit users list")
def users_list() -> None:
    """List users."""
    from sqlalchemy import select

    from app.db.models import User

    with database() as db, db.unit_of_work(write=False) as session:
        table = Table("id", "name", "email", "team", "role", "external id", "active")
        for u in session.scalars(select(User).order_by(User.id)):
            table.add_row(
                str(u.id),
                u.name,
                u.email or "",
                u.team.name if u.team else "",
                u.role.value,
                u.external_id or "",
                "yes" if u.is_active else "no",
            )
        out.print(table)


def _user_summary(user: User) -> str:
    team = f", team {user.team.name}" if user.team else ""
    active = "" if user.is_active else ", deactivated"
    return f"user {user.id}: {user.name} ({user.role.value}{team}{active})"


def _update_user(ref: str, **fields: Any) -> str:
    """Apply ``fields`` to the user ``ref`` names, as an admin's PATCH /v1/users/{id} does
    (audited, and a new password signs the user out of every browser); the result in words."""
    from app.domain.access import SYSTEM
    from app.domain.users import find_user, update_user
    from app.schemas.users import UserUpdate

    try:
        data = UserUpdate(**fields)
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    rule = load_settings().private_notes_on_departure
    with database() as db, db.unit_of_work() as session:
        user = update_user(
            session, SYSTEM, find_user(session, ref).id, data, private_notes_on_departure=rule
        )
        return _user_summary(user)


UserArgument = Annotated[str, typer.Argument(help="The user's id, e-mail or external id.")]


@users_cli.command("update")
def users_update(
    user: UserArgument,
    name: Annotated[str | None, typer.Option(help="Full name.", show_default=False)] = None,
    email: Annotated[str | None, typer.Option(help="E-mail address.", show_default=False)] = None,
    team: Annotated[
        str | None, typer.Option(help="Team name; created if new.", show_default=False)
    ] = None,
    no_team: Annotated[bool, typer.Option("--no-team", help="Take them out of their team.")] = (
        False
    ),
    role: Annotated[Role | None, typer.Option(help="Access role.", show_default=False)] = None,
    title: Annotated[
        str | None, typer.Option(help="Job title, e.g. support.", show_default=False)
    ] = None,
    active: Annotated[
        bool | None,
        typer.Option("--active/--inactive", help="Let them sign in, or not.", show_default=False),
    ] = None,
) -> None:
    """Change a user's name, e-mail, team, role, title or whether they may sign in; only the
    options given change. Audited, as the API's user update is.

    Example: tacit users update ana@example.com --role manager --team east
    """
    if team and no_team:
        raise typer.BadParameter("give --team or --no-team, not both")
    given = {"name": name, "email": email, "team": team, "role": role, "title": title}
    fields: dict[str, Any] = {k: v for k, v in given.items() if v is not None}
    if no_team:
        fields["team"] = None
    if active is not None:
        fields["is_active"] = active
    if not fields:
        raise typer.BadParameter(
            "give at least one of --name, --email, --team, --no-team, --role, --title, "
            "--active, --inactive"
        )
    out.print(f"updated {escape(_update_user(user, **fields))}")


@users_cli.command("deactivate")
def users_deactivate(user: UserArgument) -> None:
    """Stop a user signing in, on the web or with any of their tokens; their notes stay.
    `tacit users update USER --active` lets them in again.

    Example: tacit users deactivate ana@example.com
    """
    out.print(f"deactivated {escape(_update_user(user, is_active=False))}")


@users_cli.command("set-password")
def users_set_password(user: UserArgument) -> None:
    """Set a user's password for the web page: typed twice without echo on a terminal, or
    read from standard input when piped. Signs them out of every browser.

    Example: tacit users set-password ana@example.com
    """
    if sys.stdin.isatty():
        secret = typer.prompt("New password", hide_input=True, confirmation_prompt=True)
    else:
        secret = sys.stdin.readline().rstrip("\r\n")
    if not secret:
        fail("no password given")
    out.print(f"password set for {escape(_update_user(user, password=secret))}")


@tokens_cli.command(
    "create",
    epilog="Example: tacit tokens create --user ana@example.com --expires-in-days 90\n\n"
    "Example: tacit tokens create --user mail@example.com --name gateway --scope mail",
)
def tokens_create(
    user: Annotated[str, typer.Option(help="The user's id, e-mail or external id.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    expires_in_days: Annotated[int | None, typer.Option(help="Expire after N days.")] = None,
    scope: Annotated[
        list[TokenScope] | None,
        typer.Option(
            help="What it may do, repeatable: read, write, admin (an admin's token only), "
            "mail (posting e-mail, for the mail gateway). Default: read and write."
        ),
    ] = None,
) -> None:
    """Create an API token and print it once."""
    from app.domain.access import SYSTEM
    from app.domain.users import create_token, find_user
    from app.schemas.users import TokenCreate

    with database() as db, db.unit_of_work() as session:
        owner = find_user(session, user)
        token, secret = create_token(
            session,
            SYSTEM,
            TokenCreate(
                user_id=owner.id,
                name=name,
                expires_in_days=expires_in_days,
                scopes=list(scope) if scope else None,
            ),
        )
        scopes = ", ".join(sorted(token.scopes))
    err.print(f"token for {owner.name}, scopes {scopes} (shown once; store it now):")
    print(secret)


@contacts_cli.command(
    "subject-access",
    epilog="Example: tacit contacts subject-access meg@harbor.example --out meg.zip",
)
def contacts_subject_access(
    contact: Annotated[str, typer.Argument(help="The contact's id, e-mail or external id.")],
    to: Annotated[Path, typer.Option("--out", help="The file to write: a .zip archive, or .json.")],
) -> None:
    """Everything held about a contact, of every author and visibility, for a subject-access
    request: the zip archive of GET /v1/contacts/{id}/subject-access?format=zip, or its JSON
    when FILE ends in .json. Audited; the file is readable by you only."""
    from app.domain.access import SYSTEM
    from app.domain.contacts import find_contact
    from app.domain.subject_access import subject_access
    from app.http.presenters.subject_access import dossier_archive, dossier_read

    as_json = to.suffix.lower() == ".json"
    with database() as db, db.unit_of_work() as session:
        found = find_contact(session, contact)
        fmt = "json" if as_json else "zip"
        read = dossier_read(subject_access(session, SYSTEM, found.id, format=fmt, via="cli"))
        data = read.model_dump_json(indent=2).encode() if as_json else dossier_archive(read)
        try:  # inside the unit of work: no audit event for a dossier that was not written
            with os.fdopen(os.open(to, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as f:
                f.write(data)
        except OSError as exc:
            fail(f"cannot write {to}: {exc.strerror}")
    out.print(
        f"wrote {to}: {read.contact.name}, {len(read.notes)} note(s), {len(read.reads)} read(s)"
    )


@contacts_cli.command(
    "erase", epilog='Example: tacit contacts erase meg@harbor.example --reason "request 2026-14"'
)
def contacts_erase(
    contact: Annotated[str, typer.Argument(help="The contact's id, e-mail or external id.")],
    reason: Annotated[str, typer.Option(help="Why: the request's reference, say.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
) -> None:
    """Erase a person everywhere, at their request, as POST /v1/contacts/{id}/erase does.
    There is no undo."""
    from app.db.request import Afterwards
    from app.domain.access import SYSTEM
    from app.domain.contacts import find_contact
    from app.domain.erase_person import erase_contact
    from app.schemas.erasures import ContactErase

    try:
        why = ContactErase(reason=reason).reason
    except ValidationError as exc:
        fail(f"--reason: {exc.errors()[0]['msg']}")
    later = Afterwards()
    with database() as db:
        with db.unit_of_work(write=False) as session:
            found = find_contact(session, contact)
            label = f"{found.name} (contact {found.id}, {found.account.name})"
        if not yes:
            typer.confirm(f"Erase {label} from every note? There is no undo", abort=True)
        with db.unit_of_work() as session:
            erased = erase_contact(session, SYSTEM, found.id, reason=why, after_commit=later)
        later.run(db)
    out.print(json.dumps(vars(erased)))
