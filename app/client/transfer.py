"""``tacit import`` and ``tacit export`` over HTTP: a data set uploaded to ``POST /v1/imports``,
or downloaded from ``GET /v1/export/{kind}``, with progress bars on a terminal; then, for an
import, the wait until the server has embedded the notes (``GET /v1/status``)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack, contextmanager
from csv import reader as csv_reader
from pathlib import Path
from typing import IO, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from app.client.http import Api, ClientError

DATASET_FILES = ("users.jsonl", "accounts.jsonl", "contacts.jsonl", "notes.jsonl")
EXPORT_KINDS = ("users", "accounts", "contacts", "notes")
COUNTS = ("created", "updated", "unchanged", "skipped")
CONTENT_TYPES = {".jsonl": "application/x-ndjson", ".csv": "text/csv"}


@contextmanager
def progress_bar(console: Console) -> Iterator[Progress]:
    """Byte progress on standard error, shown only when it is a terminal: scripts and logs get
    no control characters."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=False,
    )
    with bar:
        yield bar


class CountingFile:
    """A binary file that reports how much of it has been read (httpx reads upload parts in
    chunks); rewinding, as a retry does, takes the count back."""

    def __init__(self, file: IO[bytes], advance: Callable[[int], None]) -> None:
        self._file, self._advance, self._read = file, advance, 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._file.read(size)
        self._read += len(chunk)
        self._advance(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        position = self._file.seek(offset, whence)
        self._advance(position - self._read)
        self._read = position
        return position

    def tell(self) -> int:
        return self._file.tell()

    def fileno(self) -> int:
        return self._file.fileno()


def files_to_upload(path: Path) -> list[Path]:
    """A data-set folder's .jsonl files, or one .csv (or .jsonl) file."""
    if path.is_dir():
        found = [path / name for name in DATASET_FILES if (path / name).is_file()]
        if not found:
            raise ClientError(f"{path} holds none of {', '.join(DATASET_FILES)}")
        return found
    if path.is_file() and path.suffix.lower() in CONTENT_TYPES:
        return [path]
    if not path.exists():
        raise ClientError(f"{path}: no such file or directory")
    raise ClientError(f"{path} is neither a data-set folder nor a .csv file")


def problem_line(problem: Any) -> str:
    """``{"file": "notes.csv", "line": 7, "column": "account", "problem": "..."}`` as
    ``notes.csv row 7: account: ...`` (rows for CSV, as a spreadsheet numbers them)."""
    if not isinstance(problem, Mapping):
        return str(problem)
    file, line = problem.get("file"), problem.get("line")
    unit = "row" if str(file).lower().endswith(".csv") else "line"
    where = f"{file} {unit} {line}" if file and line else str(file or "")
    column = f"{problem['column']}: " if problem.get("column") else ""
    text = problem.get("problem") or problem.get("reason") or problem.get("message") or ""
    return f"{where}: {column}{text}" if where else f"{column}{text}"


def upload_import(api: Api, path: Path, *, dry_run: bool, console: Console) -> dict[str, Any]:
    """The server's import report; a ``ClientError`` listing the problems if it refused."""
    files = files_to_upload(path)
    try:
        total = sum(f.stat().st_size for f in files)
        with ExitStack() as stack, progress_bar(console) as bar:
            task = bar.add_task(f"uploading {path.name}", total=total)

            def advance(n: int) -> None:
                bar.advance(task, n)

            parts = [
                (
                    "files",
                    (
                        f.name,
                        CountingFile(stack.enter_context(f.open("rb")), advance),
                        CONTENT_TYPES[f.suffix.lower()],
                    ),
                )
                for f in files
            ]
            response = api.request(
                "POST",
                "/v1/imports",
                params={"dry_run": "true" if dry_run else "false"},
                files=parts,
                idempotent=True,  # an import run twice adds nothing twice
            )
    except OSError as exc:
        raise ClientError(f"cannot read {exc.filename or path}: {exc.strerror}") from None
    except ClientError as exc:
        if exc.status in (404, 405):
            raise ClientError(
                f"{api.remote.url} does not take imports over HTTP "
                f"(POST /v1/imports answered {exc.status}); is it an older Tacit?"
            ) from None
        problems = exc.problem.get("problems")
        if isinstance(problems, list):
            # Worded as the local import words it: the detail says it all.
            raise ClientError(
                str(exc.problem.get("detail") or exc.message),
                status=exc.status,
                problem=exc.problem,
                lines=[problem_line(p) for p in problems],
            ) from None
        raise
    report: dict[str, Any] = api.json(response)
    return report


# How long the count of embedded notes may stand still before the wait gives up: a server with
# no embedding worker (TACIT_WORKER_THREADS=0 and no `tacit worker`) would keep it waiting.
STALL_SECONDS = 120.0
FOLLOW_HINT = (
    "follow it with GET /v1/status (embedded_notes, notes_per_second, seconds_left), or run "
    "the import again with --wait: it adds nothing twice"
)


def follow_embedding(
    api: Api,
    *,
    console: Console,
    poll_seconds: float = 0.5,
    stall_seconds: float = STALL_SECONDS,
) -> dict[str, Any]:
    """Wait until the server has embedded every note the token's user may read, with a bar
    (notes, rate and time left as the server counts them) on a terminal; the last status.
    Returns early, the status saying how far it got, if no note is embedded for
    ``stall_seconds``."""
    status: dict[str, Any] = api.json(api.request("GET", "/v1/status"))
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    bar = Progress(*columns, console=console, disable=not console.is_terminal)
    with bar:
        task = bar.add_task("embedding", total=status["notes"], rate="")
        seen, since = status["embedded_notes"], time.monotonic()
        while status["embedded_notes"] < status["notes"] and status["pending_jobs"] > 0:
            if status["failed_jobs"] >= status["pending_jobs"]:
                break  # what is left has failed for good; waiting changes nothing
            rate = status.get("notes_per_second")
            bar.update(
                task,
                completed=status["embedded_notes"],
                total=status["notes"],
                rate=f"{rate:.0f} notes/s" if rate else "",
            )
            time.sleep(poll_seconds)
            status = api.json(api.request("GET", "/v1/status"))
            if status["embedded_notes"] != seen:
                seen, since = status["embedded_notes"], time.monotonic()
            elif time.monotonic() - since > stall_seconds:
                break
        bar.update(task, completed=status["embedded_notes"], total=status["notes"])
    return status


def embedding_summary(status: Mapping[str, Any]) -> str:
    """One line on where the embedding stands after a wait."""
    notes, embedded = status["notes"], status["embedded_notes"]
    if embedded >= notes or not status["pending_jobs"]:
        return f"every note is searchable by meaning ({embedded} of {notes})"
    if status["failed_jobs"]:
        return (
            f"{embedded} of {notes} notes searchable by meaning; {status['failed_jobs']} "
            "failed to embed (GET /v1/status)"
        )
    return (
        f"{embedded} of {notes} notes searchable by meaning, and no progress for "
        f"{STALL_SECONDS:.0f} s: is an embedding worker running (TACIT_WORKER_THREADS, "
        "`tacit worker`)?"
    )


def import_table(report: Mapping[str, Any]) -> Table:
    """The counts of an import report, per kind of record when the server gives them so."""
    columns = [c for c in COUNTS if isinstance(report.get(c), int | Mapping)]
    table = Table("kind", *columns)
    per_kind = [report[c] for c in columns if isinstance(report[c], Mapping)]
    kinds = list(dict.fromkeys(kind for counts in per_kind for kind in counts))
    for kind in kinds or [str(report.get("format") or "records")]:
        row = [
            report[c].get(kind, 0) if isinstance(report[c], Mapping) else report[c] for c in columns
        ]
        table.add_row(kind, *map(str, row))
    return table


def listed(report: Mapping[str, Any], key: str) -> list[str]:
    """An import report's ``skipped`` rows or ``problems``, one line each."""
    found = report.get(key)
    return [problem_line(p) for p in found] if isinstance(found, list) else []


def download_export(
    api: Api, directory: Path, *, console: Console, csv: bool = False
) -> dict[str, int]:
    """Each kind's NDJSON into ``directory/<kind>.jsonl`` (or, with ``csv``, the notes as
    CSV into ``directory/notes.csv``, or the .csv path given); the records per kind. Files are
    written aside and put in place only once all have arrived, so a broken download leaves
    the folder as it was."""
    if csv:
        target = directory if directory.suffix.lower() == ".csv" else directory / "notes.csv"
        wanted = {"notes": ("/v1/export/notes.csv", target)}
    else:
        wanted = {k: (f"/v1/export/{k}", directory / f"{k}.jsonl") for k in EXPORT_KINDS}
    counts: dict[str, int] = {}
    written: dict[Path, Path] = {}
    try:
        for _, target in wanted.values():
            target.parent.mkdir(parents=True, exist_ok=True)
        with progress_bar(console) as bar:
            for kind, (path, target) in wanted.items():
                with api.stream(path) as response:
                    size = response.headers.get("content-length")
                    task = bar.add_task(kind, total=int(size) if size else None)
                    fd, name = tempfile.mkstemp(
                        dir=target.parent, prefix=f".{kind}-", suffix=".part"
                    )
                    written[Path(name)] = target
                    with os.fdopen(fd, "wb") as file:
                        for chunk in response.iter_bytes():
                            file.write(chunk)
                            bar.update(task, completed=response.num_bytes_downloaded)
                counts[kind] = _records(Path(name), csv=csv)
        for part, target in written.items():
            part.replace(target)
    except OSError as exc:
        raise ClientError(f"cannot write {exc.filename or directory}: {exc.strerror}") from None
    finally:
        for part in written:
            part.unlink(missing_ok=True)
    return counts


def _records(path: Path, *, csv: bool) -> int:
    """Records in a downloaded file: NDJSON lines, or CSV rows (a body may span lines)."""
    with path.open(encoding="utf-8-sig", newline="") as file:
        if not csv:
            return sum(1 for line in file if line.strip())
        return max(0, sum(1 for _ in csv_reader(file)) - 1)  # less the header
