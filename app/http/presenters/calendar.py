"""A user's calendar feed and upcoming meetings (``app.domain.calendar``) as schemas."""

from __future__ import annotations

from datetime import timedelta

from app.config import Settings
from app.db.models import CalendarFeed
from app.domain.calendar import Upcoming
from app.schemas.calendar import AttendeeRead, CalendarRead, UpcomingRead
from app.schemas.common import Ref


def calendar_read(
    feed: CalendarFeed | None, settings: Settings, *, weekly_digest: bool = False
) -> CalendarRead:
    return CalendarRead(
        configured=feed is not None,
        url=feed.url_hint if feed else None,
        deliver=feed.deliver_briefs if feed else False,
        last_polled_at=feed.last_polled_at if feed else None,
        last_error=feed.last_error if feed else None,
        poll_seconds=settings.calendar_poll_seconds,
        lead_minutes=settings.brief_lead_minutes,
        weekly_digest=weekly_digest,
    )


def upcoming_read(item: Upcoming, settings: Settings) -> UpcomingRead:
    occurrence = item.occurrence
    return UpcomingRead(
        summary=occurrence.summary,
        starts_at=occurrence.starts_at,
        ends_at=occurrence.ends_at,
        attendees=[AttendeeRead(**a) for a in occurrence.attendees],
        accounts=[Ref.model_validate(a) for a in item.accounts],
        brief=item.status,
        brief_at=occurrence.starts_at - timedelta(minutes=settings.brief_lead_minutes),
    )
