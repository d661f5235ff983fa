"""The settings page: one's password, API tokens and calendar feed. Each section is a template
of its own (``_password_settings.html``, ``_token_settings.html``, ``_calendar_settings.html``,
whose forms are ``app.web.calendar``'s), so that a section can be added without touching the
others.

Tokens are the API's (``app.domain.users``): a new one is shown once, on the page that
answers the form (never in an address, which a browser keeps in its history), and only its
prefix afterwards. Made by a signed-in person rather than with another token, it has no parent
token to expire with (``access.token_expiry``): its expiry is the one chosen, 90 days unless
changed. Its scopes are ticked on the form (read and write at first; admin offered to admins
only, and refused for anyone else by ``token_scopes.new_token_scopes`` whatever is posted)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.domain import calendar, users, web_sessions
from app.http.deps import ConnectionDep, IdPath, SessionDep, get_settings
from app.http.presenters.calendar import calendar_read, upcoming_read
from app.schemas.calendar import MAX_FEED_URL_CHARS
from app.web.auth import CsrfChecked, SignedIn, Viewer
from app.web.pages import SESSION_COOKIE, FormList, FormText, WebRoute, render
from app.web.settings_forms import PasswordForm, TokenForm

router = APIRouter(include_in_schema=False, route_class=WebRoute)

NOTICES = {
    "password": "Your password is changed. Your other browsers are signed out.",
    "revoked": "The token is revoked: it no longer works.",
}


def settings_page_response(
    request: Request,
    session: Session,
    viewer: Viewer,
    *,
    status: int = 200,
    **context: Any,
) -> Response:
    settings = get_settings(request)
    page = {
        "calendar": calendar_read(calendar.get_feed(session, viewer.user), settings),
        "upcoming": [
            upcoming_read(u, settings)
            for u in calendar.upcoming(session, viewer.user, now=utcnow())
        ],
        "calendar_error": None,
        "max_url": MAX_FEED_URL_CHARS,
        "password_form": PasswordForm(),
        "token_form": TokenForm(),
        "tokens": users.list_tokens(session, viewer.user, None),
        "created": None,
        "notice": None,
        "password_refused": None,
        **context,
    }
    return render(request, "settings.html", page, status=status)


@router.get("/settings")
def settings_page(
    request: Request, session: SessionDep, viewer: SignedIn, done: str = ""
) -> Response:
    return settings_page_response(request, session, viewer, notice=NOTICES.get(done))


@router.post("/settings/password")
def change_password(
    request: Request,
    conn: ConnectionDep,
    session: SessionDep,
    viewer: CsrfChecked,
    current: FormText = "",
    new: FormText = "",
    confirm: FormText = "",
) -> Response:
    form = PasswordForm.parse(current=current, new=new, confirm=confirm)
    if form.errors:
        return settings_page_response(request, session, viewer, status=422, password_form=form)
    # Before the request's unit of work begins, on its connection (the check is slow).
    refused = web_sessions.change_password(
        conn,
        viewer.user.id,
        current=current,
        new=new,
        keep=request.cookies.get(SESSION_COOKIE, ""),
    )
    if refused is not None:
        return settings_page_response(
            request, session, viewer, status=403, password_refused=refused.reason
        )
    return RedirectResponse("/settings?done=password", status_code=303)


@router.post("/settings/tokens")
def create_token(
    request: Request,
    session: SessionDep,
    viewer: CsrfChecked,
    name: FormText = "",
    expires_in_days: FormText = "",
    scope: FormList = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    form = TokenForm(name=name, expires_in_days=expires_in_days, scopes=scope)
    data = form.to_create()
    if data is None:
        return settings_page_response(request, session, viewer, status=422, token_form=form)
    token, secret = users.create_token(session, viewer.user, data)
    created = {"token": token, "secret": secret, "url": str(request.base_url).rstrip("/")}
    return settings_page_response(request, session, viewer, status=201, created=created)


@router.post("/settings/tokens/{token_id}/revoke")
def revoke_token(token_id: IdPath, session: SessionDep, viewer: CsrfChecked) -> Response:
    users.revoke_token(session, viewer.user, token_id)
    return RedirectResponse("/settings?done=revoked", status_code=303)
