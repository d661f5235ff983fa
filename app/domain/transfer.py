"""Import and export of the data-set format (``users``, ``accounts``, ``contacts``, ``notes``
as JSON Lines, each record's ``id`` kept as its external id).

An import is all or nothing: every line is checked first, every problem is reported with its
file and line, and only a clean set is written, in one transaction. Records already present
(same external id) are updated when they differ and left alone when they do not, so running
the same import twice adds nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Account, BuyingRole, Contact, Note, Role, User, Visibility
from app.domain import audit
from app.domain.access import visible_notes
from app.domain.accounts import name_key, set_domains
from app.domain.notes import add_note, snapshot_revision
from app.domain.users import team_by_name
from app.errors import Invalid
from app.schemas.common import MAX_NOTE_CHARS, UTCInput
from app.search import indexing

KINDS = ("users", "accounts", "contacts", "notes")
_ACCESS_ROLES = {Role.manager.value, Role.admin.value}


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)
    id: str = Field(min_length=1, max_length=255)
    _where: str = PrivateAttr(default="")


R = TypeVar("R", bound=_Record)


class UserRecord(_Record):
    name: str = Field(min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=100)
    role: str = Field(default="rep", min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class AccountRecord(_Record):
    name: str = Field(min_length=1, max_length=200)
    domain: str | None = Field(default=None, max_length=255)
    domains: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    industry: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)


class ContactRecord(_Record):
    account_id: str
    name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    buying_role: BuyingRole = BuyingRole.unknown
    reports_to: str | None = None


class NoteRecord(_Record):
    account_id: str
    author_id: str
    contact_ids: list[str] = Field(default_factory=list)
    created_at: UTCInput
    visibility: Visibility
    body: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


@dataclass
class _DataSet:
    users: list[UserRecord]
    accounts: list[AccountRecord]
    contacts: list[ContactRecord]
    notes: list[NoteRecord]


@dataclass
class ImportReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)

    def summary(self) -> dict[str, dict[str, int]]:
        return {
            kind: {
                "created": self.created[kind],
                "updated": self.updated[kind],
                "unchanged": self.unchanged[kind],
            }
            for kind in KINDS
        }


def _read(directory: Path, kind: str, model: type[R], problems: list[str]) -> list[R]:
    path = directory / f"{kind}.jsonl"
    if not path.exists():
        return []
    records: list[R] = []
    seen: set[str] = set()
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            where = f"{path.name} line {number}"
            try:
                record = model.model_validate(json.loads(line))
            except json.JSONDecodeError as exc:
                problems.append(f"{where}: not JSON ({exc.msg})")
                continue
            except ValidationError as exc:
                for err in exc.errors():
                    loc = ".".join(str(p) for p in err["loc"]) or "record"
                    problems.append(f"{where}: {loc}: {err['msg']}")
                continue
            if record.id in seen:
                problems.append(f"{where}: id {record.id!r} appears twice")
                continue
            seen.add(record.id)
            record._where = where
            records.append(record)
    return records


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


def import_dataset(session: Session, directory: Path, *, actor: User | None) -> ImportReport:
    """Import a data-set directory; raises ``Invalid`` with every problem and writes nothing."""
    if not directory.is_dir():
        raise Invalid(f"{directory} is not a directory")
    problems: list[str] = []
    data = _DataSet(
        users=_read(directory, "users", UserRecord, problems),
        accounts=_read(directory, "accounts", AccountRecord, problems),
        contacts=_read(directory, "contacts", ContactRecord, problems),
        notes=_read(directory, "notes", NoteRecord, problems),
    )
    if not (data.users or data.accounts or data.contacts or data.notes) and not problems:
        raise Invalid(f"{directory} holds none of {', '.join(k + '.jsonl' for k in KINDS)}")
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
    if problems:
        raise Invalid(
            f"the import has {len(problems)} problem(s); nothing was written",
            problems=problems[:1000],
        )

    report = ImportReport()
    _import_users(session, data.users, users, report)
    _import_accounts(session, data.accounts, accounts, report)
    _import_contacts(session, data.contacts, accounts, contacts, report)
    _import_notes(session, data.notes, users, accounts, contacts, report)
    session.flush()
    audit.record(
        session,
        actor,
        "import",
        target_type="dataset",
        target_id=None,
        directory=str(directory),
        **report.summary(),
    )
    return report


def _check_references(
    data: _DataSet,
    known: dict[str, set[str]],
    contact_accounts: dict[str, str | None],
    problems: list[str],
) -> None:
    known = {**known, "contacts": set(contact_accounts)}

    def need(kind: str, ref: str | None, record: _Record, label: str) -> None:
        if ref is not None and ref not in known[kind]:
            problems.append(
                f"{record._where}: {label} {ref!r} is neither in {kind}.jsonl nor imported"
            )

    def same_account(contact: str | None, account: str, record: _Record, label: str) -> None:
        owner = contact_accounts.get(contact) if contact else None
        if owner is not None and account in known["accounts"] and owner != account:
            problems.append(f"{record._where}: {label} {contact!r} is a contact of another account")

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


def _import_users(
    session: Session, records: list[UserRecord], users: dict[str, User], report: ImportReport
) -> None:
    for r in records:
        role = Role(r.role) if r.role in _ACCESS_ROLES else Role.rep
        title = None if r.role in _ACCESS_ROLES or r.role == Role.rep.value else r.role
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
) -> None:
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
        previous = accounts.get(r.id)
        differ = previous is None or previous.domains != domains
        account = _upsert(
            session, accounts, r.id, Account, values, report, "accounts", also_changed=differ
        )
        if differ:
            session.flush()
            set_domains(session, account, domains)


def _import_contacts(
    session: Session,
    records: list[ContactRecord],
    accounts: dict[str, Account],
    contacts: dict[str, Contact],
    report: ImportReport,
) -> None:
    session.flush()
    for r in records:
        values = {
            "account_id": accounts[r.account_id].id,
            "name": r.name,
            "title": r.title,
            "email": r.email.lower() if r.email else None,
            "buying_role": r.buying_role,
        }
        _upsert(session, contacts, r.id, Contact, values, report, "contacts")
    session.flush()
    # Second pass: a contact may report to one listed after it.
    for r in records:
        manager = contacts[r.reports_to].id if r.reports_to else None
        if contacts[r.id].reports_to_id != manager:
            contacts[r.id].reports_to_id = manager


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
) -> Any:
    obj = existing.get(external_id)
    if obj is None:
        obj = model(external_id=external_id, **values)
        session.add(obj)
        existing[external_id] = obj
        report.created[kind] += 1
    elif _assign(obj, values) or also_changed:
        report.updated[kind] += 1
    else:
        report.unchanged[kind] += 1
    return obj


def _import_notes(
    session: Session,
    records: list[NoteRecord],
    users: dict[str, User],
    accounts: dict[str, Account],
    contacts: dict[str, Contact],
    report: ImportReport,
) -> None:
    session.flush()
    notes = _existing(session, Note)
    added: list[Note] = []
    for r in records:
        mentioned = sorted((contacts[c] for c in set(r.contact_ids)), key=lambda c: c.id)
        account, author = accounts[r.account_id], users[r.author_id]
        note = notes.get(r.id)
        if note is None:
            note = add_note(
                session,
                account=account,
                author=author,
                body=r.body,
                visibility=r.visibility,
                observed_at=r.created_at,
                source="import",
                external_id=r.id,
                contacts=mentioned,
            )
            added.append(note)
            report.created["notes"] += 1
            continue
        changed = _assign(
            note,
            {
                "account_id": account.id,
                "author_id": author.id,
                "body": r.body,
                "visibility": r.visibility,
                "observed_at": r.created_at,
            },
        )
        if [c.id for c in note.contacts] != [c.id for c in mentioned]:
            note.contacts, changed = mentioned, True
        if changed:
            note.version += 1
            session.add(snapshot_revision(note, author.id))
            indexing.note_changed(session, note)
            report.updated["notes"] += 1
        else:
            report.unchanged["notes"] += 1
    indexing.notes_added(session, added)


# --- export -------------------------------------------------------------------------------


def _xid(kind: str, obj: Any) -> str:
    """A record's id in the data set: its external id, or a stable one made from ours."""
    return obj.external_id or f"tacit-{kind}-{obj.id}"


def _timestamp(value: datetime) -> str:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(fmt)


def export_records(session: Session, kind: str, *, viewer: User | None) -> Iterator[dict[str, Any]]:
    """Records of one kind in the data-set format. Notes pass the access predicate of
    ``viewer``; ``viewer`` None is the server operator's full dump (``tacit export``)."""
    if kind not in KINDS:
        raise Invalid(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    exporter: Callable[[Session, User | None], Iterator[dict[str, Any]]] = _EXPORTERS[kind]
    return exporter(session, viewer)


def _export_users(session: Session, _: User | None) -> Iterator[dict[str, Any]]:
    for u in session.scalars(select(User).order_by(User.id)):
        role = u.role.value if u.role.value in _ACCESS_ROLES else (u.title or Role.rep.value)
        record = {
            "id": _xid("user", u),
            "name": u.name,
            "team": u.team.name if u.team else None,
            "role": role,
        }
        if u.email:
            record["email"] = u.email
        yield record


def _export_accounts(session: Session, _: User | None) -> Iterator[dict[str, Any]]:
    for a in session.scalars(select(Account).order_by(Account.id)):
        record: dict[str, Any] = {
            "id": _xid("account", a),
            "name": a.name,
            "domain": a.domains[0] if a.domains else None,
            "industry": a.industry,
            "region": a.region,
        }
        if len(a.domains) > 1:
            record["domains"] = a.domains
        if a.aliases:
            record["aliases"] = a.aliases
        yield record


def _export_contacts(session: Session, _: User | None) -> Iterator[dict[str, Any]]:
    rows = list(session.scalars(select(Contact).order_by(Contact.id)))
    by_id = {c.id: c for c in rows}
    for c in rows:
        manager = by_id.get(c.reports_to_id) if c.reports_to_id else None
        record = {
            "id": _xid("contact", c),
            "account_id": _xid("account", c.account),
            "name": c.name,
            "title": c.title,
            "buying_role": c.buying_role.value,
            "reports_to": _xid("contact", manager) if manager else None,
        }
        if c.email:
            record["email"] = c.email
        yield record


def _export_notes(session: Session, viewer: User | None) -> Iterator[dict[str, Any]]:
    stmt = select(Note).where(Note.deleted_at.is_(None)).order_by(Note.id)
    if viewer is not None:
        stmt = stmt.where(visible_notes(viewer))
    for n in session.scalars(stmt).unique():
        yield {
            "id": _xid("note", n),
            "account_id": _xid("account", n.account),
            "author_id": _xid("user", n.author),
            "contact_ids": sorted(_xid("contact", c) for c in n.contacts),
            "created_at": _timestamp(n.observed_at),
            "visibility": n.visibility.value,
            "body": n.body,
        }


_EXPORTERS = {
    "users": _export_users,
    "accounts": _export_accounts,
    "contacts": _export_contacts,
    "notes": _export_notes,
}


def export_dataset(session: Session, directory: Path, *, viewer: User | None) -> dict[str, int]:
    directory.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for kind in KINDS:
        path = directory / f"{kind}.jsonl"
        tmp = path.with_suffix(".jsonl.tmp")
        with tmp.open("w", encoding="utf-8") as out:
            counts[kind] = 0
            for record in export_records(session, kind, viewer=viewer):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                counts[kind] += 1
        tmp.replace(path)  # a reader never sees half a file
    audit.record(
        session,
        viewer,
        "export",
        target_type="dataset",
        target_id=None,
        directory=str(directory),
        **counts,
    )
    return counts
