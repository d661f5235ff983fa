"""The server-rendered web page (Jinja2 and a vendored htmx, no front-end build), one module
per page: ``login``, ``search`` (the start page), ``notes`` (posting), ``note_actions`` (a
note's page: reading, marking, editing, flagging, superseding, archiving, deleting),
``accounts`` (the list, and an account with its influence map), ``contacts`` (a contact's
influence record and its forms), ``analytics`` (the dashboard), ``curation`` (a manager's
queue), ``settings`` (password, API tokens, and the calendar feed of ``calendar``), ``admin``
(users and teams), ``handover`` (when someone leaves) and ``slack`` (linking a Slack user);
``app_manifest`` lets a phone install it. Mounted at ``/``, outside the OpenAPI schema."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import (
    accounts,
    admin,
    analytics,
    app_manifest,
    calendar,
    contacts,
    curation,
    handover,
    login,
    note_actions,
    notes,
    search,
    settings,
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
    # notes before note_actions: /notes/new is not /notes/{note_id}.
    pages = (login, search, notes, note_actions, accounts, contacts, analytics, curation)
    for page in (*pages, settings, calendar, admin, handover, slack):
        app.include_router(page.router)
    app.include_router(app_manifest.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageError, page_error_response)
    app.add_exception_handler(SignInRequired, sign_in_response)
