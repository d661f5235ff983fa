"""Retention of personal context: what Tacit holds about the private lives of people who have
left their post is reviewed once it is old, and an admin erases it or keeps it a while longer.

With ``TACIT_PERSONAL_CONTEXT_RETENTION_DAYS`` set (off by default), a note is due when all hold:

- it carries personal context: its sections include ``personal`` (the author's correction,
  else the classifier's), the same test as the audit trail's ``note.read_personal``;
- it is about a contact who left their post: linked to them, or holding a sentence attributed
  to them (``mentions``);
- it was observed (the fact learned) more than that many days ago;
- no keep decision covers it now.

A contact has left their post when a live note says so of them, in a sentence attributed to
them (``app.search.mentions.departures``: "Rosa resigned", "replaced Rosa"), or their title
starts with "Former" (as buying-role suggestions already assume). Deleted notes are reviewed
too: deleting hides a note, it does not erase it.

The queue is an admin's (``access.ensure_can_review_retention``) and lists every visibility,
since an admin may erase any note. The text is shown only when the admin may read the note;
for the others the queue shows what a decision needs (account, author, date, who left), and
the subject-access dossier, itself audited, shows the rest.

Actions, each audited: **erase** (``erasure.erase_note``, plus ``retention.erase``) and
**keep**, with a reason (``retention.keep``): the note leaves the queue for another retention
period, then comes back. Never for good: retention is the habit of asking again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Contact, Mention, Note, RetentionDecision, User, note_contacts
from app.domain import audit, erasure
from app.domain.access import can_read, ensure_can_review_retention
from app.domain.pagination import Page, paginate
from app.errors import Conflict, NotFound
from app.search.mentions import DEPARTURE_WORDS, Person, departures

SETTING = "TACIT_PERSONAL_CONTEXT_RETENTION_DAYS"


@dataclass(frozen=True)
class Departure:
    contact: Contact
    # When the first note saying so was observed, and that note; none for a "Former" title.
    left_at: datetime | None
    note_id: int | None


@dataclass(frozen=True)
class DueNote:
    note: Note
    due_since: datetime  # observed_at plus the retention period
    left: list[Departure]  # the departed contacts it is about
    readable: bool  # whether the admin may read it, and so see its text


def enabled(days: int | None) -> int:
    """The retention period, or a clear refusal when it is off."""
    if days is None:
        raise Conflict(
            f"retention of personal context is off: set {SETTING} to the number of days "
            "after which personal context about people who left their post is reviewed"
        )
    return days


def departed_contacts(session: Session) -> dict[int, Departure]:
    """Every contact known to have left their post, with the first evidence of it."""
    said = or_(*(func.lower(Mention.text).contains(word) for word in DEPARTURE_WORDS))
    rows = session.execute(
        select(Mention.contact_id, Mention.text, Note.id, Note.observed_at, Note.account_id)
        .join(Note, Note.id == Mention.note_id)
        .where(Note.deleted_at.is_(None), said)
        .order_by(Note.observed_at, Note.id)
    ).all()
    accounts = {row.account_id for row in rows}
    former = func.lower(func.coalesce(Contact.title, "")).startswith("former")
    contacts: dict[int, Contact] = {}
    people: dict[int, list[Person]] = defaultdict(list)
    for contact in session.scalars(
        select(Contact).where(or_(Contact.account_id.in_(accounts), former))
    ):
        contacts[contact.id] = contact
        people[contact.account_id].append(Person(contact.id, contact.name, contact.title))
    found: dict[int, Departure] = {}
    for contact_id, text, note_id, observed_at, account_id in rows:
        if contact_id not in found and contact_id in departures(text, people[account_id]):
            found[contact_id] = Departure(contacts[contact_id], observed_at, note_id)
    for contact in contacts.values():
        if contact.id not in found and (contact.title or "").lower().startswith("former"):
            found[contact.id] = Departure(contact, None, None)
    return found


def _about(contact_ids: Iterable[int]) -> ColumnElement[bool]:
    ids = list(contact_ids)
    return or_(
        Note.id.in_(select(note_contacts.c.note_id).where(note_contacts.c.contact_id.in_(ids))),
        Note.id.in_(select(Mention.note_id).where(Mention.contact_id.in_(ids))),
    )


def _due(contact_ids: Iterable[int], *, days: int, now: datetime) -> ColumnElement[bool]:
    kept = exists().where(
        RetentionDecision.note_id == Note.id, RetentionDecision.review_after > now
    )
    return and_(
        audit.has_personal_context(),
        _about(contact_ids),
        Note.observed_at < now - timedelta(days=days),
        ~kept,
    )


def _concerning(
    session: Session, note_ids: list[int], left: dict[int, Departure]
) -> dict[int, list[Departure]]:
    """Per note, the departed contacts it is about."""
    linked = select(note_contacts.c.note_id, note_contacts.c.contact_id).where(
        note_contacts.c.note_id.in_(note_ids), note_contacts.c.contact_id.in_(list(left))
    )
    mentioned = select(Mention.note_id, Mention.contact_id).where(
        Mention.note_id.in_(note_ids), Mention.contact_id.in_(list(left))
    )
    pairs = {(n, c) for stmt in (linked, mentioned) for n, c in session.execute(stmt)}
    about: dict[int, list[Departure]] = defaultdict(list)
    for note_id, contact_id in sorted(pairs):
        about[note_id].append(left[contact_id])
    return about


def retention_queue(
    session: Session, admin: User, *, days: int | None, limit: int, cursor: str | None
) -> Page[DueNote]:
    """The notes due for a retention review, oldest observation first."""
    ensure_can_review_retention(admin)
    period = enabled(days)
    left = departed_contacts(session)
    if not left:
        return Page([], None)
    page = paginate(
        session,
        select(Note).where(_due(left, days=period, now=utcnow())),
        order=[(Note.observed_at, False), (Note.id, False)],
        limit=limit,
        cursor=cursor,
    )
    about = _concerning(session, [note.id for note in page.items], left)
    return Page(
        [
            DueNote(
                note,
                note.observed_at + timedelta(days=period),
                about[note.id],
                can_read(admin, note),
            )
            for note in page.items
        ],
        page.next_cursor,
    )


def _due_note(session: Session, admin: User, note_id: int, days: int | None) -> DueNote:
    """The note, if it is due for review now: an action on any other is refused, so that a
    retention decision is only ever taken on what the review put forward."""
    ensure_can_review_retention(admin)
    period = enabled(days)
    note = session.get(Note, note_id)
    if note is None:
        raise NotFound(f"no note with id {note_id}")
    left = departed_contacts(session)
    due = bool(left) and session.scalar(
        select(Note.id).where(Note.id == note.id, _due(left, days=period, now=utcnow()))
    )
    if not due:
        raise Conflict(f"note {note_id} is not due for a retention review")
    about = _concerning(session, [note.id], left)[note.id]
    return DueNote(note, note.observed_at + timedelta(days=period), about, can_read(admin, note))


def erase(session: Session, admin: User, note_id: int, *, days: int | None) -> None:
    """Erase a due note for good (``erasure.erase_note``), recording that retention asked."""
    due = _due_note(session, admin, note_id, days)
    audit.record(
        session,
        admin,
        "retention.erase",
        target_type="note",
        target_id=note_id,
        account_id=due.note.account_id,
        contact_ids=[d.contact.id for d in due.left],
    )
    erasure.erase_note(session, admin, note_id)


def keep(
    session: Session, admin: User, note_id: int, *, reason: str, days: int | None
) -> RetentionDecision:
    """Keep a due note for another retention period, with why; it then comes back."""
    due = _due_note(session, admin, note_id, days)
    now = utcnow()
    decision = session.get(RetentionDecision, note_id) or RetentionDecision(note_id=note_id)
    decision.kept_by_id, decision.kept_at, decision.reason = admin.id, now, reason
    decision.review_after = now + timedelta(days=enabled(days))
    session.add(decision)
    # The reason stays on the decision, erased with the note: it may well name the person.
    audit.record(
        session,
        admin,
        "retention.keep",
        target_type="note",
        target_id=note_id,
        account_id=due.note.account_id,
        contact_ids=[d.contact.id for d in due.left],
        review_after=decision.review_after.isoformat(),
    )
    session.flush()
    return decision
