"""What every import gives back: counts by kind, the rows it skipped and why, the rows written
as asked that deserve a second look, and the problems that kept it from writing anything.
Shared by the data-set import (``dataset_import``), the CSV import of notes (``csv_import``),
the HTTP endpoint and the CLI."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from app.db.models import Note
from app.domain.sensitivity import SensitiveWarning, note_warnings
from app.errors import Invalid

# A file with a problem on every row would make an answer as large as the file; the first ones
# are what a person fixes first.
MAX_LISTED = 1000

Format = Literal["csv", "dataset"]


@dataclass(frozen=True)
class ImportFile:
    """One file as uploaded or read from disk: its name (which says its kind) and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Problem:
    """Something that keeps a file from being imported, where a person finds it: the line of a
    JSON Lines file, or the row of a CSV file as a spreadsheet numbers it (header = row 1)."""

    file: str
    line: int
    problem: str
    column: str | None = None

    def __str__(self) -> str:
        unit = "row" if self.file.lower().endswith(".csv") else "line"
        where = f"{self.column}: " if self.column else ""
        return f"{self.file} {unit} {self.line}: {where}{self.problem}"

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"file": self.file, "line": self.line}
        if self.column:
            found["column"] = self.column
        found["problem"] = self.problem
        return found


def in_order(problems: list[Problem]) -> list[Problem]:
    """By file, then line (or row), then column."""
    return sorted(problems, key=lambda p: (p.file, p.line, p.column or "", p.problem))


@dataclass(frozen=True)
class Skipped:
    """A row deliberately not written, which is not a mistake (a duplicate, a deleted note)."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class RowWarning:
    """A row written (or, in a dry run, to be written) as asked, whose note its writer should
    look at again: a sensitive fact that more people than its author can read."""

    file: str
    line: int
    warning: SensitiveWarning


@dataclass
class ImportReport:
    format: Format = "dataset"
    kinds: tuple[str, ...] = ("users", "accounts", "contacts", "notes")
    dry_run: bool = False
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    skipped: list[Skipped] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[RowWarning] = field(default_factory=list)

    def warn(self, file: str, line: int, warnings: list[SensitiveWarning]) -> None:
        self.warnings += [RowWarning(file, line, w) for w in warnings]

    def warn_about(self, file: str, line: int, note: Note) -> None:
        self.warn(file, line, note_warnings(note))

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                "created": self.created[kind],
                "updated": self.updated[kind],
                "unchanged": self.unchanged[kind],
            }
            for kind in self.kinds
        }

    def counts(self, counter: Counter[str]) -> dict[str, int]:
        return {kind: counter[kind] for kind in self.kinds}

    @property
    def wrote(self) -> bool:
        """Whether the import changed anything (a dry run never does)."""
        if self.dry_run or self.problems:
            return False
        return any(self.created.values()) or any(self.updated.values())


class ImportRejected(Invalid):
    """An import with problems, which therefore wrote nothing; ``problems`` lists each one."""

    def __init__(self, problems: list[Problem]) -> None:
        listed = in_order(problems)[:MAX_LISTED]
        more = f" (the first {MAX_LISTED} are listed)" if len(problems) > MAX_LISTED else ""
        super().__init__(
            f"the import has {len(problems)} problem(s){more}; nothing was written",
            problems=[p.as_dict() for p in listed],
        )
        self.problems = problems


class Progress(Protocol):
    """Told how far long work has come (the CLI draws a bar with it)."""

    def __call__(self, phase: str, done: int, total: int) -> None: ...


def no_progress(phase: str, done: int, total: int) -> None:
    """The default: nobody is watching."""
