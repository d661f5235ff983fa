"""CSV import and export of notes, in the columns people export from other CRMs.

An import is all or nothing, like the data-set import: every row is checked and resolved first
(owner, account, contacts, the note it may already be), every problem is reported by row, and
only a clean file is written, in the caller's unit of work. Checking writes nothing, so a dry
run is the check alone, and its counts are the ones a real run then gives.

Running an import again changes nothing: a row is matched on its external id (given, or derived
from owner, date, account and body), or else on a Tacit note without one that has the same
owner, account, date and body (so an export imported back into the same base adds nothing).
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import Account, Contact, Note, User, Visibility
from app.domain import audit, notes_csv
from app.domain.access import (
    NOT_YOURS,
    can_read,
    import_owner_problem,
    may_import_over,
    visible_notes,
)
from app.domain.accounts import account_for_address, name_key, resolve_account
from app.domain.import_report import (
    ImportFile,
    ImportReport,
    Problem,
    Progress,
    Skipped,
    no_progress,
)
from app.domain.notes import add_note
from app.domain.notes_csv import NoteRow
from app.domain.transfer import revise_imported_note
from app.errors import Invalid
from app.schemas.common import MAX_CONTACTS_PER_NOTE
from app.schemas.notes import NoteCreate
from app.search import indexing

SOURCE = "import"
DERIVED_ID_PREFIX = "csv-"
# The same default as a note written through POST /v1/notes.
DEFAULT_VISIBILITY: Visibility = NoteCreate.model_fields["visibility"].default
_CLOCK_SKEW = timedelta(minutes=5)  # as for notes: a little "from the future" is a clock
_CHUNK = 2000  # values per IN (...) list
_PROGRESS_EVERY = 500


@dataclass(frozen=True)
class _Row:
    """A row resolved against the base: whose note, on which account, mentioning whom."""

    source: NoteRow
    owner: User
    account: Account
    contacts: list[Contact] | None  # None: the file has no contact column; keep a note's own
    external_id: str
    derived: bool  # the external id was made from the row, not given


@dataclass(frozen=True)
class _Step:
    row: _Row
    note: Note | None  # the note to update; None: a note to create


def derived_external_id(*, owner: User, observed_at: datetime, account: Account, body: str) -> str:
    """A stable id for a row without one: the same note gets the same id on every import."""
    text = "\x1f".join((str(owner.id), observed_at.isoformat(), str(account.id), body))
    return DERIVED_ID_PREFIX + hashlib.sha256(text.encode()).hexdigest()[:40]


def import_notes_csv(
    session: Session,
    file: ImportFile,
    *,
    actor: User | None,
    default_owner: User | None,
    dry_run: bool,
    progress: Progress = no_progress,
) -> ImportReport:
    """Import a CSV file of notes as ``actor`` (None: the server's own shell, trusted as an
    admin); rows without an owner are ``default_owner``'s. The report's ``problems`` say why
    nothing was written, if anything kept it from being; a dry run never writes."""
    report = ImportReport(format="csv", kinds=("notes",), dry_run=dry_run)
    table = notes_csv.read_table(file.name, file.data)
    problems = list(table.problems)
    now = utcnow() + _CLOCK_SKEW
    resolver = _Resolver(session, table, actor=actor, default_owner=default_owner)
    parsed: list[NoteRow] = []
    for done, csv_row in enumerate(table.rows, start=1):
        row, row_problems = notes_csv.parse_row(table, csv_row, now=now)
        problems.extend(row_problems)
        if row is not None:
            parsed.append(row)
        if done % _PROGRESS_EVERY == 0:
            progress("reading rows", done, len(table.rows))
    progress("reading rows", len(table.rows), len(table.rows))
    resolver.load_contacts(parsed)
    rows: list[_Row] = []
    for done, row in enumerate(parsed, start=1):
        if (resolved := resolver.resolve(row, problems)) is not None:
            rows.append(resolved)
        if done % _PROGRESS_EVERY == 0:
            progress("checking rows", done, len(parsed))
    progress("checking rows", len(parsed), len(parsed))
    steps = _plan(session, table, rows, actor=actor, report=report, problems=problems)
    if problems:
        report.problems = problems
        return report
    if not dry_run:
        _apply(session, steps, actor=actor, progress=progress)
        audit.record(
            session,
            actor,
            "import",
            target_type="notes.csv",
            target_id=None,
            file=file.name,
            created=report.created["notes"],
            updated=report.updated["notes"],
            unchanged=report.unchanged["notes"],
            skipped=len(report.skipped),
        )
    return report


class _Resolver:
    """Owners, accounts and contacts for rows, each looked up once per import however many rows
    name it."""

    def __init__(
        self,
        session: Session,
        table: notes_csv.CsvTable,
        *,
        actor: User | None,
        default_owner: User | None,
    ) -> None:
        self.session, self.table = session, table
        self.actor, self.default_owner = actor, default_owner
        self.has_contacts = "contact_email" in table.headers
        users = list(session.scalars(select(User)))
        self.users_by_email = {u.email: u for u in users if u.email}
        self.users_by_external_id = {u.external_id: u for u in users if u.external_id}
        self.users_by_name: dict[str, list[User]] = {}
        for u in users:
            self.users_by_name.setdefault(name_key(u.name), []).append(u)
        self.accounts: dict[tuple[str, str], Account | str] = {}
        self.contacts: dict[str, list[Contact]] = {}

    def load_contacts(self, rows: Sequence[NoteRow]) -> None:
        emails = sorted({e for row in rows for e in row.contact_emails})
        for start in range(0, len(emails), _CHUNK):
            chunk = emails[start : start + _CHUNK]
            for contact in self.session.scalars(
                select(Contact).where(Contact.email.in_(chunk)).order_by(Contact.id)
            ):
                self.contacts.setdefault(contact.email or "", []).append(contact)

    def problem(self, row: NoteRow, column: str, text: str) -> Problem:
        return Problem(self.table.file, row.number, text, self.table.label(column))

    def resolve(self, row: NoteRow, problems: list[Problem]) -> _Row | None:
        found: list[Problem] = []
        owner = self._owner(row, found)
        account = self._account(row, found)
        contacts: list[Contact] | None = None
        if account is not None and self.has_contacts:
            contacts = self._contacts(row, account, found)
        problems.extend(found)
        if found or owner is None or account is None:
            return None
        external_id = row.external_id or derived_external_id(
            owner=owner, observed_at=row.observed_at, account=account, body=row.body
        )
        return _Row(row, owner, account, contacts, external_id, row.external_id is None)

    def _owner(self, row: NoteRow, problems: list[Problem]) -> User | None:
        ref = row.owner.strip()
        if not ref:
            if self.default_owner is None:
                problems.append(
                    self.problem(row, "owner_email", "no owner: name the user (or import --as)")
                )
            return self.default_owner
        user = self._find_user(ref)
        if isinstance(user, str):
            problems.append(self.problem(row, "owner_email", user))
            return None
        if not user.is_active:
            problems.append(self.problem(row, "owner_email", f"{ref} is deactivated"))
            return None
        if (why := import_owner_problem(self.actor, user)) is not None:
            problems.append(self.problem(row, "owner_email", why))
            return None
        return user

    def _find_user(self, ref: str) -> User | str:
        """A user by e-mail ("Ana <ana@x.com>" too), external id or name; else why not."""
        if emails := notes_csv.parse_emails(ref):
            if user := self.users_by_email.get(emails[0]):
                return user
            close = difflib.get_close_matches(emails[0], list(self.users_by_email), n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            return f"no user has the e-mail {emails[0]}{hint}"
        if user := self.users_by_external_id.get(ref):
            return user
        named = self.users_by_name.get(name_key(ref), [])
        if len(named) == 1:
            return named[0]
        if named:
            return f"{len(named)} users are named {ref!r}; give the owner's e-mail"
        close = difflib.get_close_matches(name_key(ref), list(self.users_by_name), n=3)
        names = [self.users_by_name[c][0].name for c in close]
        hint = f"; did you mean {', '.join(names)}?" if names else ""
        return f"no user has the e-mail, name or external id {ref!r}{hint}"

    def _cached(self, kind: str, ref: str) -> Account | str:
        key = (kind, ref.casefold())
        if key not in self.accounts:
            self.accounts[key] = self._lookup(kind, ref)
        return self.accounts[key]

    def _lookup(self, kind: str, ref: str) -> Account | str:
        if kind == "name":
            try:
                return resolve_account(self.session, ref)
            except Invalid as exc:
                return exc.detail
        account = account_for_address(self.session, ref)
        if account is None:
            return f"no account has the domain of {ref!r}"
        return account

    def _account(self, row: NoteRow, problems: list[Problem]) -> Account | None:
        """The company's domain, else its name, else a contact's account, else the account of
        a contact address's domain."""
        why: list[tuple[str, str]] = []
        if row.company_domain:
            found = self._cached("domain", row.company_domain)
            if isinstance(found, Account):
                return found
            why.append(("company_domain", found))
        if row.company:
            found = self._cached("name", row.company)
            if isinstance(found, Account):
                return found
            why.append(("company", found))
        for email in row.contact_emails:
            if known := self.contacts.get(email):
                return known[0].account
        for email in row.contact_emails:
            found = self._cached("domain", email)
            if isinstance(found, Account):
                return found
        if row.contact_emails:
            addresses = ", ".join(row.contact_emails)
            why.append(("contact_email", f"no contact or account domain matches {addresses}"))
        if not why:  # parse_row refuses such a row; a clear problem all the same
            why.append(("company", "no account: the company, domain and contact are empty"))
        column, _ = why[0]
        problems.append(self.problem(row, column, "; and ".join(text for _, text in why)))
        return None

    def _contacts(
        self, row: NoteRow, account: Account, problems: list[Problem]
    ) -> list[Contact] | None:
        """The account's contacts among the row's addresses; others are not linked."""
        mentioned = {
            c.id: c
            for email in row.contact_emails
            for c in self.contacts.get(email, [])
            if c.account_id == account.id
        }
        if len(mentioned) > MAX_CONTACTS_PER_NOTE:
            problems.append(
                self.problem(
                    row, "contact_email", f"more than {MAX_CONTACTS_PER_NOTE} contacts on a note"
                )
            )
            return None
        return [mentioned[k] for k in sorted(mentioned)]


def _existing_notes(session: Session, rows: list[_Row]) -> dict[str, Note]:
    ids = sorted({r.external_id for r in rows})
    found: dict[str, Note] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for note in session.scalars(select(Note).where(Note.external_id.in_(chunk))):
            found[note.external_id or ""] = note
    return found


def _same_content(session: Session, rows: list[_Row]) -> dict[tuple[int, int, datetime, str], Note]:
    """Live notes without an external id that rows describe exactly, by owner, account, date
    and body."""
    dates = sorted({r.source.observed_at for r in rows})
    found: dict[tuple[int, int, datetime, str], Note] = {}
    for start in range(0, len(dates), _CHUNK):
        chunk = dates[start : start + _CHUNK]
        for note in session.scalars(
            select(Note)
            .where(
                Note.external_id.is_(None),
                Note.deleted_at.is_(None),
                Note.observed_at.in_(chunk),
            )
            .order_by(Note.id)
        ):
            key = (note.author_id, note.account_id, note.observed_at, note.body)
            found.setdefault(key, note)
    return found


def _differs(row: _Row, note: Note) -> bool:
    visibility = row.source.visibility or note.visibility
    contacts = note.contacts if row.contacts is None else row.contacts
    return (
        note.account_id != row.account.id
        or note.author_id != row.owner.id
        or note.body != row.source.body
        or note.visibility != visibility
        or note.observed_at != row.source.observed_at
        or [c.id for c in note.contacts] != [c.id for c in contacts]
    )


def _plan(
    session: Session,
    table: notes_csv.CsvTable,
    rows: list[_Row],
    *,
    actor: User | None,
    report: ImportReport,
    problems: list[Problem],
) -> list[_Step]:
    """What each row will do, counted in ``report``; nothing is changed yet."""
    existing = _existing_notes(session, rows)
    content = _same_content(session, [r for r in rows if r.external_id not in existing])
    first_row: dict[str, int] = {}  # external id -> the row that first gave it
    first_for_note: dict[int, int] = {}  # note id -> the row that first matched it
    steps: list[_Step] = []
    for row in rows:
        number = row.source.number
        if (first := first_row.get(row.external_id)) is not None:
            if row.derived:
                report.skipped.append(Skipped(table.file, number, f"the same note as row {first}"))
            else:
                problems.append(
                    Problem(
                        table.file,
                        number,
                        f"the external id {row.external_id!r} appears again (first in row {first})",
                        table.label("external_id"),
                    )
                )
            continue
        first_row[row.external_id] = number
        source = row.source
        note = existing.get(row.external_id) or content.get(
            (row.owner.id, row.account.id, source.observed_at, source.body)
        )
        if note is None:
            steps.append(_Step(row, None))
            report.created["notes"] += 1
            continue
        if (earlier := first_for_note.get(note.id)) is not None:
            report.skipped.append(Skipped(table.file, number, f"the same note as row {earlier}"))
            continue
        first_for_note[note.id] = number
        if note.deleted_at is not None and (actor is None or note.author_id == actor.id):
            reason = f"note {note.id} was deleted in Tacit; it is not imported again"
            report.skipped.append(Skipped(table.file, number, reason))
        elif not may_import_over(actor, note, row.owner):
            if actor is not None and can_read(actor, note) and not _differs(row, note):
                report.unchanged["notes"] += 1  # a readable note it would not change
            else:
                # The same words whether the note is hidden, deleted or merely someone else's:
                # the importer learns nothing about a note they may not read (``access``).
                column = "external_id" if not row.derived else "owner_email"
                problems.append(Problem(table.file, number, NOT_YOURS, table.label(column)))
        elif _differs(row, note):
            steps.append(_Step(row, note))
            report.updated["notes"] += 1
        else:
            report.unchanged["notes"] += 1
    return steps


def _apply(session: Session, steps: list[_Step], *, actor: User | None, progress: Progress) -> None:
    added: list[Note] = []
    for done, step in enumerate(steps, start=1):
        row, source = step.row, step.row.source
        if step.note is None:
            added.append(
                add_note(
                    session,
                    account=row.account,
                    author=row.owner,
                    actor=actor,
                    body=source.body,
                    visibility=source.visibility or DEFAULT_VISIBILITY,
                    observed_at=source.observed_at,
                    source=SOURCE,
                    external_id=row.external_id,
                    contacts=row.contacts or [],
                )
            )
        else:
            note = step.note
            values: dict[str, Any] = {
                "account_id": row.account.id,
                "author_id": row.owner.id,
                "body": source.body,
                "visibility": source.visibility or note.visibility,
                "observed_at": source.observed_at,
            }
            contacts = note.contacts if row.contacts is None else row.contacts
            revise_imported_note(
                session,
                note,
                editor_id=(actor or row.owner).id,
                actor=actor,
                values=values,
                contacts=list(contacts),
            )
        if done % _PROGRESS_EVERY == 0:
            progress("writing notes", done, len(steps))
    indexing.notes_added(session, added)
    progress("writing notes", len(steps), len(steps))


# --- export -------------------------------------------------------------------------------


def _export_row(note: Note) -> dict[str, str]:
    author, account = note.author, note.account
    return {
        "external_id": note.external_id or f"tacit-note-{note.id}",
        "activity_date": notes_csv.format_date(note.observed_at),
        "owner_email": author.email or author.external_id or author.name,
        "company": account.name,
        "company_domain": account.domains[0] if account.domains else "",
        "contact_email": "; ".join(c.email for c in note.contacts if c.email),
        "visibility": note.visibility.value,
        "body": note.body,
    }


def export_notes_csv(
    session: Session, *, viewer: User | None, batch: int = 500
) -> Iterator[tuple[str, int]]:
    """The notes ``viewer`` may read (None: every live note), oldest id first, as CSV text in
    the import's columns: (text, notes in it) pieces, the header first (UTF-8 with a byte-order
    mark, so that spreadsheets read it as UTF-8)."""
    yield "\ufeff" + notes_csv.write_rows([], header=True), 0
    last = 0
    while True:
        stmt = (
            select(Note)
            .where(Note.deleted_at.is_(None), Note.id > last)
            .order_by(Note.id)
            .limit(batch)
        )
        if viewer is not None:
            stmt = stmt.where(visible_notes(viewer))
        page = list(session.scalars(stmt))
        if not page:
            return
        yield notes_csv.write_rows((_export_row(n) for n in page), header=False), len(page)
        last = page[-1].id


def stream_notes_csv(db: Database, *, viewer: User) -> Iterator[bytes]:
    """``export_notes_csv`` for an HTTP response, read in one read-only transaction of its
    own: the request's connection is back in the pool before the body is sent."""
    with db.session(write=False) as session:
        for text, _ in export_notes_csv(session, viewer=viewer):
            yield text.encode("utf-8")


def export_notes_csv_file(
    session: Session, path: Path, *, viewer: User | None, progress: Progress = no_progress
) -> int:
    """``export_notes_csv`` into a file (written aside, then put in place); the notes written."""
    total_stmt = select(func.count()).select_from(Note).where(Note.deleted_at.is_(None))
    if viewer is not None:
        total_stmt = total_stmt.where(visible_notes(viewer))
    total = session.scalar(total_stmt) or 0
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    written = 0
    with tmp.open("w", encoding="utf-8", newline="") as out:
        for text, count in export_notes_csv(session, viewer=viewer):
            out.write(text)
            written += count
            progress("exporting notes", written, total)
    tmp.replace(path)  # a reader never sees half a file
    audit.record(session, viewer, "export", target_type="notes.csv", path=str(path), notes=written)
    return written
