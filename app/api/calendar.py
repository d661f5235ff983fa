"""Your calendar feed, your upcoming external meetings, and the briefs sent before them.
Every route acts on the caller's own feed: there is no way to name another user's."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.db.base import utcnow
from app.domain import calendar, digest
from app.http.deps import CurrentUser, ReadSessionDep, SessionDep, SettingsDep
from app.http.presenters.calendar import calendar_read, upcoming_read
from app.schemas.calendar import BriefsSet, CalendarRead, CalendarSet, UpcomingRead

router = APIRouter(prefix="/v1/me", tags=["calendar"])
NO_FEED: dict[int | str, dict[str, Any]] = {404: {"description": "You have no calendar feed."}}


@router.put("/calendar")
def set_calendar(
    data: CalendarSet, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> CalendarRead:
    """Set your calendar feed (replacing any other): the worker reads it every
    `TACIT_CALENDAR_POLL_SECONDS` and sends a brief `TACIT_BRIEF_LEAD_MINUTES` before each
    external meeting. The address is stored encrypted and shown only as its host and last
    four characters."""
    feed = calendar.set_feed(
        session, user, data.ics_url, key=settings.calendar_secret_key, now=utcnow()
    )
    if data.deliver is not None:
        feed = calendar.set_delivery(session, user, deliver=data.deliver)
    return calendar_read(feed, settings, weekly_digest=user.weekly_digest)


@router.get("/calendar")
def get_calendar(session: ReadSessionDep, user: CurrentUser, settings: SettingsDep) -> CalendarRead:
    """Whether you have a calendar feed, its masked address, when it was last read and the
    last read's error."""
    return calendar_read(
        calendar.get_feed(session, user), settings, weekly_digest=user.weekly_digest
    )


@router.delete("/calendar", responses=NO_FEED)
def delete_calendar(session: SessionDep, user: CurrentUser, settings: SettingsDep) -> CalendarRead:
    """Stop reading your calendar feed: its meetings and their pending briefs are dropped."""
    calendar.delete_feed(session, user)
    return calendar_read(None, settings, weekly_digest=user.weekly_digest)


@router.put("/briefs", responses=NO_FEED)
def set_briefs(
    data: BriefsSet, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> CalendarRead:
    """Turn the briefs before your meetings off (`deliver: false`) or on again (`true`); the
    feed is still read, so `GET /v1/me/upcoming` stays current and says `off`. `weekly_digest`
    turns the weekly digest e-mail on or off (it needs no calendar feed)."""
    wants = user.weekly_digest
    if data.weekly_digest is not None:
        wants = digest.set_opt_in(session, user, on=data.weekly_digest)
    feed = calendar.get_feed(session, user)
    if data.deliver is not None:
        feed = calendar.set_delivery(session, user, deliver=data.deliver)
    return calendar_read(feed, settings, weekly_digest=wants)


@router.get("/upcoming")
def list_upcoming(
    session: ReadSessionDep, user: CurrentUser, settings: SettingsDep
) -> list[UpcomingRead]:
    """Your upcoming external meetings (an attendee is a known contact or at an account's
    domain), soonest first, with their attendees, accounts and brief status."""
    return [upcoming_read(u, settings) for u in calendar.upcoming(session, user, now=utcnow())]
