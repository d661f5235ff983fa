"""CSV import of notes, in the columns people export from other CRMs (``csv_format`` reads
the text; ``csv_export`` writes the same columns).

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
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Account, Contact, Note, User
from app.domain import audit, sensitivity
from app.domain.access import (
    NOT_YOURS,
    Principal,
    System,
    can_read,
    import_owner_problem,
    may_import_over,
)
from app.domain.accounts import account_for_address, name_key, resolve_account
from app.domain.capture import CLOCK_SKEW, NoteDraft, capture_many
from app.domain.notes import revise_imported_note
from app.domain.sensitivity import SPECIAL_ONLY, Categories
from app.domain.suppressions import Screen
from app.domain.transfer import csv_format
from app.domain.transfer.csv_format import NoteRow
from app.domain.transfer.report import (
    ImportFile,
    ImportReport,
    Problem,
    Progress,
    Skipped,
    no_progress,
)
from app.errors import Invalid
from app.schemas.common import MAX_CONTACTS_PER_NOTE

SOURCE = "import"
DERIVED_ID_PREFIX = "csv-"
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
    actor: Principal,
    default_owner: User | None,
    dry_run: bool,
    progress: Progress = no_progress,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> ImportReport:
    """Import a CSV file of notes as ``actor`` (a user, or the system, trusted as an admin);
    rows without an owner are ``default_owner``'s. The report's ``problems`` say why
    nothing was written, if anything kept it from being; a dry run never writes. A row
    without a visibility is team, or private when it states a sensitive fact; the report
    warns about each row that will leave a sensitive note wider than private."""
    report = ImportReport(format="csv", kinds=("notes",), dry_run=dry_run)
    table = csv_format.read_table(file.name, file.data)
    problems = list(table.problems)
    now = utcnow() + CLOCK_SKEW
    resolver = _Resolver(session, table, actor=actor, default_owner=default_owner)
    parsed: list[NoteRow] = []
    for done, csv_row in enumerate(table.rows, start=1):
        row, row_problems = csv_format.parse_row(table, csv_row, now=now)
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
    for step in steps:
        _warn(report, table.file, step, sensitive_categories)
    if not dry_run:
        _apply(
            session,
            steps,
            actor=actor,
            progress=progress,
            sensitive_categories=sensitive_categories,
        )
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
        table: csv_format.CsvTable,
        *,
        actor: Principal,
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
        self.screen = Screen(session)

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
        if account is not None:
            erased = self.screen.text(account.id, row.body, row.contact_emails)
            if erased is not None:
                by_contact = erased.by == "email" and self.has_contacts
                column = "contact_email" if by_contact else "body"
                found.append(self.problem(row, column, erased.problem("the row")))
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
        if emails := csv_format.parse_emails(ref):
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
    table: csv_format.CsvTable,
    rows: list[_Row],
    *,
    actor: Principal,
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
        if note.deleted_at is not None and (
            isinstance(actor, System) or note.author_id == actor.id
        ):
            reason = f"note {note.id} was deleted in Tacit; it is not imported again"
            report.skipped.append(Skipped(table.file, number, reason))
        elif not may_import_over(actor, note, row.owner):
            if can_read(actor, note) and not _differs(row, note):
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


def _warn(report: ImportReport, file: str, step: _Step, categories: Categories) -> None:
    """Checked before writing, so that a dry run warns alike. An update keeps the note's
    visibility when the row names none, as an edit does."""
    source = step.row.source
    chosen = source.visibility or (step.note.visibility if step.note else None)
    report.warn(file, source.number, sensitivity.check(source.body, chosen, categories).warnings)


def _apply(
    session: Session,
    steps: list[_Step],
    *,
    actor: Principal,
    progress: Progress,
    sensitive_categories: Categories,
) -> None:
    drafts: list[NoteDraft] = []
    for done, step in enumerate(steps, start=1):
        row, source = step.row, step.row.source
        if step.note is None:
            drafts.append(
                NoteDraft(
                    source=SOURCE,
                    author=row.owner,
                    account=row.account,
                    body=source.body,
                    visibility=source.visibility,
                    contact_ids=tuple(c.id for c in row.contacts or []),
                    observed_at=source.observed_at,
                    written_at=source.observed_at,  # the row's activity date
                    external_id=row.external_id,
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
                editor_id=(actor if isinstance(actor, User) else row.owner).id,
                actor=actor,
                values=values,
                contacts=list(contacts),
                sensitive_categories=sensitive_categories,
            )
        if done % _PROGRESS_EVERY == 0:
            progress("writing notes", done, len(steps))
    capture_many(session, actor, drafts, sensitive_categories=sensitive_categories)
    progress("writing notes", len(steps), len(steps))
