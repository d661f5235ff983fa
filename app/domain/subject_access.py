"""Subject access: everything Tacit holds about one contact (GDPR Art. 15), whoever wrote it
and whoever may read it, for a data-protection officer.

What a dossier holds ("names them" is the rule of ``app.search.naming``):

- the contact record, whom they report to and who reports to them;
- every note held that is linked to them (now or in an earlier version), has a sentence the
  embedding worker attributed to them (``mentions``), or whose text or any revision names
  them: every author and visibility, deleted notes too (deleting hides a note, it is still
  held; only erased notes are gone).
  With each: where it came from (source, author, observed and created dates, external id, the
  Message-ID of the e-mail it was captured from), the sentences naming them, the revisions
  naming or linking them, readers' flags whose reason names them, and a retention decision;
- the buying-role decisions about them, and the roles the notes suggest, with the evidence;
- who opened those notes or was shown them (in a brief, a meeting brief, a search result),
  and when, each marked when the note carries personal context;
- searches whose question names them; captured e-mail they took part in or that names them;
- the audit events about the contact record (earlier subject-access requests included).

Left out, as copies of what is listed: passages and their vectors (the note's text, split),
stored idempotent replies (a day's copy of a note as created). Outbox events hold only ids.

Only an admin may ask (``access.ensure_can_access_subject``), and every dossier is audited
(``contact.subject_access``, with counts, no content) in the unit of work that read it, so no
dossier leaves without its record.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, func, or_, select, union
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import (
    AuditEvent,
    BuyingRole,
    Contact,
    InboundMessage,
    InfluenceDecision,
    InfluenceRecord,
    Mention,
    Note,
    NoteFlag,
    NoteRevision,
    NoteView,
    RetentionDecision,
    RoleDecision,
    Search,
    SearchImpression,
    User,
    note_contacts,
)
from app.domain import audit
from app.domain.access import Principal, ensure_can_access_subject
from app.domain.contacts import get_contact
from app.search import influence
from app.search.mentions import Person
from app.search.naming import Naming, naming

SUBJECT_ACCESS = "contact.subject_access"
PERSONAL = "personal"


@dataclass(frozen=True)
class HeldNote:
    note: Note
    # "linked" (now or in an earlier version), "mentioned", "named" (now or in a version)
    found_by: tuple[str, ...]
    passages: list[str]  # the sentences of the current text that name them
    revisions: list[NoteRevision]  # the versions that name or link them
    flags: list[NoteFlag]  # readers' flags whose reason names them
    message_id: str | None  # the e-mail the note was captured from
    retention: RetentionDecision | None

    @property
    def personal(self) -> bool:
        return PERSONAL in self.note.sections


@dataclass(frozen=True)
class Read:
    """A note of the dossier put before someone: opened, or shown (in a brief or a result)."""

    note_id: int
    user_id: int
    at: datetime
    kind: str  # "opened" or "shown"
    via: str  # "api", "web", "brief", "meeting", "search"
    personal: bool


@dataclass(frozen=True)
class HeldEmail:
    message: InboundMessage
    participant: dict[str, str] | None  # their own entry among the participants
    named: bool  # the subject or the text still held names them


@dataclass(frozen=True)
class Dossier:
    contact: Contact
    reports_to: Contact | None
    direct_reports: list[Contact]
    notes: list[HeldNote]
    role_decisions: list[RoleDecision]
    role_suggestions: dict[BuyingRole, list[int]]  # role -> evidence note ids, newest first
    influence_records: list[InfluenceRecord]
    influence_decisions: list[InfluenceDecision]
    reads: list[Read]
    searches: list[Search]
    emails: list[HeldEmail]
    audit: list[AuditEvent]
    generated_at: datetime
    generated_by: int | None
    users: dict[int, User] = field(default_factory=dict)  # everyone the dossier names

    def user(self, user_id: int | None) -> User | None:
        return self.users.get(user_id) if user_id is not None else None


def subject_access(
    session: Session, actor: Principal, contact_id: int, *, format: str, via: str
) -> Dossier:
    """Everything held about the contact (see the module's docstring), audited."""
    ensure_can_access_subject(actor)
    contact = get_contact(session, contact_id)
    colleagues = list(
        session.scalars(select(Contact).where(Contact.account_id == contact.account_id))
    )
    rule = naming(
        Person(contact.id, contact.name, contact.title),
        contact.email,
        [Person(c.id, c.name, c.title) for c in colleagues],
    )
    notes = _held_notes(session, contact, rule)
    ids = [held.note.id for held in notes]
    personal = {held.note.id for held in notes if held.personal}
    dossier = Dossier(
        contact=contact,
        reports_to=next((c for c in colleagues if c.id == contact.reports_to_id), None),
        direct_reports=sorted(
            (c for c in colleagues if c.reports_to_id == contact.id), key=lambda c: c.id
        ),
        notes=notes,
        role_decisions=list(
            session.scalars(
                select(RoleDecision)
                .where(RoleDecision.contact_id == contact.id)
                .order_by(RoleDecision.at, RoleDecision.id)
            )
        ),
        role_suggestions=_role_suggestions(session, contact),
        influence_records=list(
            session.scalars(
                select(InfluenceRecord)
                .where(InfluenceRecord.contact_id == contact.id)
                .order_by(InfluenceRecord.id)
            )
        ),
        influence_decisions=list(
            session.scalars(
                select(InfluenceDecision)
                .where(InfluenceDecision.contact_id == contact.id)
                .order_by(InfluenceDecision.at, InfluenceDecision.id)
            )
        ),
        reads=_reads(session, ids, personal),
        searches=_searches(session, contact, rule),
        emails=_emails(session, contact, rule),
        audit=list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.target_type == "contact", AuditEvent.target_id == str(contact.id))
                .order_by(AuditEvent.at, AuditEvent.id)
            )
        ),
        generated_at=utcnow(),
        generated_by=actor.id if isinstance(actor, User) else None,
    )
    dossier.users.update(_users(session, dossier))
    audit.record(
        session,
        actor,
        SUBJECT_ACCESS,
        target_type="contact",
        target_id=contact.id,
        format=format,
        via=via,
        notes=len(notes),
        reads=len(dossier.reads),
    )
    return dossier


def _contains_any(column: Any, hints: tuple[str, ...]) -> Any:
    return or_(*(func.lower(column).contains(hint, autoescape=True) for hint in hints))


def _held_notes(session: Session, contact: Contact, rule: Naming) -> list[HeldNote]:
    linked = set(
        session.scalars(
            select(note_contacts.c.note_id).where(note_contacts.c.contact_id == contact.id)
        )
    )
    mentioned: dict[int, list[str]] = defaultdict(list)
    for note_id, text in session.execute(
        select(Mention.note_id, Mention.text)
        .where(Mention.contact_id == contact.id)
        .order_by(Mention.note_id, Mention.ordinal)
    ):
        mentioned[note_id].append(text)
    # Every note of their account may name them by a short form; elsewhere only a text that
    # holds a hint of their full name or e-mail can.
    account = contact.account_id
    candidates = union(
        select(Note.id.label("note_id")).where(
            or_(Note.account_id == account, _contains_any(Note.body, rule.hints))
        ),
        select(NoteRevision.note_id).where(
            or_(NoteRevision.account_id == account, _contains_any(NoteRevision.body, rule.hints))
        ),
    ).subquery()
    loaded = session.scalars(
        select(Note)
        .where(or_(Note.id.in_(linked | set(mentioned)), Note.id.in_(select(candidates.c.note_id))))
        .order_by(Note.observed_at, Note.id)
    ).all()
    ids = [note.id for note in loaded]
    revisions: dict[int, list[NoteRevision]] = defaultdict(list)
    for revision in session.scalars(
        select(NoteRevision)
        .where(NoteRevision.note_id.in_(ids))
        .order_by(NoteRevision.note_id, NoteRevision.version)
    ):
        revisions[revision.note_id].append(revision)
    flags: dict[int, list[NoteFlag]] = defaultdict(list)
    for flag in session.scalars(
        select(NoteFlag).where(NoteFlag.note_id.in_(ids)).order_by(NoteFlag.id)
    ):
        flags[flag.note_id].append(flag)
    messages = dict(
        session.execute(
            select(InboundMessage.note_id, InboundMessage.message_id).where(
                InboundMessage.note_id.in_(ids)
            )
        ).all()
    )
    kept = {
        d.note_id: d
        for d in session.scalars(
            select(RetentionDecision).where(RetentionDecision.note_id.in_(ids))
        )
    }
    held = []
    for note in loaded:
        at_account = note.account_id == account
        passages = rule.sentences(note.body, at_account=at_account)
        linked_in = {r.id for r in revisions[note.id] if contact.id in (r.contact_ids or [])}
        named_in = {
            r.id
            for r in revisions[note.id]
            if rule.names(r.body, at_account=r.account_id == account)
        }
        found_by = tuple(
            how
            for how, found in (
                ("linked", note.id in linked or bool(linked_in)),
                ("mentioned", note.id in mentioned),
                ("named", bool(passages) or bool(named_in)),
            )
            if found
        )
        if not found_by:
            continue
        for text in mentioned[note.id]:
            if text not in passages:
                passages.append(text)
        held.append(
            HeldNote(
                note=note,
                found_by=found_by,
                passages=passages,
                revisions=[r for r in revisions[note.id] if r.id in linked_in | named_in],
                flags=[f for f in flags[note.id] if rule.names(f.reason, at_account=at_account)],
                message_id=messages.get(note.id),
                retention=kept.get(note.id),
            )
        )
    return held


def _role_suggestions(session: Session, contact: Contact) -> dict[BuyingRole, list[int]]:
    """The roles the influence suggester reads in the sentences about them, over every note
    held and current (not deleted, not superseded): what the brief would suggest with no
    visibility rule."""
    rows = session.execute(
        select(Mention, Note.observed_at)
        .join(Note, Note.id == Mention.note_id)
        .where(
            Mention.contact_id == contact.id,
            Note.deleted_at.is_(None),
            Note.superseded_by_id.is_(None),
        )
        .order_by(Note.observed_at.desc(), Note.id.desc(), Mention.ordinal)
    )
    said = [
        influence.Sentence(
            m.contact_id, m.note_id, m.text, at, m.topic, m.score, m.named, m.role_scores
        )
        for m, at in rows
    ]
    # Every contact of the account: a sentence naming two people is read for the right one.
    people = [
        influence.Person(c.id, c.name, c.title)
        for c in session.scalars(select(Contact).where(Contact.account_id == contact.account_id))
    ]
    return {
        BuyingRole(str(s.value)): list(dict.fromkeys(c.note_id for c in s.evidence))
        for s in influence.suggest(people, said)
        if s.field == "roles"
    }


def _reads(session: Session, note_ids: list[int], personal: set[int]) -> list[Read]:
    if not note_ids:
        return []
    reads = [
        Read(v.note_id, v.user_id, v.at, v.kind, v.source, v.note_id in personal)
        for v in session.scalars(select(NoteView).where(NoteView.note_id.in_(note_ids)))
    ]
    reads += [
        Read(i.note_id, i.user_id, i.at, "shown", "search", i.note_id in personal)
        for i in session.scalars(
            select(SearchImpression).where(SearchImpression.note_id.in_(note_ids))
        )
    ]
    return sorted(reads, key=lambda r: (r.at, r.note_id, r.user_id))


def _searches(session: Session, contact: Contact, rule: Naming) -> list[Search]:
    found = session.scalars(
        select(Search)
        .where(
            or_(Search.account_id == contact.account_id, _contains_any(Search.query, rule.hints))
        )
        .order_by(Search.at, Search.id)
    )
    return [s for s in found if rule.names(s.query, at_account=s.account_id == contact.account_id)]


def _emails(session: Session, contact: Contact, rule: Naming) -> list[HeldEmail]:
    found = session.scalars(
        select(InboundMessage)
        .where(
            or_(
                _contains_any(cast(InboundMessage.participants, Text), rule.hints),
                _contains_any(InboundMessage.subject, rule.hints),
                _contains_any(InboundMessage.text, rule.hints),
            )
        )
        .order_by(InboundMessage.received_at, InboundMessage.id)
    )
    held = []
    for message in found:
        participant = next(
            (
                p
                for p in message.participants or []
                if contact.email and (p.get("email") or "").lower() == contact.email
            ),
            None,
        )
        text = f"{message.subject}\n{message.text or ''}"
        named = rule.names(text, at_account=False)
        if participant is not None or named:
            held.append(HeldEmail(message, participant, named))
    return held


def _users(session: Session, dossier: Dossier) -> dict[int, User]:
    ids: set[int | None] = {dossier.generated_by}
    for held in dossier.notes:
        ids |= {held.note.author_id, held.note.verified_by_id}
        ids |= {r.edited_by_id for r in held.revisions}
        ids |= {f.by_user_id for f in held.flags}
        if held.retention is not None:
            ids.add(held.retention.kept_by_id)
    ids |= {d.user_id for d in dossier.role_decisions}
    ids |= {d.user_id for d in dossier.influence_decisions}
    ids |= {r.user_id for r in dossier.reads}
    ids |= {s.user_id for s in dossier.searches}
    ids |= {e.message.user_id for e in dossier.emails}
    ids |= {e.actor_id for e in dossier.audit}
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
