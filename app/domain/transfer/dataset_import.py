"""Import of the data-set format (``users``, ``accounts``, ``contacts``, ``notes`` as JSON
Lines, each record's ``id`` kept as its external id; ``dataset_export`` writes it).

An import is all or nothing: every line is checked first, every problem is reported with its
file and line, and only a clean set is written, in one transaction. Records already present
(same external id) are updated when they differ and left alone when they do not, so running
the same import twice adds nothing. A dry run does the same work in a savepoint that it then
rolls back, so its counts are exactly those a real run would give.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Account, Contact, Note, Role, User
from app.domain import audit, events
from app.domain.access import NOT_YOURS, Principal, may_import_over
from app.domain.accounts import ensure_new_account, name_key, set_domains
from app.domain.capture import CLOCK_SKEW, NoteDraft, capture_many
from app.domain.notes import revise_imported_note
from app.domain.sensitivity import SPECIAL_ONLY, Categories
from app.domain.transfer import erased
from app.domain.transfer.dataset_records import (
    AccountRecord,
    ContactRecord,
    DataSet,
    NoteRecord,
    Record,
    UserRecord,
    read_records,
)
from app.domain.transfer.report import (
    MAX_LISTED,
    ImportFile,
    ImportReport,
    Problem,
    Progress,
    in_order,
    no_progress,
)
from app.domain.users import team_by_name
from app.errors import Conflict, Invalid

KINDS = ("users", "accounts", "contacts", "notes")
FILE_NAMES = tuple(f"{kind}.jsonl" for kind in KINDS)
ACCESS_ROLES = {Role.manager.value, Role.admin.value}


def _existing(session: Session, model: Any) -> dict[str, Any]:
    return {
        row.external_id: row
        for row in session.scalars(select(model).where(model.external_id.is_not(None)))
    }


def _assign(obj: Any, values: dict[str, Any]) -> bool:
    changed = False
    for key, value in values.items():
        if getattr(obj, key) != value:
            setattr(obj, key, value)
            changed = True
    return changed


def dataset_files(directory: Path) -> list[ImportFile]:
    """The data-set files a directory holds (``Invalid`` if it is not a directory)."""
    if not directory.is_dir():
        raise Invalid(f"{directory} is not a directory")
    return [
        ImportFile(name, (directory / name).read_bytes())
        for name in FILE_NAMES
        if (directory / name).is_file()
    ]


def import_dataset(session: Session, directory: Path, *, actor: Principal) -> ImportReport:
    """Import a data-set directory; raises ``Invalid`` with every problem and writes nothing."""
    files = dataset_files(directory)
    report = import_dataset_files(session, files, actor=actor, dry_run=False, origin=str(directory))
    if report.problems:
        raise Invalid(
            f"the import has {len(report.problems)} problem(s); nothing was written",
            problems=[str(p) for p in in_order(report.problems)[:MAX_LISTED]],
        )
    return report


def import_dataset_files(
    session: Session,
    files: Sequence[ImportFile],
    *,
    actor: Principal,
    dry_run: bool,
    origin: str,
    progress: Progress = no_progress,
    sensitive_categories: Categories = SPECIAL_ONLY,
) -> ImportReport:
    """Import the data-set files (named ``users.jsonl`` ...); ``origin`` says where they came
    from, for messages and the audit trail. The report's ``problems`` say why nothing was
    written, if anything kept it from being; a dry run never writes. Notes are captured as
    ``csv_import`` captures rows, sensitive facts and warnings alike."""
    by_name = {f.name: f for f in files}
    if unknown := sorted(set(by_name) - set(FILE_NAMES)):
        raise Invalid(
            f"{', '.join(unknown)}: not a data-set file; the files are {', '.join(FILE_NAMES)}"
        )
    problems: list[Problem] = []
    data = DataSet(
        users=read_records(by_name.get("users.jsonl"), UserRecord, problems),
        accounts=read_records(by_name.get("accounts.jsonl"), AccountRecord, problems),
        contacts=read_records(by_name.get("contacts.jsonl"), ContactRecord, problems),
        notes=read_records(by_name.get("notes.jsonl"), NoteRecord, problems),
    )
    if not (data.users or data.accounts or data.contacts or data.notes) and not problems:
        raise Invalid(f"{origin} holds none of {', '.join(FILE_NAMES)}")
    report = ImportReport(format="dataset", kinds=KINDS, dry_run=dry_run)
    users = _existing(session, User)
    accounts = _existing(session, Account)
    contacts = _existing(session, Contact)
    known = {
        "users": set(users) | {r.id for r in data.users},
        "accounts": set(accounts) | {r.id for r in data.accounts},
    }
    # Each contact's account, by external ids: the file's word wins over the database's.
    contact_accounts = {ext: c.account.external_id for ext, c in contacts.items()}
    contact_accounts.update({r.id: r.account_id for r in data.contacts})
    _check_references(data, known, contact_accounts, problems)
    _check_dates(data.notes, problems)
    _check_user_emails(session, data.users, problems)
    problems += erased.dataset_problems(session, accounts, data.contacts, data.notes)
    if problems:
        report.problems = problems
        return report

    # A savepoint, so that a dry run (or a conflict found while writing) leaves no trace.
    savepoint = session.begin_nested()
    phase = "writing the data set"
    _import_users(session, data.users, users, report)
    progress(phase, 1, 4)
    _import_accounts(session, data.accounts, accounts, report, problems, actor)
    progress(phase, 2, 4)
    _import_contacts(session, data.contacts, accounts, contacts, report, actor)
    progress(phase, 3, 4)
    _import_notes(
        session,
        data.notes,
        (users, accounts, contacts),
        report,
        actor,
        problems,
        sensitive_categories,
    )
    progress(phase, 4, 4)
    session.flush()
    if problems or dry_run:
        savepoint.rollback()
        report.problems = problems
        return report
    savepoint.commit()
    audit.record(
        session,
        actor,
        "import",
        target_type="dataset",
        target_id=None,
        directory=origin,
        **report.summary(),
    )
    return report


def _check_references(
    data: DataSet,
    known: dict[str, set[str]],
    contact_accounts: dict[str, str | None],
    problems: list[Problem],
) -> None:
    known = {**known, "contacts": set(contact_accounts)}

    def need(kind: str, ref: str | None, record: Record, label: str) -> None:
        if ref is not None and ref not in known[kind]:
            problems.append(
                record.problem(f"{label} {ref!r} is neither in {kind}.jsonl nor imported")
            )

    def same_account(contact: str | None, account: str, record: Record, label: str) -> None:
        owner = contact_accounts.get(contact) if contact else None
        if owner is not None and account in known["accounts"] and owner != account:
            problems.append(record.problem(f"{label} {contact!r} is a contact of another account"))

    for c in data.contacts:
        need("accounts", c.account_id, c, "account_id")
        need("contacts", c.reports_to, c, "reports_to")
        same_account(c.reports_to, c.account_id, c, "reports_to")
    for n in data.notes:
        need("accounts", n.account_id, n, "account_id")
        need("users", n.author_id, n, "author_id")
        for ref in n.contact_ids:
            need("contacts", ref, n, "contact")
            same_account(ref, n.account_id, n, "contact")


def _check_dates(records: list[NoteRecord], problems: list[Problem]) -> None:
    """As for every note (``capture``): a fact is not observed in the future."""
    latest = utcnow() + CLOCK_SKEW
    for r in records:
        if r.created_at > latest:
            problems.append(r.problem("in the future", column="created_at"))


def _check_user_emails(
    session: Session, records: list[UserRecord], problems: list[Problem]
) -> None:
    """An e-mail address is one user's: not two in the file, nor one already in Tacit."""
    in_file = {r.id for r in records}
    taken = {
        email: ext
        for email, ext in session.execute(
            select(User.email, User.external_id).where(User.email.is_not(None))
        )
        if ext not in in_file  # a user in the file will have the file's address
    }
    seen: dict[str, UserRecord] = {}
    for r in records:
        if not r.email:
            continue
        email = r.email.lower()
        if email in seen:
            problems.append(
                r.problem(f"{email} is also user {seen[email].id!r}'s e-mail", column="email")
            )
        elif email in taken and taken[email] != r.id:
            problems.append(r.problem(f"{email} is another user's e-mail", column="email"))
        seen.setdefault(email, r)


def _import_users(
    session: Session, records: list[UserRecord], users: dict[str, User], report: ImportReport
) -> None:
    for r in records:
        role = Role(r.role) if r.role in ACCESS_ROLES else Role.rep
        title = None if r.role in ACCESS_ROLES or r.role == Role.rep.value else r.role
        values = {
            "name": r.name,
            "role": role,
            "title": title,
            "email": r.email.lower() if r.email else None,
            "team_id": team_by_name(session, r.team).id if r.team else None,
        }
        _upsert(session, users, r.id, User, values, report, "users")


def _import_accounts(
    session: Session,
    records: list[AccountRecord],
    accounts: dict[str, Account],
    report: ImportReport,
    problems: list[Problem],
    actor: Principal,
) -> None:
    updated: list[Account] = []
    for r in records:
        values = {
            "name": r.name,
            "name_key": name_key(r.name),
            "aliases": r.aliases,
            "industry": r.industry,
            "region": r.region,
        }
        domains = list(
            dict.fromkeys(d.lower() for d in [*([r.domain] if r.domain else []), *r.domains])
        )
        fate = "known" if r.id in accounts else _adopt(session, r, domains, accounts, problems)
        previous = accounts.get(r.id)
        # A refused record is still written, to the savepoint its problem rolls back, so that
        # the records naming it are checked too; its domains, already refused, are not.
        differ = (
            fate == "adopted"
            or (fate != "refused" and previous is None)
            or (previous is not None and previous.domains != domains)
        )
        account = _upsert(
            session,
            accounts,
            r.id,
            Account,
            values,
            report,
            "accounts",
            also_changed=differ,
            updated=updated,
        )
        if differ:
            session.flush()
            try:
                set_domains(session, account, domains)
            except Conflict as exc:  # a domain of an account this file does not change
                problems.append(r.problem(exc.detail, column="domain"))
    for account in updated:
        events.emit(session, "account.updated", actor=actor, account_id=account.id)


def _adopt(
    session: Session,
    record: AccountRecord,
    domains: list[str],
    accounts: dict[str, Account],
    problems: list[Problem],
) -> Literal["new", "adopted", "refused"]:
    """A new record for a customer Tacit already holds (same name, or one of its domains) is
    attached to that account when the account has no external id yet ("adopted": the record
    now names it, and updates it), else refused, naming the account. An import has no
    ``force``: two records of one customer are the source's duplicate, to merge there (or
    here, with ``POST /v1/accounts/{id}/merge``) before importing."""
    try:
        ensure_new_account(session, record.name, domains, force=False)
    except Conflict as exc:
        existing = session.get(Account, exc.extensions["existing"]["id"])
        assert existing is not None  # just found by the same session
        if existing.external_id is None:
            existing.external_id = record.id
            accounts[record.id] = existing
            return "adopted"
        problems.append(
            record.problem(
                f"account {existing.name!r} (id {existing.id}) already exists, as "
                f"{existing.external_id!r}: give this record that id to update it, or merge "
                "the two in the source",
                column="id",
            )
        )
        return "refused"
    return "new"


def _import_contacts(
    session: Session,
    records: list[ContactRecord],
    accounts: dict[str, Account],
    contacts: dict[str, Contact],
    report: ImportReport,
    actor: Principal,
) -> None:
    session.flush()
    existed = {c.id for c in contacts.values()}
    updated: list[Contact] = []
    for r in records:
        values = {
            "account_id": accounts[r.account_id].id,
            "name": r.name,
            "title": r.title,
            "email": r.email.lower() if r.email else None,
            "buying_role": r.buying_role,
        }
        _upsert(session, contacts, r.id, Contact, values, report, "contacts", updated=updated)
    session.flush()
    # Second pass: a contact may report to one listed after it.
    for r in records:
        manager = contacts[r.reports_to].id if r.reports_to else None
        if contacts[r.id].reports_to_id != manager:
            contacts[r.id].reports_to_id = manager
            if contacts[r.id].id in existed:
                updated.append(contacts[r.id])
    for contact in {c.id: c for c in updated}.values():  # once, if both passes changed it
        events.emit(
            session,
            "contact.updated",
            actor=actor,
            contact_id=contact.id,
            account_id=contact.account_id,
        )


def _upsert(
    session: Session,
    existing: dict[str, Any],
    external_id: str,
    model: Any,
    values: dict[str, Any],
    report: ImportReport,
    kind: str,
    *,
    also_changed: bool = False,
    updated: list[Any] | None = None,
) -> Any:
    """Create or update the record ``external_id``; an existing one that changed is appended
    to ``updated``, for the caller's events."""
    obj = existing.get(external_id)
    if obj is None:
        obj = model(external_id=external_id, **values)
        session.add(obj)
        existing[external_id] = obj
        report.created[kind] += 1
    elif _assign(obj, values) or also_changed:
        report.updated[kind] += 1
        if updated is not None:
            updated.append(obj)
    else:
        report.unchanged[kind] += 1
    return obj


def _import_notes(
    session: Session,
    records: list[NoteRecord],
    known: tuple[dict[str, User], dict[str, Account], dict[str, Contact]],
    report: ImportReport,
    actor: Principal,
    problems: list[Problem],
    sensitive_categories: Categories,
) -> None:
    """Notes by external id; an existing note only where ``actor`` may change it (an admin's
    upload gets no read access and takes no note from its author: ``access``)."""
    session.flush()
    users, accounts, contacts = known
    notes = _existing(session, Note)
    drafts: list[NoteDraft] = []
    drafted: list[NoteRecord] = []
    for r in records:
        mentioned = sorted((contacts[c] for c in set(r.contact_ids)), key=lambda c: c.id)
        account, author = accounts[r.account_id], users[r.author_id]
        note = notes.get(r.id)
        if note is None:
            drafts.append(
                NoteDraft(
                    source="import",
                    author=author,
                    account=account,
                    body=r.body,
                    visibility=r.visibility,
                    contact_ids=tuple(c.id for c in mentioned),
                    observed_at=r.created_at,
                    written_at=r.created_at,
                    external_id=r.id,
                )
            )
            drafted.append(r)
            report.created["notes"] += 1
            continue
        if not may_import_over(actor, note, author):
            problems.append(r.problem(NOT_YOURS, column="id"))
            continue
        values = {
            "account_id": account.id,
            "author_id": author.id,
            "body": r.body,
            "visibility": r.visibility or note.visibility,  # none named: the note's stays
            "observed_at": r.created_at,
        }
        if revise_imported_note(
            session,
            note,
            editor_id=author.id,
            actor=actor,
            values=values,
            contacts=mentioned,
            sensitive_categories=sensitive_categories,
        ):
            report.updated["notes"] += 1
            report.warn_about(r.file, r.line, note)
        else:
            report.unchanged["notes"] += 1
    written = capture_many(session, actor, drafts, sensitive_categories=sensitive_categories)
    for r, created in zip(drafted, written, strict=True):
        report.warn_about(r.file, r.line, created)
