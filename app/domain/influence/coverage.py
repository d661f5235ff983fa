"""Who covers a buying influence: which colleagues have met the person or written about them,
in how many notes, and when last, counted only from the notes the reader may read.

A colleague has *met* a person when a note of theirs records a meeting with them: an attendee
line that names the person ("Attendees: Jill Oyelaran (CFO), Wes Devlin + us"), or a sentence
that names the person and reads as a meeting or a call ("Met Tariq on site", "lunch with Jill").
A colleague has *written about* a person in any note linked to them or with a sentence that
names them (``app.search.mentions``'s rules for what names whom).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, lazyload

from app.db.models import Contact, Note, User, note_contacts
from app.domain.access import visible_notes
from app.search.mentions import Person, name_patterns, sentences

_ATTENDEES = re.compile(
    r"^[\s*•-]*(?:attendees|attending|participants|present|who was there)\s*:(?P<names>.*)$",
    re.I | re.M,
)
_MET = re.compile(
    r"\b(?:met|meet|meeting|met with|call(?:ed)? with|(?:phone|video|zoom|teams) call|"
    r"spoke (?:with|to)|talked (?:with|to)|on-?site|visit(?:ed)?|lunch|dinner|coffee|"
    r"breakfast|demo(?:ed)?|workshop|sat down with|caught up with|walked .{0,20} through)\b",
    re.I,
)


@dataclass
class ColleagueCoverage:
    """One colleague's notes about one person."""

    user: User
    notes: int = 0
    meetings: int = 0
    last_written_at: datetime | None = None
    last_met_at: datetime | None = None


@dataclass
class Coverage:
    """Everyone's notes about one person, as the reader may count them."""

    colleagues: list[ColleagueCoverage] = field(default_factory=list)
    notes: int = 0
    last_written_at: datetime | None = None
    last_met_at: datetime | None = None

    def covered_by(self) -> set[int]:
        return {c.user.id for c in self.colleagues}


def met_in(body: str, patterns: dict[int, re.Pattern[str]]) -> set[int]:
    """The people (ids of ``patterns``) that ``body`` records meeting."""
    met = {
        pid
        for line in _ATTENDEES.finditer(body)
        for pid, pattern in patterns.items()
        if pattern.search(line.group("names"))
    }
    for sentence in sentences(body):
        if _MET.search(sentence):
            met |= {pid for pid, pattern in patterns.items() if pattern.search(sentence)}
    return met


def named_in(body: str, patterns: dict[int, re.Pattern[str]]) -> set[int]:
    return {pid for pid, pattern in patterns.items() if pattern.search(body)}


def notes_naming(session: Session, viewer: User, contact: Contact) -> list[Note]:
    """The notes ``viewer`` may read that name ``contact`` (linked to it, or naming it in
    their text, as coverage counts them: against all the account's people, so that a name
    shared with a colleague of theirs is told apart), newest first."""
    people = session.scalars(select(Contact).where(Contact.account_id == contact.account_id))
    patterns = name_patterns([Person(c.id, c.name, c.title) for c in people])
    linked = select(note_contacts.c.note_id).where(note_contacts.c.contact_id == contact.id)
    notes = session.scalars(
        select(Note)
        .where(Note.account_id == contact.account_id, visible_notes(viewer))
        .order_by(Note.observed_at.desc(), Note.id.desc())
    ).all()
    ids = set(session.scalars(linked.where(note_contacts.c.note_id.in_([n.id for n in notes]))))
    return [n for n in notes if n.id in ids or contact.id in named_in(n.body, patterns)]


def account_coverage(
    session: Session, viewer: User, account_id: int, contacts: Sequence[Contact]
) -> dict[int, Coverage]:
    """Per contact of ``contacts`` (all of one account), its coverage in the notes of the
    account that ``viewer`` may read; superseded notes count, since they still record who met
    whom."""
    patterns = name_patterns([Person(c.id, c.name, c.title) for c in contacts])
    notes = list(
        session.scalars(
            select(Note)
            .where(Note.account_id == account_id, visible_notes(viewer))
            .order_by(Note.observed_at, Note.id)
            .options(lazyload(Note.contacts), lazyload(Note.account))
        )
    )
    linked: dict[int, set[int]] = defaultdict(set)
    wanted = {c.id for c in contacts}
    if notes:
        for note_id, contact_id in session.execute(
            select(note_contacts.c.note_id, note_contacts.c.contact_id).where(
                note_contacts.c.note_id.in_([n.id for n in notes]),
                note_contacts.c.contact_id.in_(wanted),
            )
        ):
            linked[note_id].add(contact_id)
    per_person: dict[int, dict[int, ColleagueCoverage]] = defaultdict(dict)
    for note in notes:
        written = (linked[note.id] | named_in(note.body, patterns)) & wanted
        met = met_in(note.body, patterns) & wanted
        for contact_id in written | met:
            entry = per_person[contact_id].setdefault(
                note.author_id, ColleagueCoverage(note.author)
            )
            entry.notes += 1
            entry.last_written_at = _later(entry.last_written_at, note.observed_at)
            if contact_id in met:
                entry.meetings += 1
                entry.last_met_at = _later(entry.last_met_at, note.observed_at)
    return {c.id: _summary(per_person.get(c.id, {})) for c in contacts}


def _summary(colleagues: dict[int, ColleagueCoverage]) -> Coverage:
    ranked = sorted(
        colleagues.values(),
        key=lambda c: (-c.meetings, -c.notes, -(c.last_written_at or _EPOCH).timestamp()),
    )
    return Coverage(
        colleagues=ranked,
        notes=sum(c.notes for c in ranked),
        last_written_at=max((c.last_written_at for c in ranked if c.last_written_at), default=None),
        last_met_at=max((c.last_met_at for c in ranked if c.last_met_at), default=None),
    )


def _later(a: datetime | None, b: datetime) -> datetime:
    return b if a is None or b > a else a


_EPOCH = datetime.fromtimestamp(0).astimezone()
