"""The people: users and their tokens, and the people in the notes (contacts' subject access
and erasure)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.table import Table

from app.cli.common import cli, database, err, fail, out
from app.client.handover import handover
from app.db.models import Role

users_cli = typer.Typer(help="Manage users.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
# A client command (over the API, as an admin or the colleague's manager) among the admin ones.
users_cli.command("handover")(handover)
tokens_cli = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
cli.add_typer(tokens_cli, name="tokens")
contacts_cli = typer.Typer(help="The people at customer accounts.", no_args_is_help=True)
cli.add_typer(contacts_cli, name="contacts")


@users_cli.command("create")
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


@users_cli.command("list")
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


@tokens_cli.command("create")
def tokens_create(
    user: Annotated[str, typer.Option(help="The user's id, e-mail or external id.")],
    name: Annotated[str, typer.Option(help="What the token is for.")] = "cli",
    expires_in_days: Annotated[int | None, typer.Option(help="Expire after N days.")] = None,
) -> None:
    """Create an API token and print it once."""
    from app.domain.access import SYSTEM
    from app.domain.users import create_token, find_user
    from app.schemas.users import TokenCreate

    with database() as db, db.unit_of_work() as session:
        owner = find_user(session, user)
        _, secret = create_token(
            session,
            SYSTEM,
            TokenCreate(user_id=owner.id, name=name, expires_in_days=expires_in_days),
        )
    err.print(f"token for {owner.name} (shown once; store it now):")
    print(secret)


@contacts_cli.command("subject-access")
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


@contacts_cli.command("erase")
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
