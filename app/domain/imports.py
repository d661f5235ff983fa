"""An import of uploaded files: one CSV file of notes, or the data set's JSON Lines files.
Shared by ``POST /v1/imports`` and ``tacit import``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PureWindowsPath

from sqlalchemy.orm import Session

from app.db.models import Role, User
from app.domain import csv_transfer, transfer
from app.domain.import_report import ImportFile, ImportRejected, ImportReport
from app.errors import Forbidden, Invalid


def file_name(name: str) -> str:
    """The bare name of an uploaded file; browsers may send a path (with either slash)."""
    return PureWindowsPath(name.replace("/", "\\")).name


def import_files(
    session: Session, files: Sequence[ImportFile], *, caller: User, dry_run: bool
) -> ImportReport:
    """Import the files as ``caller``: a ``.csv`` of notes (anyone; whose rows, and over which
    notes, ``app.domain.access`` says), or data-set ``.jsonl`` files (admins: they create
    users). Problems make a dry run's report and keep a real run from writing
    (``ImportRejected``)."""
    if not files:
        raise Invalid("no files: send the file(s) to import as multipart parts named files")
    csv_files = [f for f in files if f.name.lower().endswith(".csv")]
    jsonl_files = [f for f in files if f.name.lower().endswith(".jsonl")]
    if others := [f.name for f in files if not f.name.lower().endswith((".csv", ".jsonl"))]:
        raise Invalid(
            f"{', '.join(others)}: send a .csv file of notes, or the data set's "
            f"{', '.join(transfer.FILE_NAMES)}"
        )
    if csv_files and jsonl_files:
        raise Invalid("send one .csv file, or the data set's .jsonl files, not both at once")
    if len(csv_files) > 1:
        raise Invalid(f"send one .csv file at a time, not {len(csv_files)}")
    if csv_files:
        report = csv_transfer.import_notes_csv(
            session, csv_files[0], actor=caller, default_owner=caller, dry_run=dry_run
        )
    else:
        if caller.role != Role.admin:
            raise Forbidden("a data-set import creates users and teams: it needs the admin role")
        names = [f.name.lower() for f in jsonl_files]
        if repeated := sorted({n for n in names if names.count(n) > 1}):
            raise Invalid(f"{', '.join(repeated)} sent more than once")
        report = transfer.import_dataset_files(
            session,
            [ImportFile(f.name.lower(), f.data) for f in jsonl_files],
            actor=caller,
            dry_run=dry_run,
            origin="the upload",
        )
    if report.problems and not dry_run:
        raise ImportRejected(report.problems)
    return report
