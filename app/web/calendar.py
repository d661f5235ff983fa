"""The calendar section of the settings page: set, replace or stop your calendar feed, turn
the briefs before your meetings on or off, and see your upcoming external meetings. The same
domain functions as ``/v1/me/calendar``; the address is never shown again in full."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError

from app.db.base import utcnow
from app.domain import calendar
from app.http.deps import SessionDep, SettingsDep
from app.schemas.calendar import MAX_FEED_URL_CHARS, CalendarSet
from app.web.auth import CsrfChecked
from app.web.pages import WebRoute
from app.web.settings import settings_page_response

router = APIRouter(include_in_schema=False, route_class=WebRoute)


@router.post("/settings/calendar")
def set_calendar(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: CsrfChecked,
    ics_url: Annotated[str, Form(max_length=MAX_FEED_URL_CHARS + 100)] = "",
) -> Response:
    try:
        data = CalendarSet(ics_url=ics_url)
    except ValidationError as exc:
        message = exc.errors()[0]["msg"].removeprefix("Value error, ")
        return settings_page_response(request, session, viewer, status=422, calendar_error=message)
    calendar.set_feed(
        session, viewer.user, data.ics_url, key=settings.calendar_secret_key, now=utcnow()
    )
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/calendar/delete")
def delete_calendar(session: SessionDep, viewer: CsrfChecked) -> Response:
    calendar.delete_feed(session, viewer.user)
    return RedirectResponse("/settings", status_code=303)


@router.post("/settings/briefs")
def set_briefs(
    session: SessionDep, viewer: CsrfChecked, deliver: Annotated[str, Form()] = "off"
) -> Response:
    calendar.set_delivery(session, viewer.user, deliver=deliver == "on")
    return RedirectResponse("/settings", status_code=303)
