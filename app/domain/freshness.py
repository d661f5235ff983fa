"""Keeping knowledge current: shelf lives, verification, supersession and review flags.

A note's facts are as fresh as its last observation or verification. Each section of knowledge
ages at its own speed (``app.taxonomy.SECTIONS``): after its shelf life a fact is *stale*
until someone verifies it. A note can be *superseded* by a newer one (the old one stays, marked
and ranked lower), and a newer note about the same person and topic that signals a change
*flags* the older one for review, which makes it stale at once.

Nothing here may let a reader learn of a note they cannot read: a note is superseded or flagged
only by a note at least as widely readable as itself.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import (
    Contact,
    Mention,
    Note,
    NoteFlag,
    NoteVerification,
    Passage,
    User,
    Visibility,
)
from app.domain import audit, events
from app.domain.access import can_read, ensure_can_curate, ensure_can_edit, get_note
from app.errors import Invalid
from app.search.mentions import Person, departures
from app.taxonomy import SECTION_BY_NAME, SECTIONS, TOPIC_BY_NAME, Section

# Words by which a newer sentence says a decision or plan was reversed ("the freeze is lifted",
# "no longer the decision maker"). Only on topics whose facts get reversed: "supervisors no
# longer rebuild schedules" is a result, not a contradiction.
_REVERSED = re.compile(
    r"\b(no longer|not anymore|any ?more|lifted|unfrozen|reversed|changed (?:his|her|their) mind|"
    r"switched to|instead of|not the)\b",
    re.I,
)
_REVERSIBLE = frozenset({"decision_process", "deal_status", "competitors"})
# Sentences of these topics describe a person's role or authority: what a change of job undoes.
_ROLE_TOPICS = frozenset(t.name for t in TOPIC_BY_NAME.values() if t.section == "decision_process")


def last_known(note: Note) -> datetime:
    """When the note's facts were last known to hold."""
    if note.verified_at is not None and note.verified_at > note.observed_at:
        return note.verified_at
    return note.observed_at


def main_section(passage_topics: Iterable[str | None], corrected: list[str] | None) -> Section:
    """The section that ages the note: the author's first, or the one most passages are in
    (a tie goes to the faster-ageing one, which errs toward asking for a review)."""
    if corrected:
        return SECTION_BY_NAME[corrected[0]]
    counts = Counter(TOPIC_BY_NAME[t].section for t in passage_topics if t in TOPIC_BY_NAME)
    if not counts:
        return SECTION_BY_NAME["company"]
    return max(
        (SECTION_BY_NAME[name] for name in counts),
        key=lambda s: (counts[s.name], -s.shelf_life),
    )


def note_sections(passage_topics: Iterable[str | None], corrected: list[str] | None) -> list[str]:
    """Every section the note speaks to, in the brief's order."""
    if corrected:
        return [s.name for s in SECTIONS if s.name in corrected]
    present = {TOPIC_BY_NAME[t].section for t in passage_topics if t in TOPIC_BY_NAME}
    return [s.name for s in SECTIONS if s.name in present]


def refresh_stale_after(session: Session, note_ids: Iterable[int]) -> None:
    """Recompute when each note wants re-verifying: freshness plus its section's shelf life,
    or at once while a review flag is open."""
    ids = sorted(set(note_ids))
    if not ids:
        return
    session.flush()
    topics: dict[int, list[str | None]] = defaultdict(list)
    for note_id, topic in session.execute(
        select(Passage.note_id, Passage.topic).where(Passage.note_id.in_(ids))
    ):
        topics[note_id].append(topic)
    flagged = dict(
        session.execute(
            select(NoteFlag.note_id, NoteFlag.created_at).where(
                NoteFlag.note_id.in_(ids), NoteFlag.resolved_at.is_(None)
            )
        ).all()
    )
    for note in session.scalars(select(Note).where(Note.id.in_(ids))):
        if not any(topics[note.id]) and not note.topics:
            continue  # not classified yet: the worker sets it
        note.classified_topics = note_sections(topics[note.id], None)
        due = last_known(note) + main_section(topics[note.id], note.topics).shelf_life
        if note.id in flagged:
            due = min(due, flagged[note.id])
        note.stale_after = due


def verify_note(session: Session, viewer: User, note_id: int) -> Note:
    """``viewer`` confirms the note still holds: its clock restarts and open flags close, so
    only someone who may close them (the author or a curator: ``access``) may verify."""
    note = get_note(session, viewer, note_id)
    ensure_can_curate(viewer, note, action="verify it")
    now = utcnow()
    session.add(NoteVerification(note_id=note.id, user_id=viewer.id, at=now))
    note.verified_at, note.verified_by_id = now, viewer.id
    session.execute(
        update(NoteFlag)
        .where(NoteFlag.note_id == note.id, NoteFlag.resolved_at.is_(None))
        .values(resolved_at=now, resolved_by_id=viewer.id)
    )
    refresh_stale_after(session, [note.id])
    audit.record(session, viewer, "note.verify", target_type="note", target_id=note.id)
    return note


def supersede(session: Session, viewer: User, *, old_id: int, new: Note) -> Note:
    """Mark ``old_id`` as replaced by ``new`` (written by ``viewer`` or theirs to edit); the
    old note must be ``viewer``'s to demote (its author or a curator: ``access``)."""
    old = get_note(session, viewer, old_id)
    ensure_can_curate(viewer, old, action="supersede it")
    if old.id == new.id:
        raise Invalid("a note cannot supersede itself")
    if old.account_id != new.account_id:
        raise Invalid(f"note {old.id} is about another account")
    if not audience_covers(new, old):
        raise Invalid(
            f"note {new.id} is less widely shared than note {old.id}; a note can only be "
            "superseded by one that all of its readers can read"
        )
    old.superseded_by_id = new.id
    audit.record(
        session,
        viewer,
        "note.supersede",
        target_type="note",
        target_id=old.id,
        superseded_by=new.id,
    )
    events.emit(session, "note.updated", actor=viewer, note_id=old.id, account_id=old.account_id)
    return old


def supersede_by(session: Session, viewer: User, *, note_id: int, by_id: int) -> Note:
    """Mark an existing note as replaced by another existing one that ``viewer`` may edit."""
    new = get_note(session, viewer, by_id)
    ensure_can_edit(viewer, new)
    return supersede(session, viewer, old_id=note_id, new=new)


def set_topics(session: Session, editor: User, note_id: int, topics: list[str]) -> Note:
    """The author (or a curator) corrects the sections a note is filed under; an empty list
    undoes it."""
    note = get_note(session, editor, note_id)
    ensure_can_curate(editor, note, action="correct its topics")
    note.topics = [s.name for s in SECTIONS if s.name in topics] or None
    refresh_stale_after(session, [note.id])
    events.emit(session, "note.updated", actor=editor, note_id=note.id, account_id=note.account_id)
    return note


def note_moved(session: Session, note: Note) -> None:
    """After a note's readers or account changed, undo the marks it put on other notes that
    its new audience no longer covers, so it never marks a note for readers who can't see it."""
    for old in session.scalars(select(Note).where(Note.superseded_by_id == note.id)):
        if old.account_id != note.account_id or not audience_covers(note, old):
            old.superseded_by_id = None
    flagged = session.scalars(select(NoteFlag).where(NoteFlag.by_note_id == note.id)).all()
    for flag in flagged:
        marked = session.get(Note, flag.note_id)
        if marked is not None and not audience_covers(note, marked):
            session.delete(flag)
    session.flush()
    refresh_stale_after(session, [f.note_id for f in flagged])


def audience_covers(new: Note, old: Note) -> bool:
    """Whether everyone who may read ``old`` may also read ``new``."""
    if new.visibility == Visibility.company:
        return True
    if old.visibility == Visibility.company:
        return False
    old_author: User = old.author
    if not can_read(old_author, new):
        return False
    return old.visibility == Visibility.private or (
        new.visibility == Visibility.team and new.team_id == old.team_id
    )


def flag_contradictions(session: Session, note_ids: Iterable[int]) -> int:
    """Flag older notes that a newer note's sentences about the same contact contradict:

    - the newer sentence says the person left their post ("Rosa resigned", "replaced Rosa"):
      older notes about that person's role or authority are flagged;
    - the newer sentence reverses something on a topic whose facts get reversed ("the freeze is
      lifted", "no longer the decision maker"): older sentences on that topic are flagged.

    A flag asks for a review; it decides nothing. Returns how many flags were raised.
    """
    ids = sorted(set(note_ids))
    if not ids:
        return 0
    session.flush()
    newer = session.execute(
        select(Mention, Note)
        .join(Note, Note.id == Mention.note_id)
        .where(Mention.note_id.in_(ids), Note.deleted_at.is_(None))
    ).all()
    people: dict[int, list[Person]] = defaultdict(list)
    for contact in session.scalars(
        select(Contact).where(Contact.account_id.in_({note.account_id for _, note in newer}))
    ):
        people[contact.account_id].append(Person(contact.id, contact.name, contact.title))
    existing = {
        (note_id, by_id)
        for note_id, by_id in session.execute(
            select(NoteFlag.note_id, NoteFlag.by_note_id).where(
                NoteFlag.by_note_id.in_(ids), NoteFlag.kind == "contradicted"
            )
        )
    }
    flagged: set[tuple[int, int]] = set()
    for mention, note in newer:
        if mention.contact_id in departures(mention.text, people[note.account_id]):
            topics = _ROLE_TOPICS
        elif _reverses(mention):
            topics = frozenset({mention.topic})
        else:
            continue
        older = session.execute(
            select(Note)
            .join(Mention, Mention.note_id == Note.id)
            .where(
                Mention.contact_id == mention.contact_id,
                Mention.topic.in_(topics),
                Note.id != note.id,
                Note.deleted_at.is_(None),
                Note.observed_at < note.observed_at,
                Note.superseded_by_id.is_(None),
            )
            .distinct()
        ).scalars()
        for old in older:
            pair = (old.id, note.id)
            if pair in existing or pair in flagged or not audience_covers(note, old):
                continue
            flagged.add(pair)
            session.add(
                NoteFlag(
                    note_id=old.id,
                    kind="contradicted",
                    by_note_id=note.id,
                    reason=f"a newer note (#{note.id}) about the same person says something "
                    "changed",
                )
            )
    refresh_stale_after(session, [old_id for old_id, _ in flagged])
    return len(flagged)


def _reverses(mention: Mention) -> bool:
    topic = TOPIC_BY_NAME.get(mention.topic or "")
    reversible = topic is not None and topic.section in _REVERSIBLE
    return reversible and _REVERSED.search(mention.text) is not None
