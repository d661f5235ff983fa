"""The customer accounts: creating one (refused when it would duplicate one) and merging two."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from app.cli.common import cli, database, fail, out

accounts_cli = typer.Typer(
    help="The customer accounts.",
    no_args_is_help=True,
    epilog='Example: tacit accounts create "Harbor Freightways" --domain harbor.example',
)
cli.add_typer(accounts_cli, name="accounts")


@accounts_cli.command("create")
def accounts_create(
    name: Annotated[str, typer.Argument(help="The customer's name.")],
    domain: Annotated[
        list[str] | None, typer.Option(help="A domain of theirs; repeat for more.")
    ] = None,
    alias: Annotated[list[str] | None, typer.Option(help="Another name; repeat for more.")] = None,
    industry: Annotated[str | None, typer.Option(help="Their industry.")] = None,
    region: Annotated[str | None, typer.Option(help="Their region.")] = None,
    external_id: Annotated[str | None, typer.Option(help="Id in another system.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Create it even if an account has this name.")
    ] = False,
) -> None:
    """Create an account, as POST /v1/accounts does: refused when an account has the same name
    (any case or spacing), unless --force, or one of the domains.

    Example: tacit accounts create "Harbor Freightways" --domain harbor.example"""
    from app.domain.accounts import create_account
    from app.schemas.accounts import AccountCreate

    try:
        data = AccountCreate(
            name=name,
            domains=domain or [],
            aliases=alias or [],
            industry=industry,
            region=region,
            external_id=external_id,
        )
    except ValidationError as exc:
        fail("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()))
    with database() as db, db.unit_of_work() as session:
        account = create_account(session, data, force=force)
        out.print(f"created account {account.id}: {account.name}")


@accounts_cli.command("merge")
def accounts_merge(
    into: Annotated[int, typer.Argument(help="The id of the account that stays.")],
    merged: Annotated[int, typer.Argument(help="The id of the account folded into it.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask to confirm.")] = False,
) -> None:
    """Fold account MERGED into account INTO, as POST /v1/accounts/{INTO}/merge does: its
    notes, contacts, domains and aliases move, its name becomes an alias, and it is deleted.
    Audited. There is no undo.

    Example: tacit accounts merge 12 31"""
    from app.domain.access import SYSTEM
    from app.domain.account_merge import merge_accounts
    from app.domain.accounts import get_account

    with database() as db:
        if not yes:
            with db.unit_of_work(write=False) as session:
                kept, gone = get_account(session, into), get_account(session, merged)
                question = f"Fold {gone.name} ({gone.id}) into {kept.name} ({kept.id})?"
            typer.confirm(f"{question} There is no undo", abort=True)
        with db.unit_of_work() as session:
            account = merge_accounts(session, SYSTEM, into, merged)
            out.print(
                f"merged account {merged} into {account.id}: {account.name} "
                f"(domains: {', '.join(account.domains) or 'none'}; "
                f"aliases: {', '.join(account.aliases) or 'none'})",
                soft_wrap=True,  # one line, for scripts to read
            )
