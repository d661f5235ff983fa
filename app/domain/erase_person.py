"""Erasing a person: a contact taken out of everything Tacit holds, at their request (GDPR
Art. 17). An admin's call (``access.ensure_can_erase_contact``), for notes of any author and
any visibility, deleted ones included: the request covers what is held.

``erase_contact``, in one unit of work:

1. finds the notes that name them: those linked to or mentioning the contact, and those whose
   text or any revision holds one of their forms (``app.privacy.redaction``): at their own
   account every form (full name, address, phones, and the first name, last name and initials
   nobody else there shares), elsewhere only the full name, address and phones;
2. erases whole each note only about them (at least half its sentences name them and nobody
   else), and rewrites the others, every revision included, with ``[erased person]`` in place
   of each form: passages re-split, keyword index merged, vectors queued again from the
   redacted text (``erasure``);
3. deletes what else holds them: mentions (and every mention of a rewritten note, which the
   embedding worker writes again), role decisions and influence records with their history,
   the flags that name them or set two notes
   about them against each other, the search log entries that name them, the stored replies
   of the rewritten and erased notes or naming them, and, in captured e-mail, their address
   and name among the participants and their forms in the subject, text and attachment names;
   their forms in earlier audit details become the placeholder too;
4. deletes the contact, leaves a suppression (``suppressions``), emits ``contact.erased`` and
   writes one audit event without content: ids and counts.

There is no cache of briefs to empty: a brief is built for its reader at each request. Once
committed, ``reclaim`` checkpoints SQLite's log or vacuums PostgreSQL's tables.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Text,
    cast,
    delete,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from app.db.models import (
    AuditEvent,
    Contact,
    InboundMessage,
    InfluenceCitation,
    InfluenceDecision,
    InfluenceRecord,
    Mention,
    Note,
    NoteFlag,
    NoteRevision,
    RoleDecision,
    Search,
    User,
    note_contacts,
)
from app.db.reclaim import reclaim
from app.db.request import AfterCommit
from app.domain import audit, erasure, events, freshness, suppressions
from app.domain.access import Principal, ensure_can_erase_contact
from app.errors import NotFound
from app.privacy.redaction import Forms, Person, anyone, forms_of, only_about, phones_near
from app.search import indexing


@dataclass(frozen=True)
class ErasedPerson:
    """What an erasure did, in counts: the answer and the audit event carry nothing else."""

    contact_id: int
    account_id: int
    notes_redacted: int
    notes_erased: int
    suppression_id: int


@dataclass
class _Forms:
    """The person's forms at their account (``local``) and elsewhere (``full``), who else a
    sentence may name, and the words a database query looks for before the patterns decide."""

    contact: Contact
    local: Forms
    full: Forms
    others: Forms
    needles: list[str]
    local_needles: list[str]

    def at(self, account_ids: Iterable[int]) -> Forms:
        return self.local if self.contact.account_id in set(account_ids) else self.full

    def names(self, text: str, account_id: int | None) -> bool:
        return self.at([account_id] if account_id else []).names(text)


def erase_contact(
    session: Session,
    actor: Principal,
    contact_id: int,
    *,
    reason: str,
    after_commit: AfterCommit,
) -> ErasedPerson:
    """Erase the contact everywhere (see the module docstring). No undo."""
    ensure_can_erase_contact(actor)
    locked = select(Contact).where(Contact.id == contact_id).with_for_update(of=Contact)
    contact = session.scalar(locked)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    forms, notes = _notes_naming_them(session, contact)
    redacted, erased = _take_out_of_notes(session, actor, forms, notes)
    _forget_activity(session, forms, rewritten=set(redacted), erased=set(erased))
    suppression = suppressions.suppress(session, actor, contact, reason=forms.local.redact(reason))
    result = ErasedPerson(
        contact.id, contact.account_id, len(redacted), len(erased), suppression.id
    )
    events.emit(
        session, "contact.erased", actor=actor, contact_id=contact.id, account_id=contact.account_id
    )
    audit.record(
        session,
        actor,
        "contact.erase",
        target_type="contact",
        target_id=contact.id,
        account_id=contact.account_id,
        notes_redacted=result.notes_redacted,
        notes_erased=result.notes_erased,
        suppression_id=suppression.id,
    )
    session.execute(
        update(Contact).where(Contact.reports_to_id == contact.id).values(reports_to_id=None)
    )
    session.delete(contact)
    session.flush()
    indexing.merge_keyword_index(session)
    after_commit.after_commit(partial(reclaim, tables=erasure.PERSONAL_TABLES))
    return result


def _notes_naming_them(
    session: Session, contact: Contact
) -> tuple[_Forms, list[tuple[Note, list[NoteRevision]]]]:
    """Their forms and the notes (with revisions) that may name them. Twice when the notes
    give phone numbers, which are forms too and may name them in other notes."""
    forms = _forms_of(session, contact, phones=[])
    notes = _candidates(session, forms)
    phones = [
        phone
        for note, revisions in notes
        for text in [note.body, *(r.body for r in revisions)]
        for phone in phones_near(text, forms.local)
    ]
    if phones:
        forms = _forms_of(session, contact, phones=phones)
        notes = _candidates(session, forms)
    return forms, notes


def _take_out_of_notes(
    session: Session,
    actor: Principal,
    forms: _Forms,
    notes: list[tuple[Note, list[NoteRevision]]],
) -> tuple[list[int], list[int]]:
    """Erase the notes only about them, rewrite the others; the ids of each."""
    contact_id = forms.contact.id
    linked = _linked(session, contact_id)
    redacted: list[int] = []
    erased: list[int] = []
    for note, revisions in notes:
        these = forms.at([note.account_id, *(r.account_id for r in revisions)])
        named = these.names(note.body) or any(these.names(r.body) for r in revisions)
        if not named and note.id not in linked:
            continue
        if these.names(note.body) and only_about(note.body, these, others=forms.others):
            erased.append(note.id)
            erasure.erase_held_note(session, actor, note, merge=False)
            continue
        erasure.rewrite_note(session, actor, note, these.redact, unlink_contact=contact_id)
        if named:
            redacted.append(note.id)
    return redacted, erased


def _forms_of(session: Session, contact: Contact, *, phones: Sequence[str]) -> _Forms:
    colleagues = session.scalars(
        select(Contact.name).where(
            Contact.account_id == contact.account_id, Contact.id != contact.id
        )
    ).all()
    others = [*colleagues, *session.scalars(select(User.name))]
    person = Person(contact.name, contact.email)
    local = forms_of(person, others=others, phones=phones)
    words = contact.name.split()
    needles = [contact.name, *(w for w in words if len(w) >= 3)]
    needles += [contact.email] if contact.email else []
    initials = "".join(w[0] for w in words) if len(words) > 1 else ""
    tails = ["".join(ch for ch in p if ch.isdigit())[-4:] for p in phones]
    return _Forms(
        contact=contact,
        local=local,
        full=forms_of(person, phones=phones, short=False),
        others=anyone(others),
        needles=[*needles, *tails],
        local_needles=[*needles, *tails, *([initials] if initials else [])],
    )


def _holding(column: Any, needles: Sequence[str]) -> ColumnElement[bool]:
    """Whether the column's text holds any of ``needles``, regardless of case: a first look,
    the patterns decide. SQLite lowers ASCII letters only and keeps JSON with other letters
    escaped, so each needle is looked for as JSON writes it too, and a name in unusual capitals
    is found by its other words."""
    text = func.lower(cast(column, Text))
    variants = {form.lower() for n in needles for form in (n, json.dumps(n)[1:-1])}
    return or_(*(text.contains(v, autoescape=True) for v in sorted(variants)))


def _candidates(session: Session, forms: _Forms) -> list[tuple[Note, list[NoteRevision]]]:
    """The notes whose text or revisions hold a needle, or linked to or mentioning them."""
    account_id, contact_id = forms.contact.account_id, forms.contact.id
    local_revisions = select(NoteRevision.note_id).where(
        _holding(NoteRevision.body, forms.local_needles)
    )
    revisions = select(NoteRevision.note_id).where(_holding(NoteRevision.body, forms.needles))
    stmt = select(Note).where(
        or_(
            (Note.account_id == account_id)
            & or_(_holding(Note.body, forms.local_needles), Note.id.in_(local_revisions)),
            _holding(Note.body, forms.needles),
            Note.id.in_(revisions),
            Note.id.in_(_linked_query(contact_id)),
        )
    )
    notes = list(session.scalars(stmt.order_by(Note.id).with_for_update(of=Note)))
    held: dict[int, list[NoteRevision]] = {}
    ids = [n.id for n in notes]
    for revision in session.scalars(select(NoteRevision).where(NoteRevision.note_id.in_(ids))):
        held.setdefault(revision.note_id, []).append(revision)
    return [(note, held.get(note.id, [])) for note in notes]


def _linked_query(contact_id: int) -> CompoundSelect[tuple[int]]:
    linked = select(note_contacts.c.note_id).where(note_contacts.c.contact_id == contact_id)
    return linked.union(select(Mention.note_id).where(Mention.contact_id == contact_id))


def _linked(session: Session, contact_id: int) -> set[int]:
    return set(session.scalars(_linked_query(contact_id)))


def _forget_activity(
    session: Session, forms: _Forms, *, rewritten: set[int], erased: set[int]
) -> None:
    contact = forms.contact
    session.execute(delete(note_contacts).where(note_contacts.c.contact_id == contact.id))
    session.execute(delete(RoleDecision).where(RoleDecision.contact_id == contact.id))
    # The influence record and its history (their citations quote sentences naming them).
    session.execute(delete(InfluenceDecision).where(InfluenceDecision.contact_id == contact.id))
    session.execute(delete(InfluenceRecord).where(InfluenceRecord.contact_id == contact.id))
    # Others' records may quote a rewritten note's old sentences, which may name them.
    session.execute(
        delete(InfluenceCitation).where(InfluenceCitation.note_id.in_(rewritten | erased))
    )
    # A rewritten note's mentions quote its old sentences; the worker finds them again.
    session.execute(
        delete(Mention).where(or_(Mention.contact_id == contact.id, Mention.note_id.in_(rewritten)))
    )
    _forget_searches(session, forms)
    _forget_flags(session, forms, about=rewritten | erased)
    _forget_mail(session, forms)
    erasure.forget_stored_responses(session, rewritten | erased, naming=forms.full.names)
    for event in session.scalars(
        select(AuditEvent).where(_holding(AuditEvent.details, forms.needles))
    ):
        event.details = _redacted(event.details, forms.full)
    session.flush()


def _forget_searches(session: Session, forms: _Forms) -> None:
    """Every form counts, whatever the search was scoped to: a question names people without
    naming their account, and a namesake's lost log line costs only a count."""
    found = session.execute(
        select(Search.id, Search.query).where(_holding(Search.query, forms.local_needles))
    ).all()
    gone = [row.id for row in found if forms.local.names(row.query)]
    if gone:  # their impressions go with them (ON DELETE CASCADE)
        session.execute(delete(Search).where(Search.id.in_(gone)))


def _forget_flags(session: Session, forms: _Forms, *, about: set[int]) -> None:
    """Flags whose reason names them, and contradictions between two notes about them."""
    rows = session.execute(
        select(NoteFlag.id, NoteFlag.note_id, NoteFlag.by_note_id, NoteFlag.reason, Note.account_id)
        .join(Note, Note.id == NoteFlag.note_id)
        .where(
            or_(
                _holding(NoteFlag.reason, forms.local_needles),
                NoteFlag.note_id.in_(about) & NoteFlag.by_note_id.in_(about),
            )
        )
    ).all()
    gone = [
        row
        for row in rows
        if forms.names(row.reason, row.account_id)
        or (row.note_id in about and row.by_note_id in about)
    ]
    if gone:
        session.execute(delete(NoteFlag).where(NoteFlag.id.in_([row.id for row in gone])))
        freshness.refresh_stale_after(session, {row.note_id for row in gone})


def _forget_mail(session: Session, forms: _Forms) -> None:
    contact = forms.contact
    for item in session.scalars(
        select(InboundMessage).where(
            or_(
                _holding(InboundMessage.participants, forms.needles),
                _holding(InboundMessage.subject, forms.needles),
                _holding(InboundMessage.text, forms.needles),
                _holding(InboundMessage.attachments, forms.needles),
            )
        )
    ):
        theirs = [p for p in item.participants if _is_them(p, contact, forms.full)]
        these = forms.local if theirs else forms.full
        item.participants = [p for p in item.participants if p not in theirs]
        item.subject = these.redact(item.subject)
        item.text = these.redact(item.text) if item.text is not None else None
        item.attachments = [
            {**a, "filename": these.redact(str(a.get("filename") or ""))} for a in item.attachments
        ]


def _is_them(participant: dict[str, str], contact: Contact, full: Forms) -> bool:
    email = (participant.get("email") or "").lower()
    return bool(contact.email and email == contact.email.lower()) or full.names(
        participant.get("name") or ""
    )


def _redacted(value: Any, forms: Forms) -> Any:
    """A JSON value with the person taken out of every string in it."""
    if isinstance(value, str):
        return forms.redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item, forms) for key, item in value.items()}
    if isinstance(value, list):
        return [_redacted(item, forms) for item in value]
    return value
