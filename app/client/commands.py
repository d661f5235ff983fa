"""The client's commands (``note``, ``search``, ``brief``, ``login``) and the remote side of
``import`` and ``export``; ``register`` adds them to the ``tacit`` command."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from app.client.brief_view import render_brief, render_meeting
from app.client.compose import read_body
from app.client.config import (
    ConfigError,
    Remote,
    config_path,
    normalize_url,
    require_remote,
    save_config,
)
from app.client.http import Api, ClientError
from app.client.note_view import render_note
from app.client.render import search_answer, search_caption, search_hits
from app.client.resolve import account_error, resolve_account, resolve_contacts, resolve_user_id

out = Console()
# soft_wrap: an error is one line a script can grep, whatever the terminal's width.
err = Console(stderr=True, soft_wrap=True)
MAX_INVITATION_CHARS = 1024 * 1024  # the server's limit on an .ics invitation

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="The Tacit server, e.g. https://tacit.example.com. Default: TACIT_URL, then the "
        "config file that `tacit login` writes.",
        show_default=False,
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        "--token",
        help="API token. Default: TACIT_TOKEN, then the config file (for its own URL only).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the server's JSON, for scripts.")]


class Visibility(StrEnum):
    private = "private"
    team = "team"
    company = "company"


def fail(message: str, lines: list[str] | None = None) -> NoReturn:
    """``lines`` (an import's problems, which the server already caps) under one error line."""
    for line in lines or []:
        err.print(f"  - {escape(line)}")
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(1)


def say(message: str) -> None:
    out.print(message, markup=False, highlight=False, soft_wrap=True)


@contextmanager
def reported() -> Iterator[None]:
    """Expected failures as one line on standard error and exit code 1, never a traceback."""
    try:
        yield
    except ClientError as exc:
        fail(exc.message, exc.lines)
    except ConfigError as exc:
        fail(str(exc))


def connect(url: str | None, token: str | None) -> Api:
    return Api(require_remote(url=url, token=token, environ=os.environ))


def iso_time(value: str | None) -> str | None:
    """A typer callback: ``2026-03-01`` or ``2026-03-01T14:30+02:00`` in ISO form, else a usage
    error (exit 2) before anything is sent."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.strip()).isoformat()
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date or time like 2026-03-01 or 2026-03-01T14:30"
        ) from None


# --- note ---------------------------------------------------------------------------------


def note(
    account: Annotated[
        str,
        typer.Option(
            "--account", "-a", help="The account: name, alias, domain, e-mail address, URL or id."
        ),
    ],
    body: Annotated[
        str | None,
        typer.Argument(
            help="The note, in markdown; - reads standard input. Without it: standard input "
            "when it is piped, else your editor ($VISUAL, $EDITOR or vi).",
            show_default=False,
        ),
    ] = None,
    contact: Annotated[
        list[str] | None,
        typer.Option(
            "--contact", "-c", help="A contact the note mentions, by name or e-mail; repeatable."
        ),
    ] = None,
    visibility: Annotated[
        Visibility | None,
        typer.Option(
            help="Who may read it (default team; private when it states a sensitive fact).",
            show_default=False,
        ),
    ] = None,
    observed: Annotated[
        str | None,
        typer.Option(
            help="When you learned it: 2026-03-01 or 2026-03-01T14:30 (UTC unless an offset "
            "is given). Default now.",
            callback=iso_time,
            show_default=False,
        ),
    ] = None,
    external_id: Annotated[
        str | None, typer.Option(help="The note's id in another system.", show_default=False)
    ] = None,
    idempotency_key: Annotated[
        str | None,
        typer.Option(
            help="Runs with the same key and text make one note. Default: a new key per run "
            "(its retries reuse it).",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Write a note about an account.

    The request is retried on network failures and server errors with the same
    Idempotency-Key, so a flaky connection never makes two notes.
    """
    with reported(), connect(url, token) as api:
        will_edit = body is None and sys.stdin.isatty()
        # Resolved first when it matters: contacts are looked up within the account, and an
        # unknown account is better said before the user writes the note, not after.
        resolved = resolve_account(api, account) if contact or will_edit else None
        mentioned = resolve_contacts(api, contact or [], resolved) if resolved else []
        text = read_body(
            body,
            stdin=sys.stdin,
            environ=os.environ,
            account=resolved["name"] if resolved else account,
            visibility=visibility.value if visibility else None,
        )
        payload: dict[str, Any] = {"body": text, "source": "cli"}
        payload |= {"account_id": resolved["id"]} if resolved else {"account": account}
        if mentioned:
            payload["contact_ids"] = [c["id"] for c in mentioned]
        if visibility:
            payload["visibility"] = visibility.value
        if observed:
            payload["observed_at"] = observed
        if external_id:
            payload["external_id"] = external_id
        try:
            response = api.request(
                "POST",
                "/v1/notes",
                json=payload,
                headers={"Idempotency-Key": idempotency_key or str(uuid.uuid4())},
                idempotent=True,
            )
        except ClientError as exc:
            raise account_error(account, exc) from None
        created = api.json(response)
        if json_out:
            print(response.text)
            return
        # A replay of the user's own key means they ran this before; a replay of a key made
        # here means a retry of ours got the note the lost first answer was about.
        replayed = idempotency_key and response.headers.get("Idempotent-Replayed") == "true"
        where = f"note {created['id']} at {created['account']['name']} ({created['visibility']})"
        names = ", ".join(c["name"] for c in created["contacts"])
        mentions = f", mentions {names}" if names else ""
        say(
            f"{where}{mentions} was already created with this idempotency key"
            if replayed
            else f"created {where}{mentions}"
        )
        for warning in created.get("warnings") or []:
            err.print(f"warning: {warning.get('message')}", markup=False, highlight=False)


# --- show ---------------------------------------------------------------------------------


def show(
    note_id: Annotated[int, typer.Argument(help="The note's id, as search shows it.", min=1)],
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Show one note: account, author, contacts, when it was observed, who may read it, how
    fresh it is, and its text with the markdown rendered.

    Example: tacit show 42
    """
    with reported(), connect(url, token) as api:
        response = api.request("GET", f"/v1/notes/{note_id}")
        if json_out:
            print(response.text)
            return
        found = api.json(response)
    out.print(render_note(found, now=datetime.now(UTC)))


# --- search -------------------------------------------------------------------------------


def search(
    question: Annotated[str, typer.Argument(help="What you want to know, in your own words.")],
    account: Annotated[
        str | None,
        typer.Option(
            "--account",
            "-a",
            help="Only this account (name, domain, alias or id).",
            show_default=False,
        ),
    ] = None,
    author: Annotated[
        str | None,
        typer.Option(help="Only notes by this colleague (e-mail or id).", show_default=False),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(help="Observed on or after (2026-03-01).", callback=iso_time),
    ] = None,
    until: Annotated[
        str | None, typer.Option(help="Observed before (2026-04-01).", callback=iso_time)
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=50, help="Hits to show.")] = 10,
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Search the notes you may read; best first, with the passage that matched."""
    with reported(), connect(url, token) as api:
        query: dict[str, Any] = {"q": question, "limit": limit}
        if account:
            query["account_id"] = resolve_account(api, account)["id"]
        if author:
            query["author_id"] = resolve_user_id(api, author)
        query |= {k: v for k, v in (("since", since), ("until", until)) if v}
        # Searching changes nothing but the record of what was shown: safe to retry.
        response = api.request("POST", "/v1/search", json=query, idempotent=True)
        if json_out:
            print(response.text)
            return
        result = api.json(response)
        if result.get("answer"):
            out.print(search_answer(result["answer"]))
        if result["hits"]:
            out.print(search_hits(result, width=out.width))
        caption = search_caption(result) if result["hits"] else "no notes match"
        # Wrapped to the terminal, not one long line: the caption names every account searched.
        out.print(caption, markup=False, highlight=False)


# --- brief --------------------------------------------------------------------------------


def read_invitation(path: Path) -> str:
    """An .ics file's text (``-``: standard input), refused early when far too large."""
    try:
        if str(path) == "-":
            text = sys.stdin.read(MAX_INVITATION_CHARS + 1)
        else:
            with path.open(encoding="utf-8", errors="replace") as file:
                text = file.read(MAX_INVITATION_CHARS + 1)
    except OSError as exc:
        raise ClientError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(text) > MAX_INVITATION_CHARS:
        raise ClientError(f"{path} is larger than an invitation can be (1 MiB)")
    return text


def brief(
    account: Annotated[
        str | None,
        typer.Argument(
            help="The account: name, alias, domain, e-mail address or id.",
            metavar="ACCOUNT",
            show_default=False,
        ),
    ] = None,
    attendee: Annotated[
        list[str] | None,
        typer.Option(
            "--attendee",
            help='Brief a meeting instead: an attendee, as "Name <address>", an address or a '
            "name; repeatable.",
            show_default=False,
        ),
    ] = None,
    ics: Annotated[
        Path | None,
        typer.Option(
            "--ics",
            help="Brief a meeting instead: its .ics invitation (- reads standard input).",
            show_default=False,
        ),
    ] = None,
    json_out: JsonOption = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """One page on an account before a call, from the notes you may read: its buying
    influences and reports-to chart, gaps, what is known by topic, what changed, what is stale
    or contradicted, and whom to ask. With --attendee or --ics: each attendee's personal
    context, then the brief of the account they belong to."""
    meeting = bool(attendee) or ics is not None
    if account is not None and meeting:
        raise typer.BadParameter(
            "give an ACCOUNT, or a meeting's --attendee/--ics, not both", param_hint="ACCOUNT"
        )
    if account is None and not meeting:
        raise typer.BadParameter(
            "give an ACCOUNT, or a meeting's attendees with --attendee or --ics",
            param_hint="ACCOUNT",
        )
    with reported(), connect(url, token) as api:
        resolved: dict[str, Any] | None = None
        if meeting:
            payload: dict[str, Any] = {"attendees": attendee or []}
            if ics is not None:
                payload["invitation"] = read_invitation(ics)
            # Nothing is stored: safe to retry.
            response = api.request("POST", "/v1/briefs/meeting", json=payload, idempotent=True)
        else:
            assert account is not None
            resolved = resolve_account(api, account)
            response = api.request("GET", f"/v1/accounts/{resolved['id']}/brief")
        if json_out:
            print(response.text)
            return
        result = api.json(response)
    out.print(render_meeting(result) if meeting else render_brief(result, resolved))


# --- login --------------------------------------------------------------------------------


def ask_token(server: str) -> str:
    """Typed without echo on a terminal; piped in (``echo $T | tacit login``) otherwise."""
    if sys.stdin.isatty():
        return str(typer.prompt(f"Token for {server}", hide_input=True))
    return sys.stdin.readline()


def login(url: UrlOption = None, token: TokenOption = None) -> None:
    """Check a token against a server and save both in the config file (readable by you
    only), so that other commands need neither. Without --token or TACIT_TOKEN the token is
    asked for, or read from standard input when it is piped."""
    with reported():
        chosen = url or os.environ.get("TACIT_URL")
        if not chosen:
            raise ConfigError("give the server: tacit login --url https://tacit.example.com")
        server = normalize_url(chosen)
        secret = (token or os.environ.get("TACIT_TOKEN") or ask_token(server)).strip()
        if not secret:
            raise ConfigError("no token given")
        with Api(Remote(server, secret, "the token given")) as api:
            try:
                me = api.get("/v1/me")
            except ClientError as exc:
                if exc.status != 401:
                    raise
                detail = exc.problem.get("detail") or "not a valid token"
                raise ClientError(f"the server refused the token (401): {detail}") from None
        path = config_path(os.environ)
        try:
            save_config(path, url=server, token=secret)
        except OSError as exc:
            raise ClientError(f"cannot write {exc.filename or path}: {exc.strerror}") from None
        email = f" ({me['email']})" if me.get("email") else ""
        say(f"logged in to {server} as {me['name']}{email}; saved in {path}")


# --- mcp ----------------------------------------------------------------------------------


def mcp_command(url: UrlOption = None, token: TokenOption = None) -> None:
    """Serve the server's MCP tools on standard input and output, for an AI assistant that
    starts a local command (Claude Desktop, an IDE): it searches, briefs and writes notes as
    you, through the server's /mcp, with the URL and token `tacit login` saved."""
    # Imported here: the SDK is a large import that no other command needs, and an extra
    # (tacit[mcp]) that a client-only install may not have.
    try:
        from app.client.mcp_bridge import serve_stdio
    except ModuleNotFoundError as exc:
        fail(f"tacit mcp needs the MCP SDK: pip install 'tacit[mcp]' (no {exc.name!r} module)")

    with reported():
        remote = require_remote(url=url, token=token, environ=os.environ)
        with Api(remote) as api:
            # A refused token or an unreachable server is one line now, before the assistant
            # is told anything; standard output stays the protocol's alone.
            api.get("/v1/me")
        import anyio  # httpx's own dependency; only this command runs an event loop

        try:
            anyio.run(serve_stdio, remote)
        except Exception as exc:  # the SDK's task groups raise groups: say the first cause
            cause: BaseException = exc
            while isinstance(cause, BaseExceptionGroup) and cause.exceptions:
                cause = cause.exceptions[0]
            raise ClientError(
                f"the MCP server at {remote.url}/mcp failed: {cause or type(cause).__name__}"
            ) from None


# Shown under each command's --help (``show`` has its example in its docstring).
EXAMPLES = {
    "note": 'Example: tacit note "Meg (CFO) has final say over $50k" --account harbor.example',
    "search": 'Example: tacit search "who signs off at Harbor?" --since 2026-01-01',
    "brief": "Example: tacit brief harbor.example",
    "login": "Example: tacit login --url https://tacit.example.com",
    "mcp": "Example: tacit mcp (after tacit login; an assistant starts it)",
}


def register(cli: typer.Typer) -> None:
    """Add the client's commands to ``tacit``."""
    # Here, not at the top: these modules build on this one's options and helpers.
    from app.client.contacts import contacts_cli
    from app.client.handover import users_cli

    for command in (note, show, search, brief, login):
        cli.command(epilog=EXAMPLES.get(command.__name__))(command)
    cli.command(name="mcp", epilog=EXAMPLES["mcp"])(mcp_command)
    cli.add_typer(contacts_cli, name="contacts")
    cli.add_typer(users_cli, name="users")
