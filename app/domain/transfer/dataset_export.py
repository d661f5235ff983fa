"""Export in the data-set format (``users``, ``accounts``, ``contacts``, ``notes`` as JSON
Lines, which ``dataset_import`` reads back): each record's id is its external id, or a stable one
made from ours."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import Account, Contact, Note, Role, User
from app.domain import audit
from app.domain.access import Principal, visible_notes
from app.domain.transfer.dataset_import import ACCESS_ROLES, KINDS
from app.errors import Invalid


def _xid(kind: str, obj: Any) -> str:
    """A record's id in the data set: its external id, or a stable one made from ours."""
    return obj.external_id or f"tacit-{kind}-{obj.id}"


def _timestamp(value: datetime) -> str:
    fmt = "%Y-%m-%dT%H:%M:%S.%fZ" if value.microsecond else "%Y-%m-%dT%H:%M:%SZ"
    return value.strftime(fmt)


def export_records(session: Session, kind: str, *, viewer: Principal) -> Iterator[dict[str, Any]]:
    """Records of one kind in the data-set format. Notes are those ``viewer`` may read (the
    system's: every live note, the operator's full dump by ``tacit export``)."""
    if kind not in KINDS:
        raise Invalid(f"unknown kind {kind!r}; one of {', '.join(KINDS)}")
    exporter: Callable[[Session, Principal], Iterator[dict[str, Any]]] = _EXPORTERS[kind]
    return exporter(session, viewer)


def _export_users(session: Session, _: Principal) -> Iterator[dict[str, Any]]:
    for u in session.scalars(select(User).order_by(User.id)):
        role = u.role.value if u.role.value in ACCESS_ROLES else (u.title or Role.rep.value)
        record = {
            "id": _xid("user", u),
            "name": u.name,
            "team": u.team.name if u.team else None,
            "role": role,
        }
        if u.email:
            record["email"] = u.email
        yield record


def _export_accounts(session: Session, _: Principal) -> Iterator[dict[str, Any]]:
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


def _export_contacts(session: Session, _: Principal) -> Iterator[dict[str, Any]]:
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


def _export_notes(session: Session, viewer: Principal) -> Iterator[dict[str, Any]]:
    stmt = select(Note).where(visible_notes(viewer)).order_by(Note.id)
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


def export_dataset(session: Session, directory: Path, *, viewer: Principal) -> dict[str, int]:
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
