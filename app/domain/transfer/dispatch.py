"""The one way an import starts: one CSV file of notes, or the data set's JSON Lines files,
from an upload (``POST /v1/imports``: ``import_files``) or a path (``tacit import``:
``import_path``). Both choose the format here and get the same report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PureWindowsPath
from typing import Literal

from sqlalchemy.orm import Session

from app.db.models import User
from app.domain.access import Principal, ensure_can_import_dataset
from app.domain.sensitivity import SPECIAL_ONLY, Categories
from app.domain.transfer import csv_import, dataset_import
from app.domain.transfer.report import (
    ImportFile,
    ImportRejected,
    ImportReport,
    Progress,
    no_progress,
)
from app.errors import Invalid

Kind = Literal["csv", "dataset"]


def file_name(name: str) -> str:
    """The bare name of an uploaded file; browsers may send a path (with either slash)."""
    return PureWindowsPath(name.replace("/", "\\")).name


def import_files(
    session: Session,
    files: Sequence[ImportFile],
    *,
    caller: User,
    dry_run: bool,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> ImportReport:
    """Import uploaded files as ``caller``: a ``.csv`` of notes (anyone; whose rows, and over
    which notes, ``app.domain.access`` says), or data-set ``.jsonl`` files (admins: they create
    users). Problems make a dry run's report and keep a real run from writing
    (``ImportRejected``)."""
    kind = _kind_of(files)
    if kind == "dataset":
        ensure_can_import_dataset(caller)
        names = [f.name.lower() for f in files]
        if repeated := sorted({n for n in names if names.count(n) > 1}):
            raise Invalid(f"{', '.join(repeated)} sent more than once")
        files = [ImportFile(f.name.lower(), f.data) for f in files]
    report = _run(
        session,
        kind,
        files,
        actor=caller,
        dry_run=dry_run,
        origin="the upload",
        sensitive_categories=sensitive_categories,
    )
    if report.problems and not dry_run:
        raise ImportRejected(report.problems)
    return report


def import_path(
    session: Session,
    path: Path,
    *,
    actor: Principal,
    dry_run: bool,
    progress: Progress = no_progress,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> ImportReport:
    """Import a ``.csv`` file of notes, or a folder holding the data set's files. A report
    with problems has written nothing; the caller shows them."""
    if path.suffix.lower() == ".csv":
        if not path.is_file():
            raise Invalid(f"{path} is not a file")
        files = [ImportFile(path.name, path.read_bytes())]
        kind: Kind = "csv"
    else:
        ensure_can_import_dataset(actor)
        files = dataset_import.dataset_files(path)
        kind = "dataset"
    return _run(
        session,
        kind,
        files,
        actor=actor,
        dry_run=dry_run,
        origin=str(path),
        progress=progress,
        sensitive_categories=sensitive_categories,
    )


def _run(
    session: Session,
    kind: Kind,
    files: Sequence[ImportFile],
    *,
    actor: Principal,
    dry_run: bool,
    origin: str,
    progress: Progress = no_progress,
    sensitive_categories: Categories,
) -> ImportReport:
    """Import ``files`` of one kind as ``actor``, whom the caller has checked may import a data
    set. CSV rows without an owner become the actor's own (the system's import names every
    owner). ``origin`` says where a data set came from, for messages and the audit trail."""
    if kind == "csv":
        return csv_import.import_notes_csv(
            session,
            files[0],
            actor=actor,
            default_owner=actor if isinstance(actor, User) else None,
            dry_run=dry_run,
            progress=progress,
            sensitive_categories=sensitive_categories,
        )
    return dataset_import.import_dataset_files(
        session,
        files,
        actor=actor,
        dry_run=dry_run,
        origin=origin,
        progress=progress,
        sensitive_categories=sensitive_categories,
    )


def _kind_of(files: Sequence[ImportFile]) -> Kind:
    """What the uploaded files are, by their names; ``Invalid`` for a mixture."""
    if not files:
        raise Invalid("no files: send the file(s) to import as multipart parts named files")
    csv_files = [f for f in files if f.name.lower().endswith(".csv")]
    jsonl_files = [f for f in files if f.name.lower().endswith(".jsonl")]
    if others := [f.name for f in files if not f.name.lower().endswith((".csv", ".jsonl"))]:
        raise Invalid(
            f"{', '.join(others)}: send a .csv file of notes, or the data set's "
            f"{', '.join(dataset_import.FILE_NAMES)}"
        )
    if csv_files and jsonl_files:
        raise Invalid("send one .csv file, or the data set's .jsonl files, not both at once")
    if len(csv_files) > 1:
        raise Invalid(f"send one .csv file at a time, not {len(csv_files)}")
    return "csv" if csv_files else "dataset"
