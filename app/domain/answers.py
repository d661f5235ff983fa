"""Direct answers: a question the buying-influence map can answer gets the fact, its people
and its evidence, above the search hits.

"Who signs off at Bramblewood?" is answered with the economic buyer, "who is our coach
there?" with the coach, "what does Meg care about?" with her hot buttons, "what should I avoid
with Hugo?" with his cold buttons, "who knows Reggie best?" with the colleagues who wrote and
met him most (``app.domain.who_knows``). The intent comes from ``app.search.intents``, the
account and the person from the question's understanding (``app.search.query``) or the
search's own filters; a question that names no single account (or person, for buttons) gets
no answer.

Where the answer comes from, in order (the influence map, ``app.domain.influence``):
1. confirmed values of the influence records (a person confirmed or edited them; who and when
   is kept): ``confirmed``;
2. the contact's recorded buying role, when no decision stands behind it (imported, or set on
   the contact): ``recorded``;
3. suggestions read from the sentences of the notes the asker may read
   (``app.search.influence.suggest``), said to be suggestions: ``suggested``.

Built for one reader: every evidence note is one they may read, suggestions are read only from
such notes, and a fact whose only evidence is a note they may not read is not named (a private
note answers its author alone). A confirmed value is not a note: the record is shared, as the
map shows it to everyone, and its evidence is whatever of it the reader may read.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from app.db.models import Account, BuyingRole, Contact, Mention, Note, User
from app.domain.access import visible_notes
from app.domain.brief import ROLE_NAMES
from app.domain.influence.records import (
    Cited,
    FieldValue,
    Influence,
    account_map,
    contact_influence,
)
from app.domain.who_knows import About, Knower, who_knows
from app.search import influence
from app.search.base import SearchIndex
from app.search.intents import Asked, states_role
from app.search.query import Understanding
from app.taxonomy import TOPIC_BY_NAME

Basis = Literal["confirmed", "recorded", "suggested", "notes"]
MAX_EVIDENCE = 3
MAX_PEOPLE = 3
MAX_BUTTONS = 5
# A suggested role names a person only when most of what the notes say about their role says
# this one (the suggester's confidence: this role's share of the role sentences about them).
MIN_ROLE_CONFIDENCE = 0.5
MIN_BUTTON_CONFIDENCE = 0.5


@dataclass(frozen=True)
class Evidence:
    note: Note
    text: str  # the sentence or passage that bears the fact out


@dataclass
class Answer:
    intent: str
    text: str
    basis: Basis
    account: Account
    people: list[Contact] = field(default_factory=list)
    colleagues: list[Knower] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)  # the buttons, for a button question
    confirmed_at: datetime | None = None

    @property
    def as_of(self) -> datetime | None:
        """How fresh the answer is: its newest evidence, or its confirmation if newer."""
        dates = [e.note.observed_at for e in self.evidence]
        if self.confirmed_at is not None:
            dates.append(self.confirmed_at)
        return max(dates, default=None)


@dataclass(frozen=True, kw_only=True)
class Target:
    """What the question is about: the account and, when it names one, the person."""

    account_id: int | None
    contact_id: int | None


def target(
    understanding: Understanding, *, account_id: int | None, contact_id: int | None
) -> Target:
    """The search's filters win over what the question names; several accounts or people
    named are none in particular."""
    if contact_id is None and len(understanding.contact_ids) == 1:
        contact_id = understanding.contact_ids[0]
    if account_id is None and len(understanding.account_ids) == 1:
        account_id = understanding.account_ids[0]
    return Target(account_id=account_id, contact_id=contact_id)


def answer(
    session: Session, index: SearchIndex, viewer: User, asked: Asked, about: Target
) -> Answer | None:
    """The answer to a question of intent ``asked`` about ``about``, for ``viewer``; None when
    there is no confident one."""
    contact = session.get(Contact, about.contact_id) if about.contact_id is not None else None
    if contact is not None and about.account_id not in (None, contact.account_id):
        return None  # a person of another account than the one asked about
    account_id = contact.account_id if contact is not None else about.account_id
    if account_id is None:
        return None
    account = session.get(Account, account_id)
    if account is None:
        return None
    if asked.role is not None:
        return _role_answer(session, viewer, asked, account)
    if asked.intent == "who_knows":
        return _who_knows_answer(session, index, viewer, account, contact)
    if contact is None:
        return None
    return _buttons_answer(session, viewer, asked, account, contact)


# --- reading what the notes say ----------------------------------------------------------------


def _former(contact: Contact) -> bool:
    """Someone whose title says they left holds no role now, whatever was recorded."""
    return (contact.title or "").lower().startswith("former")


def _sentences(
    session: Session, viewer: User, account_id: int, contact_ids: Sequence[int] | None = None
) -> list[tuple[influence.Sentence, Note]]:
    """The sentences naming the account's contacts in the notes ``viewer`` may read (current
    ones: a superseded note's facts were replaced), newest note first."""
    stmt = (
        select(Mention, Note)
        .join(Note, Note.id == Mention.note_id)
        .where(
            Note.account_id == account_id,
            visible_notes(viewer),
            Note.superseded_by_id.is_(None),
        )
        .order_by(Note.observed_at.desc(), Note.id.desc(), Mention.ordinal)
        .options(lazyload(Note.contacts))
    )
    if contact_ids is not None:
        stmt = stmt.where(Mention.contact_id.in_(contact_ids))
    return [
        (
            influence.Sentence(
                contact_id=m.contact_id,
                note_id=m.note_id,
                text=m.text,
                observed_at=note.observed_at,
                topic=m.topic,
                score=m.score,
                named=m.named,
                roles=m.role_scores,
            ),
            note,
        )
        for m, note in session.execute(stmt).all()
    ]


def _cited(
    citations: Iterable[Cited], notes: dict[int, Note], limit: int = MAX_EVIDENCE
) -> list[Evidence]:
    found: dict[int, Evidence] = {}
    for citation in citations:
        note = notes.get(citation.note_id)
        if note is not None and note.id not in found:
            found[note.id] = Evidence(note, citation.sentence)
    return sorted(found.values(), key=lambda e: (e.note.observed_at, e.note.id), reverse=True)[
        :limit
    ]


def _named(contact: Contact) -> str:
    return f"{contact.name} ({contact.title})" if contact.title else contact.name


def _listed(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


# --- who holds a buying role ---------------------------------------------------------------


def _role_evidence(
    role: BuyingRole,
    holder: Contact,
    cited: Iterable[Cited],
    said: list[tuple[influence.Sentence, Note]],
) -> list[Evidence]:
    """What readable notes say about the holder's role: the sentences a confirmation cited,
    then sentences that state the role (by the role's patterns, or its topic); a note that
    only names them is no evidence."""
    notes = {note.id: note for _, note in said}
    found: dict[int, Evidence] = {}
    for citation in cited:
        note = notes.get(citation.note_id)
        if note is not None:
            found.setdefault(note.id, Evidence(note, citation.sentence))
    topic = next((t.name for t in TOPIC_BY_NAME.values() if t.role == role), None)
    for sentence, note in said:
        if sentence.contact_id != holder.id or note.id in found:
            continue
        if states_role(sentence.text, role.value) or (
            sentence.topic == topic and sentence.named == 1
        ):
            found[note.id] = Evidence(note, sentence.text)
    return list(found.values())[:MAX_EVIDENCE]


def _role_value(influence_: Influence, role: str, status: str) -> FieldValue | None:
    return next(
        (v for v in influence_.fields["roles"] if v.value == role and v.status == status), None
    )


def _role_answer(session: Session, viewer: User, asked: Asked, account: Account) -> Answer | None:
    assert asked.role is not None
    role = BuyingRole(asked.role)
    name = ROLE_NAMES[role]
    amap = account_map(session, viewer, account.id)
    current = [i for i in amap.influences if not _former(i.contact)]
    said = _sentences(session, viewer, account.id)
    holders = [i for i in current if role.value in i.roles][:MAX_PEOPLE]
    if holders:
        values = [_role_value(h, role.value, "confirmed") for h in holders]
        evidence = [
            e
            for h, v in zip(holders, values, strict=True)
            for e in _role_evidence(role, h.contact, v.evidence if v else [], said)
        ][:MAX_EVIDENCE]
        decided = [v.decided_at for v in values if v is not None and v.decided_by is not None]
        people = [h.contact for h in holders]
        verb, plural = ("is", name) if len(people) == 1 else ("are", f"{name}s")
        return Answer(
            intent=asked.intent,
            text=f"{_listed([_named(p) for p in people])} {verb} the {plural} at {account.name}.",
            basis="confirmed" if decided else "recorded",
            account=account,
            people=people,
            evidence=evidence,
            confirmed_at=max((d for d in decided if d is not None), default=None),
        )
    # Nobody holds it: what the notes the reader may read suggest, with their sentences.
    notes = {note.id: note for _, note in said}
    suggested = [
        (i, v)
        for i in current
        if (v := _role_value(i, role.value, "suggested")) is not None
        and (v.confidence or 0.0) >= MIN_ROLE_CONFIDENCE
        and _cited(v.evidence, notes)
    ]
    if not suggested:
        return None
    most = max(len(v.evidence) for _, v in suggested)
    best = [(i, v) for i, v in suggested if len(v.evidence) == most][:MAX_PEOPLE]
    people = [i.contact for i, _ in best]
    return Answer(
        intent=asked.intent,
        text=f"The notes suggest {_listed([_named(p) for p in people])} "
        f"{'is' if len(people) == 1 else 'are'} the {name} at {account.name} (not confirmed).",
        basis="suggested",
        account=account,
        people=people,
        evidence=_cited((c for _, v in best for c in v.evidence), notes),
    )


# --- what moves a person ---------------------------------------------------------------------


def _buttons_answer(
    session: Session, viewer: User, asked: Asked, account: Account, contact: Contact
) -> Answer | None:
    record = contact_influence(session, viewer, contact.id)
    said = _sentences(session, viewer, account.id, [contact.id])
    notes = {note.id: note for _, note in said}
    values = record.fields[asked.intent]
    confirmed = [v for v in values if v.status == "confirmed"]
    chosen = confirmed or [
        v
        for v in values
        if v.status == "suggested"
        and (v.confidence or 0.0) >= MIN_BUTTON_CONFIDENCE
        and _cited(v.evidence, notes)
    ]
    chosen = chosen[:MAX_BUTTONS]
    if not chosen:
        return None
    facts = [str(v.value) for v in chosen]
    what = "cares about" if asked.intent == "hot_buttons" else "is put off by"
    text = f"{_named(contact)} {what}: {'; '.join(facts)}."
    if asked.intent == "hot_buttons" and confirmed and record.confirmed.key_win_result:
        text += f" What they want personally: {record.confirmed.key_win_result}."
    decided = [v.decided_at for v in confirmed if v.decided_at is not None]
    return Answer(
        intent=asked.intent,
        text=text if confirmed else f"The notes suggest {text[0].lower()}{text[1:]}",
        basis="confirmed" if confirmed else "suggested",
        account=account,
        people=[contact],
        evidence=_cited((c for v in chosen for c in v.evidence), notes),
        facts=facts,
        confirmed_at=max(decided, default=None),
    )


# --- who knows them ----------------------------------------------------------------------------


def _who_knows_answer(
    session: Session, index: SearchIndex, viewer: User, account: Account, contact: Contact | None
) -> Answer | None:
    about = About(account_id=account.id, contact_id=contact.id if contact else None)
    known = who_knows(session, index, viewer, about, limit=MAX_PEOPLE)
    if not known.people:
        return None
    best = known.people[0]
    subject = contact.name if contact is not None else account.name
    meetings = f", {best.meetings} of them meetings" if best.meetings else ""
    text = (
        f"{best.user.name} knows {subject} best: {best.notes} "
        f"note{'s' if best.notes != 1 else ''}{meetings}."
    )
    notes = {
        n.id: n
        for n in session.scalars(
            select(Note)
            .where(Note.id.in_(best.note_ids[:MAX_EVIDENCE]), visible_notes(viewer))
            .options(lazyload(Note.contacts))
        )
    }
    quoted: dict[int, str] = {}
    if contact is not None:
        for sentence, _ in _sentences(session, viewer, account.id, [contact.id]):
            quoted.setdefault(sentence.note_id, sentence.text)
    evidence = [
        Evidence(notes[i], quoted.get(i) or notes[i].body[:300])
        for i in best.note_ids[:MAX_EVIDENCE]
        if i in notes
    ]
    return Answer(
        intent="who_knows",
        text=text,
        basis="notes",
        account=account,
        people=[contact] if contact is not None else [],
        colleagues=known.people,
        evidence=evidence,
    )
