"""Account and meeting briefs (``app.domain.brief``, ``app.domain.meeting``) as schemas."""

from __future__ import annotations

from datetime import datetime

from app.db.models import BuyingRole, Contact
from app.domain.brief import Brief, Influence, NoteItem
from app.domain.influence.records import Influence as Record
from app.domain.meeting import AttendeeBrief, MeetingBrief
from app.domain.org_chart import drawing_order
from app.http.presenters.influence import influence_summary, red_flag_read
from app.schemas.brief import (
    AccountBrief,
    AttendeeRead,
    BuyingInfluence,
    ChartEntry,
    ContactNode,
    ExpertRead,
    GapRead,
    MeetingBriefRead,
    MeetingRead,
    NoteInBrief,
    PersonRef,
    SectionRead,
)
from app.schemas.common import Ref
from app.taxonomy import SECTIONS


def note_in_brief(item: NoteItem, now: datetime) -> NoteInBrief:
    note = item.note
    seen = max(note.observed_at, note.verified_at or note.observed_at)
    return NoteInBrief(
        id=note.id,
        external_id=note.external_id,
        author=Ref.model_validate(note.author),
        observed_at=note.observed_at,
        verified_at=note.verified_at,
        age_days=max(0, (now - seen).days),
        visibility=note.visibility,
        sensitive=note.sensitive or [],
        text=item.text,
        stale=item.stale,
        superseded=item.superseded,
        flagged=item.flagged,
        reason=item.reason,
    )


def buying_influence(influence: Influence, record: Record | None = None) -> BuyingInfluence:
    return BuyingInfluence(
        role=influence.role,
        contact=PersonRef.model_validate(influence.contact),
        evidence=influence.evidence,
        confirmed=influence.confirmed,
        last_mentioned_at=influence.last_mentioned_at,
        record=influence_summary(record) if record is not None else None,
    )


def account_brief(brief: Brief) -> AccountBrief:
    now = brief.generated_at
    view = brief.influence
    records = {i.contact.id: i for i in view.map.influences} if view else {}
    return AccountBrief(
        account=Ref.model_validate(brief.account),
        domains=brief.account.domains,
        generated_at=now,
        notes=brief.notes,
        sections=[
            SectionRead(name=s.name, title=s.title, shelf_life_days=s.shelf_life.days)
            for s in SECTIONS
        ],
        contacts=[contact_node(c, brief.suggested_roles.get(c.id)) for c in brief.contacts],
        chart=[ChartEntry(contact_id=c.id, depth=d) for c, d in drawing_order(brief.chart)],
        buying_influences=[
            buying_influence(i, records.get(i.contact.id)) for i in brief.buying_influences
        ],
        red_flags=[red_flag_read(f) for f in view.red_flags] if view else [],
        gaps=[GapRead.model_validate(g) for g in brief.gaps],
        topics={
            name: [note_in_brief(i, now) for i in items] for name, items in brief.topics.items()
        },
        changes=[note_in_brief(i, now) for i in brief.changes],
        stale=[note_in_brief(i, now) for i in brief.stale],
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


def attendee_read(entry: AttendeeBrief, now: datetime) -> AttendeeRead:
    return AttendeeRead(
        email=entry.attendee.email,
        name=entry.attendee.name or (entry.contact.name if entry.contact else None),
        colleague=entry.colleague,
        contact=contact_node(entry.contact, None) if entry.contact else None,
        personal=[note_in_brief(i, now) for i in entry.personal],
        notes=[note_in_brief(i, now) for i in entry.notes],
    )


def meeting_brief(result: MeetingBrief, now: datetime) -> MeetingBriefRead:
    meeting = result.meeting
    return MeetingBriefRead(
        meeting=MeetingRead(summary=meeting.summary, start=meeting.start) if meeting else None,
        attendees=[attendee_read(a, now) for a in result.attendees],
        account_brief=account_brief(result.brief) if result.brief else None,
        account_problem=result.account_problem,
    )
