"""The answer to an import: what was (or, in a dry run, would be) created, updated, left alone
or skipped, and the problems that keep it from being written."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.schemas.common import Schema
from app.schemas.notes import NoteWarning


class ImportProblemRead(Schema):
    file: str
    line: int = Field(
        description="The line of a .jsonl file; the row of a .csv file as a "
        "spreadsheet numbers it (the header is row 1)."
    )
    column: str | None = Field(
        default=None,
        description="The column (as the file's header names it) or field; "
        "absent for a problem with the whole row.",
    )
    problem: str


class ImportSkippedRead(Schema):
    file: str
    line: int
    reason: str


class ImportWarningRead(NoteWarning):
    """A row written as asked, whose note deserves a second look (see `POST /v1/notes`)."""

    file: str
    line: int


class ImportReportRead(Schema):
    format: Literal["csv", "dataset"]
    dry_run: bool
    created: dict[str, int] = Field(
        description="Counts by kind: notes (and for a data set users, accounts, contacts)."
    )
    updated: dict[str, int]
    unchanged: dict[str, int]
    skipped: list[ImportSkippedRead] = Field(
        description="Rows deliberately not written: a duplicate of an earlier row, a note "
        "deleted in Tacit since it was imported."
    )
    warnings: list[ImportWarningRead] = Field(
        description="Rows written (in a dry run: to be written) as asked, whose note deserves "
        "a second look: a sensitive fact that more people than its author can read."
    )
    problems: list[ImportProblemRead] = Field(
        description="Only in a dry run's answer (a real run with problems is a 422): each "
        "problem that would keep the import from being written."
    )
