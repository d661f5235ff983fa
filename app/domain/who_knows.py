"""Who knows: the colleagues to ask about an account, a contact or a topic.

Counted from the notes the asker may read and nothing else (``visible_notes`` inside the
query, and the asker's access rule inside the topic's keyword retrieval), so the answer never
tells of a note the asker could not open: a colleague whose only notes on it are private is
not listed, and no count includes such a note. A note counts for its author when it earned
credit (``app.domain.credit``: not a near-duplicate, not a trivial log of a call attempt; a
note not judged yet counts). The asker is left out (they know what they wrote), and so are
deactivated colleagues (nobody to ask).

Each counted note is worth its recency (half-life a year, like the brief's experts, so the
colleague who knew last year outranks the one who knew a decade ago), more when it records a
meeting with the person asked about, or with anyone at the account (the influence map's
coverage rule, ``app.domain.influence.coverage.met_in``: being in the room is knowledge a note
only hints at), and more for each helpful mark readers
gave it (colleagues found it worth having). The counts behind the score are returned, so the
asker sees why each person ranks.

A topic is found two ways, both inside the rule: notes whose text has its words (the search
index's keyword retrieval) and, when it names one of the brief's sections or fine topics
("competitors", "personal context", "economic buyer"), notes classified under it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Contact, HelpfulMark, Mention, Note, Passage, User, note_contacts
from app.domain.access import readable_by, visible_notes
from app.domain.brief import EXPERT_HALF_LIFE_DAYS
from app.domain.influence.coverage import met_in
from app.errors import Invalid
from app.search.base import Scope, SearchIndex, keyword_query
from app.search.mentions import Person, name_patterns
from app.taxonomy import SECTIONS, TOPICS

MAX_PEOPLE = 10
# Passages the keyword retrieval may return for a topic: the notes a topic's count can reach.
TOPIC_PASSAGES = 500
# What a note adds to its author's score, on top of its recency weight: a meeting doubles it,
# each helpful mark adds half (three marks outweigh a meeting: three readers vouched for it).
MEETING_WEIGHT = 1.0
HELPFUL_WEIGHT = 0.5


@dataclass(frozen=True, kw_only=True)
class About:
    """What the asker wants to know about: at least one of the three."""

    account_id: int | None = None
    contact_id: int | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Knower:
    user: User
    notes: int  # their readable, credited notes on it
    last_observed_at: datetime
    score: float
    meetings: int = 0  # of those notes, the ones recording a meeting (with the contact asked about)
    helpful: int = 0  # helpful marks readers gave those notes
    note_ids: tuple[int, ...] = ()  # the notes counted, newest first


@dataclass(frozen=True)
class WhoKnows:
    people: list[Knower]
    notes: int  # the readable, credited notes by colleagues that were counted


def _key(text: str) -> str:
    return "_".join(text.casefold().replace("-", " ").split())


def classified_topics(topic: str) -> list[str]:
    """The fine topics a topic's words name: a section's (by name or title), or one topic."""
    key = _key(topic)
    for section in SECTIONS:
        if key in (section.name, _key(section.title)):
            return [t.name for t in TOPICS if t.section == section.name]
    return [t.name for t in TOPICS if t.name == key]


def _on_topic(
    session: Session, index: SearchIndex, viewer: User, about: About, topic: str
) -> ColumnElement[bool]:
    words = keyword_query(topic)
    fine = classified_topics(topic)
    if not words and not fine:
        raise Invalid(f"the topic {topic!r} has no word to look for; say what it is about")
    ids: set[int] = set()
    if words:
        scope = Scope(
            readable=readable_by(viewer),
            account_ids=(about.account_id,) if about.account_id is not None else None,
            contact_id=about.contact_id,
        )
        ids = {hit.note_id for hit in index.keyword(session, words, scope, TOPIC_PASSAGES)}
    matches = [Note.id.in_(ids)] if ids else []
    if fine:
        matches.append(Note.id.in_(select(Passage.note_id).where(Passage.topic.in_(fine))))
    return or_(*matches) if matches else Note.id.is_(None)


def _about_contact(contact_id: int) -> ColumnElement[bool]:
    """Notes linked to the contact, or with a sentence that names them."""
    linked = select(note_contacts.c.note_id).where(note_contacts.c.contact_id == contact_id)
    named = select(Mention.note_id).where(Mention.contact_id == contact_id)
    return or_(Note.id.in_(linked), Note.id.in_(named))


@dataclass(frozen=True)
class _Counted:
    note_id: int
    author_id: int
    observed_at: datetime
    meeting: bool
    helpful: int


def _counted(session: Session, viewer: User, about: About, index: SearchIndex) -> list[_Counted]:
    conditions = [
        visible_notes(viewer),
        or_(Note.credit.is_(None), Note.credit == "credited"),
        Note.author_id != viewer.id,
        User.is_active.is_(True),
    ]
    if about.account_id is not None:
        conditions.append(Note.account_id == about.account_id)
    if about.contact_id is not None:
        conditions.append(_about_contact(about.contact_id))
    if about.topic:
        conditions.append(_on_topic(session, index, viewer, about, about.topic))
    rows = session.execute(
        select(Note.id, Note.author_id, Note.observed_at, Note.account_id, Note.body)
        .join(User, User.id == Note.author_id)
        .where(*conditions)
        .order_by(Note.observed_at.desc(), Note.id.desc())
    ).all()
    if not rows:
        return []
    ids = [row.id for row in rows]
    # Marks on notes the viewer may read: those notes are already within the rule above.
    marks = dict(
        session.execute(
            select(HelpfulMark.note_id, func.count())
            .where(HelpfulMark.note_id.in_(ids))
            .group_by(HelpfulMark.note_id)
        ).all()
    )
    people: dict[int, list[Person]] = defaultdict(list)
    for contact_id, account_id, name, title in session.execute(
        select(Contact.id, Contact.account_id, Contact.name, Contact.title).where(
            Contact.account_id.in_({row.account_id for row in rows})
        )
    ):
        people[account_id].append(Person(contact_id, name, title))
    patterns = {account_id: name_patterns(found) for account_id, found in people.items()}
    counted = []
    for row in rows:
        whom = met_in(row.body, patterns.get(row.account_id, {}))
        meeting = about.contact_id in whom if about.contact_id is not None else bool(whom)
        counted.append(
            _Counted(row.id, row.author_id, row.observed_at, meeting, int(marks.get(row.id, 0)))
        )
    return counted


def who_knows(
    session: Session,
    index: SearchIndex,
    viewer: User,
    about: About,
    *,
    limit: int = MAX_PEOPLE,
    now: datetime | None = None,
) -> WhoKnows:
    """The colleagues who wrote about it, most knowledgeable first, counting only notes
    ``viewer`` may read."""
    if about.account_id is None and about.contact_id is None and not about.topic:
        raise Invalid("say who or what about: an account, a contact or a topic")
    now = now or utcnow()
    counted = _counted(session, viewer, about, index)
    by_author: dict[int, list[_Counted]] = defaultdict(list)
    scores: dict[int, float] = defaultdict(float)
    for note in counted:
        by_author[note.author_id].append(note)
        age = max(0.0, (now - note.observed_at).total_seconds() / 86400)
        recency = math.exp(-age * math.log(2) / EXPERT_HALF_LIFE_DAYS)
        worth = 1.0 + MEETING_WEIGHT * note.meeting + HELPFUL_WEIGHT * note.helpful
        scores[note.author_id] += recency * worth
    ranked = sorted(by_author, key=lambda a: (-scores[a], -len(by_author[a]), a))[:limit]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ranked)))}
    people = [
        Knower(
            users[a],
            notes=len(by_author[a]),
            last_observed_at=max(n.observed_at for n in by_author[a]),
            score=round(scores[a], 3),
            meetings=sum(n.meeting for n in by_author[a]),
            helpful=sum(n.helpful for n in by_author[a]),
            note_ids=tuple(n.note_id for n in by_author[a]),
        )
        for a in ranked
    ]
    return WhoKnows(people=people, notes=len(counted))
