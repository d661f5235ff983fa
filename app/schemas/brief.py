"""The account and meeting briefs as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.db.models import BuyingRole, Contact, Visibility
from app.domain.brief import Brief, Influence, NoteItem
from app.domain.meeting import MAX_MEETING_PEOPLE, AttendeeBrief, MeetingBrief
from app.schemas.common import Input, Ref, Schema
from app.search.topics import SECTIONS

MAX_ATTENDEES = 100
MAX_INVITATION_CHARS = 1024 * 1024


class PersonRef(Schema):
    id: int
    external_id: str | None
    name: str
    title: str | None


class ContactNode(PersonRef):
    """A contact in the reports-to chart, with their recorded and suggested buying role."""

    buying_role: BuyingRole
    suggested_role: BuyingRole | None = None
    reports_to_id: int | None


class NoteInBrief(Schema):
    id: int
    external_id: str | None
    author: Ref
    observed_at: datetime
    verified_at: datetime | None
    age_days: int = Field(description="Days since last observed or verified.")
    visibility: Visibility
    text: str = Field(description="The passage or sentence that earned the note its place.")
    stale: bool
    superseded: bool
    flagged: bool = Field(description="A newer note disagrees; review it.")
    reason: str | None = Field(description="Why the note is marked, in words.")

    @classmethod
    def of(cls, item: NoteItem, now: datetime) -> NoteInBrief:
        note = item.note
        seen = max(note.observed_at, note.verified_at or note.observed_at)
        return cls(
            id=note.id,
            external_id=note.external_id,
            author=Ref.model_validate(note.author),
            observed_at=note.observed_at,
            verified_at=note.verified_at,
            age_days=max(0, (now - seen).days),
            visibility=note.visibility,
            text=item.text,
            stale=item.stale,
            superseded=item.superseded,
            flagged=item.flagged,
            reason=item.reason,
        )


class BuyingInfluence(Schema):
    role: BuyingRole
    contact: PersonRef
    evidence: list[int] = Field(description="Ids of notes you can read that support it.")
    confirmed: bool = Field(description="Recorded on the contact; false: suggested by notes.")
    last_mentioned_at: datetime | None

    @classmethod
    def of(cls, influence: Influence) -> BuyingInfluence:
        return cls(
            role=influence.role,
            contact=PersonRef.model_validate(influence.contact),
            evidence=influence.evidence,
            confirmed=influence.confirmed,
            last_mentioned_at=influence.last_mentioned_at,
        )


class GapRead(Schema):
    kind: Literal[
        "missing_role",
        "unconfirmed_role",
        "not_mentioned",
        "no_personal_context",
        "no_notes",
        "no_recent_notes",
    ]
    message: str
    role: BuyingRole | None
    contact_id: int | None


class ExpertRead(Schema):
    user: Ref
    notes: int = Field(description="Notes of this account you can read that they wrote.")
    last_observed_at: datetime
    score: float = Field(description="Notes weighted by recency (half-life one year).")


class SectionRead(Schema):
    name: str
    title: str
    shelf_life_days: int


class AccountBrief(Schema):
    account: Ref
    domains: list[str]
    generated_at: datetime
    notes: int = Field(description="Notes of this account you can read.")
    sections: list[SectionRead]
    contacts: list[ContactNode]
    buying_influences: list[BuyingInfluence]
    gaps: list[GapRead]
    topics: dict[str, list[NoteInBrief]]
    changes: list[NoteInBrief]
    stale: list[NoteInBrief]
    stale_count: int
    experts: list[ExpertRead]

    @classmethod
    def of(cls, brief: Brief) -> AccountBrief:
        now = brief.generated_at
        return cls(
            account=Ref.model_validate(brief.account),
            domains=brief.account.domains,
            generated_at=now,
            notes=brief.notes,
            sections=[
                SectionRead(name=s.name, title=s.title, shelf_life_days=s.shelf_life.days)
                for s in SECTIONS
            ],
            contacts=[contact_node(c, brief.suggested_roles.get(c.id)) for c in brief.contacts],
            buying_influences=[BuyingInfluence.of(i) for i in brief.buying_influences],
            gaps=[GapRead.model_validate(g) for g in brief.gaps],
            topics={
                name: [NoteInBrief.of(i, now) for i in items]
                for name, items in brief.topics.items()
            },
            changes=[NoteInBrief.of(i, now) for i in brief.changes],
            stale=[NoteInBrief.of(i, now) for i in brief.stale],
            stale_count=brief.stale_count,
            experts=[ExpertRead.model_validate(e) for e in brief.experts],
        )


def contact_node(contact: Contact, suggested: BuyingRole | None) -> ContactNode:
    return ContactNode(
        id=contact.id,
        external_id=contact.external_id,
        name=contact.name,
        title=contact.title,
        buying_role=contact.buying_role,
        suggested_role=suggested,
        reports_to_id=contact.reports_to_id,
    )


class MeetingRequest(Input):
    attendees: list[Annotated[str, StringConstraints(max_length=1000)]] = Field(
        default_factory=list,
        max_length=MAX_ATTENDEES,
        description='Addresses such as "Jill Oyelaran <jill@bramblewood.example>", or names.',
    )
    invitation: Annotated[str, StringConstraints(max_length=MAX_INVITATION_CHARS)] | None = Field(
        default=None,
        description="An iCalendar (.ics) invitation; its attendees are added. At most "
        f"{MAX_MEETING_PEOPLE} people in all, or 422.",
    )


class AttendeeRead(Schema):
    email: str | None
    name: str | None
    colleague: bool = Field(description="One of us: not looked up.")
    contact: ContactNode | None
    personal: list[NoteInBrief] = Field(description="Personal context: what moves them.")
    notes: list[NoteInBrief] = Field(description="Other recent sentences about them.")

    @classmethod
    def of(cls, entry: AttendeeBrief, now: datetime) -> AttendeeRead:
        return cls(
            email=entry.attendee.email,
            name=entry.attendee.name or (entry.contact.name if entry.contact else None),
            colleague=entry.colleague,
            contact=contact_node(entry.contact, None) if entry.contact else None,
            personal=[NoteInBrief.of(i, now) for i in entry.personal],
            notes=[NoteInBrief.of(i, now) for i in entry.notes],
        )


class MeetingRead(Schema):
    summary: str | None
    start: datetime | None


class MeetingBriefRead(Schema):
    meeting: MeetingRead | None
    attendees: list[AttendeeRead]
    account_brief: AccountBrief | None
    account_problem: str | None = Field(description="Why no account was recognised.")

    @classmethod
    def of(cls, result: MeetingBrief, now: datetime) -> MeetingBriefRead:
        meeting = result.meeting
        return cls(
            meeting=MeetingRead(summary=meeting.summary, start=meeting.start) if meeting else None,
            attendees=[AttendeeRead.of(a, now) for a in result.attendees],
            account_brief=AccountBrief.of(result.brief) if result.brief else None,
            account_problem=result.account_problem,
        )


class RoleSuggestionRead(Schema):
    contact: ContactNode
    role: BuyingRole
    evidence: list[int]
    mentions: int = Field(description="Sentences about them that read as this role.")


class RoleDecisionCreate(Input):
    role: BuyingRole
    decision: Literal["confirm", "reject"]
    evidence: list[int] = Field(default_factory=list, max_length=50)
