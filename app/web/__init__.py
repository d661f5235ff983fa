"""The server-rendered web page (Jinja2 and a vendored htmx, no front-end build), one module
per page: ``login``, ``search`` (the start page), ``notes`` (posting, reading, marking),
``accounts`` (with the influence map), ``contacts`` (a contact's influence record and its
forms), ``analytics`` (the dashboard), ``slack`` (linking a Slack user) and ``calendar`` (the
calendar section of ``/settings``) and ``handover`` (when someone leaves). Mounted at ``/``,
outside the OpenAPI schema."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import (
    accounts,
    analytics,
    calendar,
    contacts,
    handover,
    login,
    notes,
    search,
    slack,
)
from app.web.pages import (
    STATIC_DIR,
    PageError,
    SignInRequired,
    page_error_response,
    sign_in_response,
)


def install(app: FastAPI) -> None:
    pages = (login, search, notes, accounts, contacts, analytics, slack, calendar, handover)
    for page in pages:
        app.include_router(page.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageError, page_error_response)
    app.add_exception_handler(SignInRequired, sign_in_response)
