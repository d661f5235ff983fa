"""Moving knowledge in and out: import (CSV or a data set), import-mail and export, on this
database or on a server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from app.cli.common import cli, database, err, fail, load_settings, out, services
from app.client.commands import TokenOption, UrlOption
from app.client.remote_transfer import export_remotely, import_remotely
from app.domain.transfer.report import MAX_LISTED, ImportReport, Problem, Progress, in_order
from app.errors import AppError
from app.services import Services


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


def embed_here(built: Services) -> int:
    """Run an embedding worker in this process until nothing is pending, with a bar of the
    notes embedded (the local import's ``--wait``); how many notes it embedded."""
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
    from rich.progress import Progress as Bars

    from app.worker.embedding import pending_jobs, run_once

    db, embedder = built.database, built.worker_embedder
    total = pending_jobs(db)
    columns = (TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    done = 0
    with Bars(*columns, console=err, disable=not err.is_terminal, transient=True) as bars:
        task = bars.add_task("embedding", total=total)
        while claimed := run_once(db, embedder):
            done += claimed
            bars.update(task, completed=min(done, total))
    return done


@cli.command("import", epilog="Example: tacit import notes.csv --dry-run --as ana@example.com")
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
    wait: Annotated[
        bool | None,
        typer.Option(
            "--wait/--no-wait",
            help="Wait until every note is searchable by meaning, with a progress bar. "
            "Default: on a server, wait when on a terminal; on the local database, don't "
            "(--wait embeds here, now).",
            show_default=False,
        ),
    ] = None,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Import notes from a CSV file, or a data set; all or nothing, and re-running it adds
    nothing twice. Prints what was created, updated, left alone or skipped, and every problem
    with its file and row; exits 1 if there is any. With a server configured (--url,
    TACIT_URL or `tacit login`) the files go to it, imported as the token's user; otherwise
    into the local database. Then waits while the notes are embedded (searchable by meaning;
    keyword search finds them at once), or says how to follow it."""
    if import_remotely(path, dry_run=dry_run, as_user=as_user, url=url, token=token, wait=wait):
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
    if report.dry_run or not (report.created["notes"] or report.updated["notes"]):
        return  # nothing new to embed (a dry run writes nothing)
    if wait:
        with services(settings) as built:
            embedded = embed_here(built)
        out.print(f"embedded {embedded} note(s): every note is searchable by meaning")
    else:
        out.print(
            "notes are searchable by keyword now, and by meaning once embedded: `tacit serve` "
            "embeds them as it runs, `tacit worker --until-empty` now (or import with --wait)"
        )


@cli.command("import-mail", epilog="Example: tacit import-mail archive.mbox inbox/")
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


@cli.command("export", epilog="Example: tacit export out/ --csv")
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
