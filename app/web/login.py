"""Signing in and out. The sign-in form is protected by a signed double-submit token, as there
is no session yet to hold a CSRF token (``app.web.auth``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse

from app.db.base import utcnow
from app.domain import web_sessions
from app.http.deps import DatabaseDep, SessionDep, SettingsDep, get_settings
from app.web.auth import (
    LOGIN_CSRF_COOKIE,
    CsrfChecked,
    lifetime,
    login_token_valid,
    new_login_token,
    safe_next,
)
from app.web.pages import SESSION_COOKIE, FormText, WebRoute, render, set_session_cookie

router = APIRouter(include_in_schema=False, route_class=WebRoute)


def _login_page(
    request: Request, *, next_url: str, email: str, error: str | None, status: int
) -> Response:
    settings = get_settings(request)
    token = new_login_token(settings.secret_key)
    response = render(
        request,
        "login.html",
        {"next": next_url, "email": email, "error": error, "login_token": token},
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=settings.env == "prod",
    )
    return response


@router.get("/login")
def login_page(
    request: Request,
    session: SessionDep,
    next_url: Annotated[str, Query(alias="next")] = "/",
) -> Response:
    target = safe_next(next_url)
    token = request.cookies.get(SESSION_COOKIE, "")
    if token and web_sessions.find_session(session, token, now=utcnow()) is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(request, next_url=target, email="", error=None, status=200)


@router.post("/login")
def login(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    email: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    target = safe_next(next_url)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not login_token_valid(settings.secret_key, cookie=cookie, form=csrf_token):
        error = "This sign-in form has expired or did not come from this site. Sign in again."
        return _login_page(request, next_url=target, email=email, error=error, status=403)
    outcome = web_sessions.sign_in(
        db,
        email=email,
        password=password,
        now=utcnow(),
        lifetime=lifetime(settings),
        replaces=request.cookies.get(SESSION_COOKIE),
    )
    if isinstance(outcome, web_sessions.Refused):
        return _login_page(request, next_url=target, email=email, error=outcome.reason, status=401)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, outcome.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, _: CsrfChecked) -> Response:
    web_sessions.sign_out(session, request.cookies.get(SESSION_COOKIE, ""))
    request.state.refresh_session_cookie = None
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
