"""The meeting brief: who is coming, what we know about each of them, and the account brief.

Attendees come as addresses ("Jill Oyelaran <jill@bramblewood.example>") or from an .ics
invitation. A contact is found by e-mail, else by name within the account their domain names;
the account is the one most attendees point to (``inbound.choose_account``, the rule e-mail
capture uses). Colleagues among the attendees are named as such and not looked up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Contact, Note, User
from app.domain.brief import Brief, NoteItem, account_brief
from app.domain.inbound import choose_account
from app.errors import Invalid
from app.mail.ics import (
    Attendee,
    InvitationError,
    Meeting,
    parse_attendees,
    parse_invitation,
    unique_attendees,
)
from app.mail.parse import Address
from app.schemas.brief import MAX_MEETING_PEOPLE
from app.taxonomy import TOPIC_BY_NAME

PER_PERSON = 5


@dataclass
class AttendeeBrief:
    attendee: Attendee
    colleague: bool = False
    contact: Contact | None = None
    personal: list[NoteItem] = field(default_factory=list)
    notes: list[NoteItem] = field(default_factory=list)


@dataclass
class MeetingBrief:
    meeting: Meeting | None
    attendees: list[AttendeeBrief]
    brief: Brief | None
    account_problem: str | None

    def quoted(self) -> list[Note]:
        attendees = [i.note for a in self.attendees for i in (*a.personal, *a.notes)]
        return attendees + (self.brief.quoted() if self.brief else [])


def meeting_brief(
    session: Session,
    viewer: User,
    *,
    attendees: list[str],
    invitation: str | None,
    now: datetime | None = None,
) -> MeetingBrief:
    now = now or utcnow()
    try:
        meeting = parse_invitation(invitation) if invitation else None
        people = parse_attendees(attendees)
    except InvitationError as exc:
        raise Invalid(str(exc)) from exc
    if meeting is not None:
        organizer = [meeting.organizer] if meeting.organizer else []
        people = [*organizer, *meeting.attendees, *people]
    people = unique_attendees(people)
    if not people:
        raise Invalid("give at least one attendee, or an invitation with attendees")
    if len(people) > MAX_MEETING_PEOPLE:
        raise Invalid(
            f"a meeting brief covers at most {MAX_MEETING_PEOPLE} people; "
            f"this meeting has {len(people)}"
        )
    addresses = [Address(p.name or "", p.email) for p in people if p.email]
    choice = choose_account(session, addresses)
    brief = account_brief(session, viewer, choice.account.id, now=now) if choice.account else None
    colleagues = set(
        session.scalars(
            select(func.lower(User.email)).where(
                func.lower(User.email).in_([p.email for p in people if p.email])
            )
        )
    )
    return MeetingBrief(
        meeting=meeting,
        attendees=[_attendee(session, p, brief, colleagues) for p in people],
        brief=brief,
        account_problem=choice.reason if choice.account is None else None,
    )


def _attendee(
    session: Session, person: Attendee, brief: Brief | None, colleagues: set[str]
) -> AttendeeBrief:
    if person.email in colleagues:
        return AttendeeBrief(person, colleague=True)
    contact = _find_contact(session, person, brief)
    if contact is None or brief is None:
        return AttendeeBrief(person, contact=contact)
    personal: list[NoteItem] = []
    other: list[NoteItem] = []
    for item in brief.mentions_of(contact.id):
        topic = TOPIC_BY_NAME.get(item.topic or "")
        section = topic.section if topic else None
        target = personal if section == "personal" else other
        if all(existing.note.id != item.note.id for existing in target):
            target.append(item)
    return AttendeeBrief(
        person, contact=contact, personal=personal[:PER_PERSON], notes=other[:PER_PERSON]
    )


def _find_contact(session: Session, person: Attendee, brief: Brief | None) -> Contact | None:
    if person.email:
        found = session.scalars(
            select(Contact).where(func.lower(Contact.email) == person.email).order_by(Contact.id)
        ).first()
        if found is not None:
            return found
    if brief is None or not person.name:
        return None
    # Many contacts carry no e-mail: the name, within the meeting's account, still finds them.
    named = [c for c in brief.contacts if c.name.casefold() == person.name.casefold()]
    return named[0] if len(named) == 1 else None
