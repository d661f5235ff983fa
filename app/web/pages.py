"""Rendering pages, and what every web response carries: security headers, no caching of
signed-in pages, the refreshed session cookie, and HTML error pages instead of problem+json.

Web routes use ``WebRoute``: any error a page raises is turned into a ``PageError`` *inside*
the route, so that it still passes through the request's unit of work (which rolls back) before
the handler installed by ``app.web.install`` renders it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Form, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.exceptions import HTTPException

from app.db.base import utcnow
from app.domain.sensitivity import LABELS
from app.errors import AppError
from app.http.deps import get_settings
from app.web.influence_view import value_text
from app.web.markdown import render_note, render_preview, render_snippet
from app.wording import age_in_words

log = logging.getLogger("tacit.web")

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
SESSION_COOKIE = "tacit_session"
HTMX_FILE = "htmx-2.0.11.min.js"  # vendored from npm; see static/vendor/README.md

# Scripts, styles and forms from this origin only: a note that slipped through escaping
# still could not run script, and no other site may frame these pages.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# Form fields are read as plain text and checked by app.web.forms, so that bad input is shown
# beside its field, as typed, instead of failing validation before the page can say so.
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]
MATCHED = {
    "keyword": "matched words",
    "meaning": "matched meaning",
    "both": "words and meaning",
    "answer": "evidence for the answer",
}
# How an answer above the hits is known, in words.
BASIS = {
    "confirmed": "confirmed",
    "recorded": "recorded on the contact",
    "suggested": "suggested by notes, not confirmed",
    "notes": "counted from notes you may read",
}


class PageError(Exception):
    """Rendered as the error page with this status."""

    def __init__(self, status: int, title: str, detail: str) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail


class SignInRequired(Exception):
    """No live session: the browser goes to the sign-in page, and back here after."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


def ago(when: datetime) -> str:
    return age_in_words((utcnow() - when).days)


def day(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}"


def sensitive_names(categories: list[str] | None) -> str:
    """A note's sensitive categories as people read them: "health, trade-union membership"."""
    return ", ".join(LABELS[c] for c in categories or [])


templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["ago"] = ago
templates.env.filters["day"] = day
templates.env.filters["sensitive_names"] = sensitive_names
templates.env.filters["markdown"] = render_note
templates.env.filters["markdown_preview"] = render_preview
templates.env.filters["markdown_snippet"] = render_snippet
templates.env.globals["matched_label"] = MATCHED
templates.env.globals["basis_label"] = BASIS
templates.env.globals["htmx_file"] = HTMX_FILE
templates.env.globals["influence_value"] = value_text


def render(
    request: Request, name: str, context: dict[str, Any], *, status: int = 200
) -> HTMLResponse:
    viewer = getattr(request.state, "viewer", None)
    page: dict[str, Any] = {
        "viewer": viewer,
        "csrf": viewer.csrf_token if viewer else None,
        # Shown where authors choose "private" (``_departure_rule.html``), so nobody is surprised.
        "departure_rule": get_settings(request).private_notes_on_departure,
    }
    return templates.TemplateResponse(request, name, {**page, **context}, status_code=status)


def finish(request: Request, response: Response) -> Response:
    """Headers every web response gets, and the session cookie when its expiry slid."""
    response.headers["Cache-Control"] = "no-store"
    response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    token = getattr(request.state, "refresh_session_cookie", None)
    if token:
        set_session_cookie(request, response, token)
    return response


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    settings = get_settings(request)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.web_session_hours * 3600,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.env == "prod",
    )


def _as_page_error(exc: Exception) -> PageError:
    if isinstance(exc, AppError):
        return PageError(exc.status, exc.title, exc.detail)
    if isinstance(exc, RequestValidationError):
        # Only path and query values reach validation here (forms are read as text), and a
        # malformed id in a path names nothing.
        return PageError(404, "Not found", "There is nothing at this address.")
    if isinstance(exc, HTTPException):
        return PageError(exc.status_code, "Error", str(exc.detail))
    if isinstance(exc, IntegrityError):
        return PageError(409, "Conflict", "Someone changed the same data at the same time; retry.")
    if isinstance(exc, OperationalError):
        return PageError(503, "Unavailable", "The database is busy or unreachable; retry shortly.")
    log.error("unhandled error on a web page", exc_info=exc)
    return PageError(500, "Something went wrong", "The error has been logged.")


class WebRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                response = await handler(request)
            except (PageError, SignInRequired):
                raise
            except Exception as exc:
                raise _as_page_error(exc) from exc
            return finish(request, response)

        return handle


def page_error_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, PageError)
    response = render(
        request, "error.html", {"title": exc.title, "detail": exc.detail}, status=exc.status
    )
    return finish(request, response)


def sign_in_response(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SignInRequired)
    target = "/login" if exc.next_url == "/" else f"/login?next={quote(exc.next_url, safe='/')}"
    response: Response
    if request.headers.get("HX-Request"):
        # htmx would follow a redirect and put the sign-in page inside the fragment.
        response = Response(status_code=401, headers={"HX-Redirect": target})
    else:
        response = RedirectResponse(target, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return finish(request, response)
