"""``tacit``: the server's admin tool (serve, migrate, users, tokens, import, import-mail,
export, audit purge, contacts), and the client of a server for everyone else (note, search,
brief, login: see ``app.client``).

The admin commands work on the database of ``TACIT_DATABASE_URL`` (``import`` and ``export``
on a server instead, when one is configured). On SQLite, the embedded default, commands bring
the schema up to date themselves, so a fresh install needs no extra step; on PostgreSQL, where
several processes share one database, ``tacit migrate`` is an explicit step.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from app.client.commands import (
    TokenOption,
    UrlOption,
    export_remotely,
    import_remotely,
    register,
)
from app.config import Settings
from app.db.engine import Database
from app.db.migrate import pending_revisions, upgrade
from app.db.models import Role
from app.domain.sensitivity import check_stored
from app.domain.transfer.report import MAX_LISTED, ImportReport, Problem, Progress, in_order
from app.errors import AppError
from app.services import SchemaOutOfDate, Services, open_services
from app.worker.embedding import BATCH_NOTES

cli = typer.Typer(
    help="Tacit: tacit customer knowledge, captured and found.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
users_cli = typer.Typer(help="Manage users.", no_args_is_help=True)
tokens_cli = typer.Typer(help="Manage API tokens.", no_args_is_help=True)
audit_cli = typer.Typer(help="The audit trail.", no_args_is_help=True)
cli.add_typer(users_cli, name="users")
cli.add_typer(tokens_cli, name="tokens")
cli.add_typer(audit_cli, name="audit")
events_cli = typer.Typer(help="The event stream (outbox).", no_args_is_help=True)
cli.add_typer(events_cli, name="events")
contacts_cli = typer.Typer(help="The people at customer accounts.", no_args_is_help=True)
cli.add_typer(contacts_cli, name="contacts")

out = Console()
# soft_wrap: an error is one line a script can grep, whatever the terminal's width.
err = Console(stderr=True, soft_wrap=True)


def fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(1)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        fail("; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors()))


@contextmanager
def services(settings: Settings | None = None) -> Iterator[Services]:
    """The services of the configured database (a SQLite schema brought up to date on the
    way), with clear words for expected errors."""
    try:
        built = open_services(settings or load_settings(), migrate_embedded=True)
    except SchemaOutOfDate as exc:
        fail(str(exc))
    try:
        yield built
    except AppError as exc:
        problems = exc.extensions.get("problems") or []
        for line in problems[:50]:
            err.print(f"  - {escape(line)}")
        if len(problems) > 50:
            err.print(f"  ... and {len(problems) - 50} more")
        fail(exc.detail)
    finally:
        built.close()


@contextmanager
def database() -> Iterator[Database]:
    """For the commands that need only the database."""
    with services() as built:
        yield built.database


@cli.command()
def migrate(
    recheck_sensitive: Annotated[
        bool,
        typer.Option(
            "--recheck-sensitive",
            help="Check every note for sensitive facts again (after changing "
            "TACIT_SENSITIVE_CATEGORIES): marks change, visibilities never do.",
        ),
    ] = False,
) -> None:
    """Bring the database schema up to date (safe to run at any time), and detect the
    sensitive facts of notes not checked yet."""
    settings = load_settings()
    db = Database(settings.database_url)
    try:
        pending = pending_revisions(db.engine)
        upgrade(db.engine)
        with db.unit_of_work() as session:
            marked = check_stored(session, settings.sensitive_categories, every=recheck_sensitive)
    finally:
        db.dispose()
    out.print(f"schema up to date ({len(pending)} migration(s) applied) on {db.dialect}")
    if marked:
        out.print(f"sensitive facts newly marked or changed on {marked} note(s)")


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run the API server."""
    import uvicorn

    from app.main import create_app

    settings = load_settings()
    url = (
        settings.database_url.split("@")[-1]
        if "@" in settings.database_url
        else (settings.database_url)
    )
    # Built here, not as the app starts: a stale schema is then a command error, not a trace.
    with services(settings) as built:
        out.print(f"Tacit listening on http://{host}:{port}  (API docs: http://{host}:{port}/docs)")
        out.print(f"database: {url}  environment: {settings.env}")
        uvicorn.run(create_app(settings, services=built), host=host, port=port, log_level="info")


@cli.command()
def worker(
    batch: Annotated[int, typer.Option(help="Notes claimed per round.")] = BATCH_NOTES,
    poll: Annotated[float, typer.Option(help="Seconds to wait when the queue is empty.")] = 1.0,
    until_empty: Annotated[
        bool, typer.Option("--until-empty", help="Exit once nothing is pending.")
    ] = False,
    threads: Annotated[
        int, typer.Option(help="CPU threads for the model (0: all; a worker has the cores).")
    ] = 0,
) -> None:
    """Run an embedding worker in this process (as many as you like, on any machine)."""
    import time

    from app.worker.embedding import run_once

    settings = load_settings().model_copy(update={"torch_threads": threads})
    with services(settings) as built:
        db, embedder = built.database, built.embedder
        err.print(f"embedding worker on {db.dialect} with {embedder.name}")
        done = 0
        try:
            while True:
                claimed = run_once(db, embedder, batch_notes=batch)
                done += claimed
                if claimed:
                    continue
                if until_empty:
                    break
                time.sleep(poll)
        except KeyboardInterrupt:
            pass
        err.print(f"processed {done} job(s)")


@cli.command()
def reindex(
    force: Annotated[
        bool, typer.Option("--force", help="Re-embed everything, even vectors of this model.")
    ] = False,
) -> None:
    """Queue the notes whose vectors are missing or from another model (after a model change).
    Workers (`tacit serve` or `tacit worker`) then embed them."""
    from app.search.indexing import enqueue_stale

    with services() as built, built.database.unit_of_work() as session:
        built.index.prepare(session)
        model = built.embedder.name
        queued = enqueue_stale(session, model, force=force)
    out.print(f"queued {queued} note(s) for embedding with {model}")


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


@audit_cli.command("purge")
def audit_purge() -> None:
    """Delete audit events and note views older than TACIT_AUDIT_RETENTION_DAYS (default 730);
    the purge itself is recorded. Run it from cron, e.g. daily."""
    from datetime import timedelta

    from app.db.base import utcnow
    from app.domain.audit import purge

    days = load_settings().audit_retention_days
    before = utcnow() - timedelta(days=days)
    with database() as db, db.unit_of_work() as session:
        purged = purge(session, before=before)
    out.print(
        f"deleted {purged.events} audit event(s) and {purged.views} note view(s) older than "
        f"{days} days (before {before:%Y-%m-%d %H:%M} UTC)"
    )


@events_cli.command("purge")
def events_purge() -> None:
    """Delete outbox events older than TACIT_EVENT_RETENTION_DAYS (default 30), with the
    deliveries still owed for them. Run it from cron, e.g. daily."""
    from datetime import timedelta

    from app.db.base import utcnow
    from app.domain.events import purge

    days = load_settings().event_retention_days
    before = utcnow() - timedelta(days=days)
    with database() as db, db.unit_of_work() as session:
        purged = purge(session, before=before)
    out.print(
        f"deleted {purged} event(s) older than {days} days (before {before:%Y-%m-%d %H:%M} UTC)"
    )


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


@contextmanager
def progress_bars() -> Iterator[Progress]:
    """A bar per phase of long work, on standard error, drawn only when it is a terminal."""
    from rich.progress import Progress as Bars
    from rich.progress import TaskID

    with Bars(console=err, disable=not err.is_terminal, transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def update(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bars.add_task(phase, total=total)
            bars.update(tasks[phase], completed=done, total=total)

        yield update


def print_report(report: ImportReport) -> None:
    """The counts (a table), each skipped row, and each problem, before failing on any."""
    table = Table("kind", "created", "updated", "unchanged")
    for kind, counts in report.summary().items():
        table.add_row(kind, *(str(counts[k]) for k in ("created", "updated", "unchanged")))
    out.print(table)
    for skipped in report.skipped:
        unit = "row" if skipped.file.lower().endswith(".csv") else "line"
        out.print(f"skipped {escape(f'{skipped.file} {unit} {skipped.line}: {skipped.reason}')}")
    problems = in_order(report.problems)
    for problem in problems[:MAX_LISTED]:
        err.print(f"  - {escape(str(problem))}")
    if len(problems) > MAX_LISTED:
        err.print(f"  ... and {len(problems) - MAX_LISTED} more")
    for w in report.warnings[:MAX_LISTED]:
        err.print(f"warning: {escape(str(Problem(w.file, w.line, w.warning.message)))}")
    if report.dry_run:
        out.print("dry run: nothing was written")
    if problems:
        fail(f"the import has {len(problems)} problem(s); nothing was written")


@cli.command("import")
def import_(
    path: Annotated[
        Path,
        typer.Argument(
            help="A .csv file of notes, or a folder with users/accounts/contacts/notes.jsonl."
        ),
    ],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check everything and report; write nothing.")
    ] = False,
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="Import as this user (id, e-mail or external id), with their rights; CSV rows "
            "without an owner become theirs.",
        ),
    ] = None,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Import notes from a CSV file, or a data set; all or nothing, and re-running it adds
    nothing twice. Prints what was created, updated, left alone or skipped, and every problem
    with its file and row; exits 1 if there is any. With a server configured (--url,
    TACIT_URL or `tacit login`) the files go to it, imported as the token's user; otherwise
    into the local database."""
    if import_remotely(path, dry_run=dry_run, as_user=as_user, url=url, token=token):
        return
    from app.domain.access import SYSTEM
    from app.domain.transfer.dispatch import import_path
    from app.domain.users import find_user

    settings = load_settings()
    with database() as db, db.unit_of_work() as session, progress_bars() as progress:
        # Problems write nothing (a data set's savepoint is rolled back), so this may commit.
        actor = find_user(session, as_user) if as_user else SYSTEM
        report = import_path(
            session,
            path,
            actor=actor,
            dry_run=dry_run,
            progress=progress,
            sensitive_categories=settings.sensitive_categories,
        )
    print_report(report)


@cli.command("import-mail")
def import_mail(
    paths: Annotated[
        list[Path], typer.Argument(help=".eml files, mbox files, or folders of them.")
    ],
) -> None:
    """Capture e-mail as notes, each by its sender, as if mailed in; messages captured before
    are skipped. Prints the counts; exits 1 if any message was rejected."""
    from app.domain.access import SYSTEM
    from app.domain.inbound import capture_email
    from app.errors import Gone
    from app.mail.files import read_messages

    settings = load_settings()
    counts = dict.fromkeys(("created", "replayed", "unresolved", "rejected"), 0)
    with database() as db:
        for message in read_messages(paths):
            outcome, reason = "rejected", message.error
            if message.raw is not None and len(message.raw) > settings.max_email_bytes:
                reason = f"larger than TACIT_MAX_EMAIL_BYTES ({settings.max_email_bytes} bytes)"
            elif message.raw is not None:
                try:
                    with db.unit_of_work() as session:
                        captured = capture_email(
                            session,
                            message.raw,
                            caller=SYSTEM,
                            sensitive_categories=settings.sensitive_categories,
                        )
                        outcome, reason = captured.outcome, captured.item.unresolved_reason
                except Gone:  # captured before, and its note deleted since: nothing to do
                    outcome = "replayed"
                except AppError as exc:
                    reason = exc.detail
                except Exception as exc:  # one broken message must not end a long import
                    reason = f"unexpected error: {exc!r}"
            counts[outcome] += 1
            if outcome in ("rejected", "unresolved"):
                err.print(f"  - {escape(message.label)}: {outcome}: {escape(reason or '')}")
    out.print(json.dumps(counts))
    if counts["rejected"]:
        fail(f"{counts['rejected']} message(s) rejected")


@cli.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write the .jsonl files to.")],
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as", help="Export only what this user (id, e-mail or external id) may read."
        ),
    ] = None,
    csv: Annotated[
        bool,
        typer.Option(
            "--csv",
            help="Write the notes as DIRECTORY/notes.csv (or to the .csv path given), in the "
            "columns of the CSV import, instead of the data set.",
        ),
    ] = False,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Export everything (or one user's view) in the data-set format. With a server configured
    (--url, TACIT_URL or `tacit login`) over HTTP, as the token's user; otherwise from the
    local database."""
    if export_remotely(directory, as_user=as_user, url=url, token=token, csv=csv):
        return
    from app.domain.access import SYSTEM
    from app.domain.transfer.csv_export import export_notes_csv_file
    from app.domain.transfer.dataset_export import export_dataset
    from app.domain.users import find_user

    with database() as db, db.unit_of_work() as session:
        viewer = find_user(session, as_user) if as_user else SYSTEM
        if csv:
            target = directory if directory.suffix.lower() == ".csv" else directory / "notes.csv"
            with progress_bars() as progress:
                counts = {
                    "notes": export_notes_csv_file(
                        session, target, viewer=viewer, progress=progress
                    )
                }
        else:
            counts = export_dataset(session, directory, viewer=viewer)
    out.print(json.dumps(counts))


register(cli)


def main() -> None:
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
