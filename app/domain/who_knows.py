"""Who knows: the colleagues to ask about an account, a contact or a topic.

Counted from the notes the asker may read and nothing else (``visible_notes`` inside the
query, and the asker's access rule inside the topic's keyword retrieval), so the answer never
tells of a note the asker could not open. A note counts for its author when it earned credit
(``app.domain.credit``: not a near-duplicate, not a trivial log of a call attempt; a note not
judged yet counts). The asker is left out (they know what they wrote), and so are deactivated
colleagues (nobody to ask). People are ranked like the brief's experts: notes weighted by
recency, half-life a year, so the colleague who knew last year outranks the one who knew a
decade ago.

A topic is found two ways, both inside the rule: notes whose text has its words (the search
index's keyword retrieval) and, when it names one of the brief's sections or fine topics
("competitors", "personal context", "economic buyer"), notes classified under it.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Note, Passage, User, note_contacts
from app.domain.access import readable_by, visible_notes
from app.domain.brief import EXPERT_HALF_LIFE_DAYS
from app.errors import Invalid
from app.search.base import Scope, SearchIndex, keyword_query
from app.taxonomy import SECTIONS, TOPICS

MAX_PEOPLE = 10
# Passages the keyword retrieval may return for a topic: the notes a topic's count can reach.
TOPIC_PASSAGES = 500


@dataclass(frozen=True, kw_only=True)
class About:
    """What the asker wants to know about: at least one of the three."""

    account_id: int | None = None
    contact_id: int | None = None
    topic: str | None = None


@dataclass(frozen=True)
class Knower:
    user: User
    notes: int
    last_observed_at: datetime
    score: float


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
    conditions = [
        visible_notes(viewer),
        or_(Note.credit.is_(None), Note.credit == "credited"),
        Note.author_id != viewer.id,
        User.is_active.is_(True),
    ]
    if about.account_id is not None:
        conditions.append(Note.account_id == about.account_id)
    if about.contact_id is not None:
        mentioning = select(note_contacts.c.note_id).where(
            note_contacts.c.contact_id == about.contact_id
        )
        conditions.append(Note.id.in_(mentioning))
    if about.topic:
        conditions.append(_on_topic(session, index, viewer, about, about.topic))
    rows = session.execute(
        select(Note.author_id, Note.observed_at)
        .join(User, User.id == Note.author_id)
        .where(*conditions)
    ).all()
    counts: dict[int, int] = defaultdict(int)
    scores: dict[int, float] = defaultdict(float)
    last: dict[int, datetime] = {}
    for author_id, observed_at in rows:
        counts[author_id] += 1
        age = max(0.0, (now - observed_at).total_seconds() / 86400)
        scores[author_id] += math.exp(-age * math.log(2) / EXPERT_HALF_LIFE_DAYS)
        last[author_id] = max(last.get(author_id, observed_at), observed_at)
    ranked = sorted(counts, key=lambda a: (-scores[a], -counts[a], a))[:limit]
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(ranked)))}
    people = [Knower(users[a], counts[a], last[a], round(scores[a], 3)) for a in ranked]
    return WhoKnows(people=people, notes=len(rows))
