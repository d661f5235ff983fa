"""The CSV format of notes, as other CRMs export them and as Tacit exports them: columns and
their aliases, decoding, the delimiter, dates, e-mail lists. Pure text work, no database:
``csv_import`` resolves owners and accounts and writes.

Rows are numbered as a spreadsheet shows them: the header is row 1, and a note whose body runs
over several lines is still one row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.db.models import Visibility
from app.domain.transfer.report import Problem
from app.mail.html import html_to_text
from app.schemas.common import MAX_NOTE_CHARS, to_utc

_MAX_EXTERNAL_ID = 255


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]  # in order of preference, when a file has several of them


# The canonical names first; the aliases are the headers HubSpot, Salesforce and Pipedrive
# exports use. Matched case-insensitively, with "_", "-" and "." taken as spaces.
COLUMNS: tuple[Column, ...] = (
    Column(
        "external_id", ("activity id", "note id", "engagement id", "task id", "record id", "id")
    ),
    Column(
        "activity_date",
        (
            "activity date",
            "date",
            "due date",
            "created date",
            "create date",
            "created at",
            "created",
            "timestamp",
            "add time",
        ),
    ),
    Column(
        "owner_email",
        (
            "owner email",
            "activity assigned to",
            "assigned to",
            "assigned",
            "created by email",
            "owner",
            "created by",
            "author",
            "user",
        ),
    ),
    Column(
        "company",
        (
            "associated company",
            "company",
            "company name",
            "account name",
            "account",
            "organization",
            "organization name",
        ),
    ),
    Column(
        "company_domain",
        ("company domain", "company domain name", "domain", "website", "company website"),
    ),
    Column(
        "contact_email",
        (
            "associated contact email",
            "contact email",
            "contact emails",
            "email",
            "person email",
        ),
    ),
    Column("visibility", ()),
    Column("title", ("subject",)),
    Column("body", ("note body", "notes", "note", "description", "comments", "content")),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
# What Tacit writes, in this order: every canonical column a note fills ("title" is folded into
# the body on the way in).
EXPORT_COLUMNS = (
    "external_id",
    "activity_date",
    "owner_email",
    "company",
    "company_domain",
    "contact_email",
    "visibility",
    "body",
)
_ACCOUNT_COLUMNS = ("company", "company_domain", "contact_email")
_DELIMITERS = (",", ";", "\t")
_SEPARATORS = re.compile(r"[\s_\-./]+")
_LOCAL = r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]"
# Matches start only where a run of local-part characters starts: findall retrying inside a
# long run without an "@" is quadratic.
_EMAIL = re.compile(rf"(?<!{_LOCAL}){_LOCAL}+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{{2,}}", re.I)
# A spreadsheet runs a cell starting with one of these as a formula; Tacit's export puts an
# apostrophe before it (what spreadsheets do themselves), and the import takes it off again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HTML_START = re.compile(r"\s*<(p|div|span|br|ul|ol|h[1-6]|table|b|strong|em|i)\b[^>]*>", re.I)
_HTML_END = re.compile(r"(</[a-z0-9]+>|<br\s*/?>)\s*$", re.I)
_UTC_SUFFIX = re.compile(r"\s*(z|utc|gmt)$", re.I)
_AM_PM = re.compile(r"(\d)\s*([ap])\.?m\.?$", re.I)
_DATE_FORMATS = tuple(
    f"{day} {time}".strip()
    for day in ("%m/%d/%Y", "%m/%d/%y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d %Y", "%Y/%m/%d")
    for time in ("", "%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p")
)
DATE_HINT = (
    "use ISO 8601 (2025-03-04 or 2025-03-04T14:05Z), 03/04/2025 (US: month first) or 4 Mar 2025"
)


def header_key(text: str) -> str:
    return _SEPARATORS.sub(" ", text.strip().lstrip("\ufeff").casefold()).strip()


def _preferences() -> dict[str, tuple[str, int]]:
    """Header key -> (canonical column, rank among its names: 0 is the canonical name)."""
    found: dict[str, tuple[str, int]] = {}
    for column in COLUMNS:
        for rank, alias in enumerate((column.name, *column.aliases)):
            found.setdefault(header_key(alias), (column.name, rank))
    return found


_PREFERENCE = _preferences()


@dataclass(frozen=True)
class CsvRow:
    number: int  # as a spreadsheet numbers it: the header is row 1
    cells: dict[str, str]  # canonical column -> the cell's text, trimmed


@dataclass
class CsvTable:
    file: str
    headers: dict[str, str] = field(default_factory=dict)  # canonical column -> as in the file
    rows: list[CsvRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","

    def label(self, column: str) -> str:
        """A column as the file's header names it, for messages."""
        return self.headers.get(column, column)


@dataclass(frozen=True)
class NoteRow:
    """One row's note, as the file says it; the database is asked nothing yet."""

    number: int
    observed_at: datetime
    body: str
    company: str
    company_domain: str
    contact_emails: tuple[str, ...]
    owner: str
    visibility: Visibility | None
    external_id: str | None


def decode(data: bytes) -> tuple[str, str]:
    """The text and the encoding's name: UTF-8 (with or without a byte-order mark), UTF-16 with
    one (Excel's "Unicode text"), else windows-1252 (Excel's "CSV" on Windows). ``ValueError``
    says why neither fits."""
    if b"\x00" in data[:4096] and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ValueError("not a text file (a spreadsheet workbook? save it as CSV)")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise ValueError(f"not valid UTF-16 ({exc.reason})") from exc
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.removeprefix(codecs.BOM_UTF8).decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ValueError(
            f"neither UTF-8 nor windows-1252 text (byte 0x{data[exc.start]:02x} on line {line})"
        ) from exc


def _map_headers(cells: list[str]) -> dict[str, int]:
    """Canonical column -> its index, the most specific header winning where several match."""
    best: dict[str, tuple[int, int]] = {}
    for index, cell in enumerate(cells):
        found = _PREFERENCE.get(header_key(cell))
        if found is None:
            continue
        name, rank = found
        if name not in best or rank < best[name][0]:
            best[name] = (rank, index)
    return {name: index for name, (_, index) in best.items()}


def _delimiter(first_line: str) -> str:
    """The delimiter under which the header names the most known columns (then: most cells)."""

    def score(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([first_line], delimiter=delimiter, skipinitialspace=True), [])
        return len(_map_headers(cells)), len(cells)

    return max(_DELIMITERS, key=score)  # max keeps the first of equals: the comma


def unguard(cell: str) -> str:
    if cell.startswith("'") and cell[1:2] and cell[1] in _FORMULA_START:
        return cell[1:]
    return cell


def guard(cell: str) -> str:
    return "'" + cell if cell.startswith(_FORMULA_START) else cell


def _records(text: str, delimiter: str) -> Iterator[tuple[list[str] | None, str | None]]:
    """Each record (or the CSV module's complaint about it), in order."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=True)
    while True:
        try:
            yield next(reader), None
        except StopIteration:
            return
        except csv.Error as exc:
            yield None, str(exc)


def read_table(file: str, data: bytes) -> CsvTable:
    """The file's header and rows; ``problems`` lists what is wrong with the file as such
    (its encoding, missing columns) or with a row's shape (too many cells, a cell too long)."""
    table = CsvTable(file)
    try:
        text, table.encoding = decode(data)
    except ValueError as exc:
        table.problems.append(Problem(file, 1, str(exc)))
        return table
    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    table.delimiter = _delimiter(first_line)
    records = _records(text, table.delimiter)
    header: list[str] | None = None
    number = 0
    for number, (cells, error) in enumerate(records, start=1):
        if error is not None:
            problem = error if "field larger" not in error else "a cell is too long"
            table.problems.append(Problem(file, number, f"not readable as CSV: {problem}"))
            if header is None:
                return table
            continue
        assert cells is not None
        if header is None:
            if not any(c.strip() for c in cells):
                continue  # blank lines above the header
            header = cells
            indexes = _map_headers(header)
            table.headers = {name: header[i].strip() for name, i in indexes.items()}
            if not _check_columns(table, number):
                return table
            continue
        if not any(c.strip() for c in cells):
            continue  # an empty row, as spreadsheets leave at the end
        extra = [c for c in cells[len(header) :] if c.strip()]
        if extra:
            table.problems.append(
                Problem(
                    file,
                    number,
                    f"the row has {len(cells)} cells but the header {len(header)} columns "
                    "(a cell with an unquoted delimiter or quote?)",
                )
            )
            continue
        table.rows.append(
            CsvRow(
                number,
                {
                    name: unguard(cells[i].strip()) if i < len(cells) else ""
                    for name, i in indexes.items()
                },
            )
        )
    if header is None:
        table.problems.append(Problem(file, max(number, 1), "the file is empty: no header row"))
    return table


def _check_columns(table: CsvTable, header_row: int) -> bool:
    def missing(column: Column, why: str) -> Problem:
        names = ", ".join(f'"{a}"' for a in (column.name, *column.aliases))
        return Problem(
            table.file, header_row, f"{why} (the header may name it {names})", column.name
        )

    by_name = {c.name: c for c in COLUMNS}
    for name in ("activity_date", "body"):
        if name not in table.headers:
            table.problems.append(missing(by_name[name], "missing required column"))
    if not any(name in table.headers for name in _ACCOUNT_COLUMNS):
        table.problems.append(
            Problem(
                table.file,
                header_row,
                "missing required column: one of company, company_domain or contact_email "
                "must name each note's account",
                "company",
            )
        )
    return not table.problems


def parse_date(text: str, *, now: datetime) -> datetime:
    """An aware UTC datetime; without a zone the time is UTC. ``ValueError`` otherwise."""
    value = " ".join(text.replace(",", " ").split())
    value = _AM_PM.sub(lambda m: f"{m[1]} {m[2]}M", value)
    parsed: datetime | None = None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        bare = _UTC_SUFFIX.sub("", value)
        for fmt in _DATE_FORMATS:
            try:
                parsed = datetime.strptime(bare, fmt)
                break
            except ValueError:
                continue
    if parsed is None:
        raise ValueError(f"{text!r} is not a date; {DATE_HINT}")
    try:
        parsed = to_utc(parsed)
    except ValueError as exc:
        raise ValueError(f"{text!r}: {exc}") from None
    if parsed > now:
        raise ValueError(f"{text!r} is in the future")
    return parsed


def parse_emails(text: str) -> tuple[str, ...]:
    """The addresses in a cell ("a@x.com; b@y.com", "Meg <meg@x.com>"), lower-cased, once each."""
    return tuple(dict.fromkeys(m.lower() for m in _EMAIL.findall(text)))


def note_text(title: str, body: str) -> str:
    """The note's markdown: the title (a subject line) above the body; HTML bodies (HubSpot
    exports them so) made text."""
    body = body.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _HTML_START.match(body) and _HTML_END.search(body):
        body = html_to_text(body).strip()
    title = " ".join(title.split())
    return f"{title}\n\n{body}" if title and body else title or body


def parse_row(
    table: CsvTable, row: CsvRow, *, now: datetime
) -> tuple[NoteRow | None, list[Problem]]:
    """The row's note, or None and every problem with it (each naming its column)."""
    cells = row.cells
    problems: list[Problem] = []

    def problem(column: str, text: str) -> None:
        problems.append(Problem(table.file, row.number, text, table.label(column)))

    observed: datetime | None = None
    if not cells.get("activity_date"):
        problem("activity_date", "no date")
    else:
        try:
            observed = parse_date(cells["activity_date"], now=now)
        except ValueError as exc:
            problem("activity_date", str(exc))

    body = note_text(cells.get("title", ""), cells.get("body", ""))
    if not body:
        problem("body", "the note is empty")
    elif len(body) > MAX_NOTE_CHARS:
        problem("body", f"the note is {len(body):,} characters long; at most {MAX_NOTE_CHARS:,}")

    emails = parse_emails(cells.get("contact_email", ""))
    if cells.get("contact_email") and not emails:
        problem("contact_email", f"{cells['contact_email']!r} holds no e-mail address")
    if not any(cells.get(c) for c in _ACCOUNT_COLUMNS):
        problem("company", "no account: the company, company_domain and contact_email are empty")

    visibility: Visibility | None = None
    if raw := cells.get("visibility"):
        try:
            visibility = Visibility(raw.lower())
        except ValueError:
            allowed = ", ".join(v.value for v in Visibility)
            problem("visibility", f"{raw!r} is not a visibility; one of {allowed}")

    external_id = cells.get("external_id") or None
    if external_id is not None and len(external_id) > _MAX_EXTERNAL_ID:
        problem("external_id", f"longer than {_MAX_EXTERNAL_ID} characters")

    if problems or observed is None:
        return None, problems
    return (
        NoteRow(
            number=row.number,
            observed_at=observed,
            body=body,
            company=cells.get("company", ""),
            company_domain=cells.get("company_domain", ""),
            contact_emails=emails,
            owner=cells.get("owner_email", ""),
            visibility=visibility,
            external_id=external_id,
        ),
        [],
    )


def format_date(value: datetime) -> str:
    """ISO 8601 in UTC, to the second (or microsecond where there are any)."""
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.astimezone(UTC).strftime(fmt)


def write_rows(rows: Iterable[dict[str, str]], *, header: bool) -> str:
    """CSV text of ``rows`` (keyed by ``EXPORT_COLUMNS``), cells guarded against formulas."""
    out = io.StringIO()
    writer = csv.writer(out)  # RFC 4180: commas, CRLF, quotes where needed
    if header:
        writer.writerow(EXPORT_COLUMNS)
    for row in rows:
        writer.writerow(guard(row.get(c, "")) for c in EXPORT_COLUMNS)
    return out.getvalue()
