from __future__ import annotations

from fastapi import APIRouter

from app.db.base import utcnow
from app.domain import brief, contacts, meeting, reuse, roles
from app.http.deps import (
    ConnectionDep,
    CurrentUser,
    IdPath,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
)
from app.http.presenters.brief import account_brief, contact_node, meeting_brief
from app.schemas.accounts import ContactRead
from app.schemas.brief import (
    AccountBrief,
    MeetingBriefRead,
    MeetingRequest,
    RoleDecisionCreate,
    RoleSuggestionRead,
)

router = APIRouter(prefix="/v1", tags=["briefs"])


@router.get("/accounts/{account_id}/brief", responses={404: {"description": "No such account."}})
def get_account_brief(
    account_id: IdPath,
    session: ReadSessionDep,
    conn: ConnectionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> AccountBrief:
    """What to know before a touchpoint, from the notes you may read."""
    result = brief.account_brief(session, user, account_id, coverage_days=settings.coverage_days)
    reuse.record_views(conn, user, result.quoted(), kind="shown", source="brief")
    return account_brief(result)


@router.post("/briefs/meeting")
def create_meeting_brief(
    data: MeetingRequest, session: ReadSessionDep, conn: ConnectionDep, user: CurrentUser
) -> MeetingBriefRead:
    """The attendees (addresses, names or an .ics invitation): the account's brief and what is
    known about each attendee personally. Only which notes were shown is recorded."""
    now = utcnow()
    result = meeting.meeting_brief(
        session, user, attendees=data.attendees, invitation=data.invitation, now=now
    )
    reuse.record_views(conn, user, result.quoted(), kind="shown", source="meeting")
    return meeting_brief(result, now)


@router.get("/accounts/{account_id}/role-suggestions")
def list_role_suggestions(
    account_id: IdPath, session: ReadSessionDep, user: CurrentUser
) -> list[RoleSuggestionRead]:
    """Buying roles the notes you may read suggest for the account's contacts."""
    return [
        RoleSuggestionRead(
            contact=contact_node(s.contact, s.role),
            role=s.role,
            evidence=s.evidence,
            mentions=s.mentions,
        )
        for s in roles.account_suggestions(session, user, account_id)
    ]


@router.post("/contacts/{contact_id}/role-decisions")
def decide_role(
    contact_id: IdPath, data: RoleDecisionCreate, session: SessionDep, user: CurrentUser
) -> ContactRead:
    """Confirm a suggested buying role (it is set on the contact) or reject it (it is not
    suggested again)."""
    contact = roles.decide(
        session,
        user,
        contact_id=contact_id,
        role=data.role,
        confirm=data.decision == "confirm",
        evidence=data.evidence,
    )
    return ContactRead.model_validate(contacts.get_contact(session, contact.id))
