"""The server-rendered web page (Jinja2 and a vendored htmx, no front-end build): sign-in,
search, posting notes, notes and accounts, and the analytics dashboard. Mounted at ``/``,
outside the OpenAPI schema."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app.web import analytics
from app.web.pages import (
    STATIC_DIR,
    PageError,
    SignInRequired,
    page_error_response,
    sign_in_response,
)
from app.web.routes import router


def install(app: FastAPI) -> None:
    app.include_router(router)
    app.include_router(analytics.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_exception_handler(PageError, page_error_response)
    app.add_exception_handler(SignInRequired, sign_in_response)
