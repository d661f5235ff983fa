"""Reading the influence map: each contact's record as one reader sees it.

A record's confirmed values are shared (a person set them, and who and when is kept); what
they cite, the suggestions beside them and the coverage are built for the reader from the
notes the reader may read, so a note hidden from them is never quoted, counted or dated. A
suggestion that a value already confirmed, or that a rejection hides from the reader
(``access.influence_rejections_seen_by``), is not shown again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, lazyload

from app.db.base import utcnow
from app.db.models import (
    Account,
    Contact,
    InfluenceDecision,
    InfluenceRecord,
    InfluenceReview,
    Note,
    User,
)
from app.domain.access import influence_rejections_seen_by, visible_notes
from app.domain.accounts import get_account
from app.domain.influence.coverage import Coverage, account_coverage
from app.domain.influence.fields import FIELDS, LIST_FIELDS, shelf_life
from app.domain.influence.suggestions import suggestions_for
from app.errors import NotFound
from app.search.influence import ROLES

Status = Literal["confirmed", "suggested"]
KEPT = ("confirmed", "edited")  # decisions that put a value on the record
REVIEWING = ("confirmed", "edited", "removed")  # a person's decisions that review the map


@dataclass(frozen=True)
class Cited:
    note_id: int
    sentence: str


@dataclass
class FieldValue:
    """One value of one field: confirmed (on the record, with who and when) or suggested (by
    the notes the reader may read, not yet decided)."""

    value: str | int
    status: Status
    evidence: list[Cited] = field(default_factory=list)
    decided_by: User | None = None
    decided_at: datetime | None = None
    stale: bool = False
    confidence: float | None = None
    reason: str | None = None


@dataclass
class Values:
    """The confirmed values of a record, in the record's shape."""

    roles: list[str] = field(default_factory=list)
    degree: str | None = None
    mode: str | None = None
    mode_reason: str | None = None
    rating: int | None = None
    key_win_result: str | None = None
    hot_buttons: list[str] = field(default_factory=list)
    cold_buttons: list[str] = field(default_factory=list)


@dataclass
class Influence:
    contact: Contact
    objective: str | None
    confirmed: Values
    fields: dict[str, list[FieldValue]]
    coverage: Coverage
    updated_at: datetime | None = None

    @property
    def roles(self) -> list[str]:
        return self.confirmed.roles

    @property
    def stale_fields(self) -> list[str]:
        return [
            name
            for name in FIELDS
            if any(v.stale for v in self.fields[name] if v.status == "confirmed")
        ]

    @property
    def suggested_fields(self) -> list[str]:
        return [name for name in FIELDS if any(v.status == "suggested" for v in self.fields[name])]

    def suggested(self, name: str) -> list[FieldValue]:
        return [v for v in self.fields[name] if v.status == "suggested"]


@dataclass
class AccountMap:
    account: Account
    generated_at: datetime
    reviewed_at: datetime | None
    influences: list[Influence]

    def with_role(self, role: str) -> list[Influence]:
        return [i for i in self.influences if role in i.roles]


def contact_influence(
    session: Session,
    viewer: User,
    contact_id: int,
    *,
    objective: str | None = None,
    now: datetime | None = None,
) -> Influence:
    """One contact's record (for ``objective``, or in general) as ``viewer`` sees it."""
    contact = load_contact(session, contact_id)
    return _build(session, viewer, contact.account_id, [contact], objective, now or utcnow())[0]


def account_map(
    session: Session, viewer: User, account_id: int, *, now: datetime | None = None
) -> AccountMap:
    """Every contact of the account with their general record, as ``viewer`` sees it: the
    confirmed buying influences first (by role), then the others."""
    now = now or utcnow()
    account = get_account(session, account_id)
    contacts = account_contacts(session, account_id)
    influences = _build(session, viewer, account_id, contacts, None, now)
    order = {role: i for i, role in enumerate(ROLES)}
    influences.sort(
        key=lambda i: (
            min((order[r] for r in i.roles if r in order), default=len(order)),
            not i.suggested_fields,
            i.contact.id,
        )
    )
    return AccountMap(account, now, reviewed_at(session, account_id), influences)


def load_contact(session: Session, contact_id: int) -> Contact:
    # Not ``contacts.get_contact``: ``contacts`` calls this package when a role changes.
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    return contact


def account_contacts(session: Session, account_id: int) -> list[Contact]:
    return list(
        session.scalars(
            select(Contact)
            .where(Contact.account_id == account_id)
            .order_by(Contact.id)
            .options(lazyload(Contact.account))
        )
    )


def reviewed_at(session: Session, account_id: int) -> datetime | None:
    """When a person last went over the account's map: an explicit review, or a confirmation,
    edit or removal of any value of one of its contacts' records."""
    explicit = session.scalar(
        select(func.max(InfluenceReview.at)).where(InfluenceReview.account_id == account_id)
    )
    decided = session.scalar(
        select(func.max(InfluenceDecision.at))
        .join(Contact, Contact.id == InfluenceDecision.contact_id)
        .where(
            Contact.account_id == account_id,
            InfluenceDecision.decision.in_(REVIEWING),
            InfluenceDecision.user_id.is_not(None),
        )
    )
    times = [t for t in (explicit, decided) if t is not None]
    return max(times) if times else None


def clean_objective(objective: str | None) -> str | None:
    """An objective as it is kept: spaces folded, blank meaning none (the general record)."""
    return " ".join(objective.split()) or None if objective is not None else None


def objectives(session: Session, contact_id: int) -> list[str]:
    """The sales objectives the contact has a record for, by name."""
    return list(
        session.scalars(
            select(InfluenceRecord.objective)
            .where(InfluenceRecord.contact_id == contact_id, InfluenceRecord.objective.is_not(None))
            .order_by(InfluenceRecord.objective)
        )
    )


def find_record(session: Session, contact_id: int, objective: str | None) -> InfluenceRecord | None:
    same = (
        InfluenceRecord.objective.is_(None)
        if objective is None
        else InfluenceRecord.objective == objective
    )
    return session.scalar(
        select(InfluenceRecord).where(InfluenceRecord.contact_id == contact_id, same)
    )


def value_key(value: Any) -> str | int:
    return value.lower() if isinstance(value, str) else value


def _build(
    session: Session,
    viewer: User,
    account_id: int,
    contacts: Sequence[Contact],
    objective: str | None,
    now: datetime,
) -> list[Influence]:
    ids = [c.id for c in contacts]
    same = (
        InfluenceRecord.objective.is_(None)
        if objective is None
        else InfluenceRecord.objective == objective
    )
    records = {
        r.contact_id: r
        for r in session.scalars(
            select(InfluenceRecord).where(InfluenceRecord.contact_id.in_(ids), same)
        )
    }
    record_ids = [r.id for r in records.values()]
    kept: dict[tuple[int, str, str | int], InfluenceDecision] = {}
    rejected: set[tuple[int, str, str | int]] = set()
    if record_ids:
        for decision in session.scalars(
            select(InfluenceDecision)
            .where(
                InfluenceDecision.record_id.in_(record_ids),
                InfluenceDecision.decision.in_(KEPT),
            )
            .order_by(InfluenceDecision.at, InfluenceDecision.id)
        ):
            kept[(decision.record_id, decision.field, value_key(decision.value))] = decision
        rejected = {
            (record_id, name, value_key(value))
            for record_id, name, value in session.execute(
                select(
                    InfluenceDecision.record_id, InfluenceDecision.field, InfluenceDecision.value
                ).where(
                    InfluenceDecision.record_id.in_(record_ids),
                    influence_rejections_seen_by(viewer),
                )
            )
        }
    cited = {c.note_id for d in kept.values() for c in d.citations}
    readable = (
        set(session.scalars(select(Note.id).where(Note.id.in_(cited), visible_notes(viewer))))
        if cited
        else set()
    )
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(User.id.in_({d.user_id for d in kept.values() if d.user_id}))
        )
    }
    suggested = suggestions_for(session, viewer, contacts)
    coverage = account_coverage(session, viewer, account_id, contacts)
    influences = []
    for contact in contacts:
        record = records.get(contact.id)
        values = _values(record, contact)
        fields: dict[str, list[FieldValue]] = {}
        for name in FIELDS:
            current = _current(values, name)
            confirmed = []
            for value in current:
                last = kept.get((record.id, name, value_key(value))) if record else None
                confirmed.append(
                    _confirmed(name, value, last, readable, users, values, now)
                    if last is not None or name != "roles"
                    else _from_contact(value, contact, now)
                )
            taken = {value_key(v) for v in current}
            fields[name] = confirmed + [
                FieldValue(
                    value=s.value,
                    status="suggested",
                    evidence=[Cited(c.note_id, c.sentence) for c in s.evidence],
                    confidence=s.confidence,
                    reason=s.reason,
                )
                for s in sorted(
                    (s for s in suggested.get(contact.id, []) if s.field == name),
                    key=lambda s: -s.confidence,
                )
                if value_key(s.value) not in taken
                and (record is None or (record.id, name, value_key(s.value)) not in rejected)
            ]
        influences.append(
            Influence(
                contact=contact,
                objective=objective,
                confirmed=values,
                fields=fields,
                coverage=coverage[contact.id],
                updated_at=record.updated_at if record else None,
            )
        )
    return influences


def recorded_roles(record: InfluenceRecord | None, contact: Contact) -> list[str]:
    """The record's roles, with the contact's recorded buying role first when the record
    lacks it: a contact created or imported with a role, or set through the contact itself,
    holds it until someone edits the record."""
    roles = list(record.roles or []) if record is not None else []
    main = contact.buying_role.value
    if main in ROLES and main not in roles:
        roles.insert(0, main)
    return roles


def _values(record: InfluenceRecord | None, contact: Contact) -> Values:
    if record is None:
        return Values(roles=recorded_roles(None, contact))
    return Values(
        roles=recorded_roles(record, contact),
        degree=record.degree,
        mode=record.mode,
        mode_reason=record.mode_reason,
        rating=record.rating,
        key_win_result=record.key_win_result,
        hot_buttons=list(record.hot_buttons or []),
        cold_buttons=list(record.cold_buttons or []),
    )


def _from_contact(value: str | int, contact: Contact, now: datetime) -> FieldValue:
    """A role recorded on the contact and not (yet) on the record: dated when the contact
    last changed, by nobody known."""
    at = contact.updated_at
    return FieldValue(value, "confirmed", decided_at=at, stale=at + shelf_life("roles") <= now)


def _current(values: Values, name: str) -> list[str | int]:
    value = getattr(values, name)
    if name in LIST_FIELDS:
        return list(value)
    return [] if value is None else [value]


def _confirmed(
    name: str,
    value: str | int,
    decision: InfluenceDecision | None,
    readable: set[int],
    users: dict[int, User],
    values: Values,
    now: datetime,
) -> FieldValue:
    at = decision.at if decision else None
    return FieldValue(
        value=value,
        status="confirmed",
        evidence=[
            Cited(c.note_id, c.sentence)
            for c in (decision.citations if decision else [])
            if c.note_id in readable
        ],
        decided_by=users.get(decision.user_id) if decision and decision.user_id else None,
        decided_at=at,
        stale=at is not None and at + shelf_life(name) <= now,
        reason=values.mode_reason if name == "mode" else None,
    )
