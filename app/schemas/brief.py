"""The account and meeting briefs as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from app.db.models import BuyingRole, Visibility
from app.schemas.common import Input, Ref, Schema
from app.schemas.influence import InfluenceSummary, RedFlagRead
from app.schemas.notes import Sensitive

MAX_ATTENDEES = 100
# People in one meeting, from the list and the invitation together: each is looked up, and a
# town hall is no meeting to brief for.
MAX_MEETING_PEOPLE = 200
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


class ChartEntry(Schema):
    """A place in the reports-to chart, which lists every contact once, each manager before
    their reports."""

    contact_id: int
    depth: int = Field(description="Steps below the top of the chart (0: reports to no one).")


class NoteInBrief(Schema):
    id: int
    external_id: str | None
    author: Ref
    observed_at: datetime
    verified_at: datetime | None
    age_days: int = Field(description="Days since last observed or verified.")
    visibility: Visibility
    sensitive: Sensitive = Field(
        default_factory=list,
        description="The sensitive facts the note states (as on the note); empty when none.",
    )
    text: str = Field(description="The passage or sentence that earned the note its place.")
    stale: bool
    superseded: bool
    flagged: bool = Field(description="A newer note disagrees; review it.")
    reason: str | None = Field(description="Why the note is marked, in words.")


class BuyingInfluence(Schema):
    role: BuyingRole
    contact: PersonRef
    evidence: list[int] = Field(description="Ids of notes you can read that support it.")
    confirmed: bool = Field(description="Recorded on the contact; false: suggested by notes.")
    last_mentioned_at: datetime | None
    record: InfluenceSummary | None = Field(
        default=None, description="The contact's influence record (docs/influence.md)."
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
    chart: list[ChartEntry] = Field(
        description="Who reports to whom: the contacts in the order an indented list draws them."
    )
    buying_influences: list[BuyingInfluence]
    red_flags: list[RedFlagRead] = Field(
        default_factory=list, description="The influence map's red flags (docs/influence.md)."
    )
    gaps: list[GapRead]
    topics: dict[str, list[NoteInBrief]]
    changes: list[NoteInBrief]
    stale: list[NoteInBrief]
    stale_count: int
    experts: list[ExpertRead]


class MeetingRequest(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "attendees": ["Meg Ortiz <meg@harbor.example>", "tom@harbor.example"],
                    "invitation": "Renewal review with Harbor Freightways",
                }
            ]
        }
    )

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


class MeetingRead(Schema):
    summary: str | None
    start: datetime | None


class MeetingBriefRead(Schema):
    meeting: MeetingRead | None
    attendees: list[AttendeeRead]
    account_brief: AccountBrief | None
    account_problem: str | None = Field(description="Why no account was recognised.")


class RoleSuggestionRead(Schema):
    contact: ContactNode
    role: BuyingRole
    evidence: list[int]
    mentions: int = Field(description="Sentences about them that read as this role.")


class RoleDecisionCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"role": "economic", "decision": "confirm", "evidence": [42]}]
        }
    )

    role: BuyingRole
    decision: Literal["confirm", "reject"]
    evidence: list[int] = Field(default_factory=list, max_length=50)
