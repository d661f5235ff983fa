"""Who is signed in, and CSRF: the dependencies of the web routes.

- ``SignedIn``: the session cookie's live session, or a redirect to the sign-in page.
- ``CsrfChecked``: the same, for POSTs, which must also carry the session's CSRF token, in the
  form (``csrf_token``) or, from htmx, in the ``X-CSRF-Token`` header; otherwise 403 and
  nothing is written.
- Before sign-in there is no session to hold a token, so the sign-in form is protected by a
  signed double-submit token: a random value signed with ``TACIT_SECRET_KEY``, in a cookie and
  in the form, which must agree (a page on another site can make the browser post the form,
  but cannot read or set the cookie).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Form, Header, Request
from starlette.datastructures import URL

from app.config import Settings
from app.db.base import utcnow
from app.db.models import User
from app.domain import handover_requests, web_sessions
from app.http.deps import ConnectionDep, SettingsDep
from app.web.pages import SESSION_COOKIE, PageError, SignInRequired

LOGIN_CSRF_COOKIE = "tacit_login"
CSRF_REFUSED = (
    "This form was not sent from a page of this site, or its security token has expired. "
    "Nothing was saved. Go back, reload the page and try again."
)


@dataclass(frozen=True)
class Viewer:
    user: User
    csrf_token: str
    # An admin asked them to share their private notes before they leave: the page's banner.
    handover_asked: bool = False


def safe_next(url: str | None) -> str:
    """Where to go after signing in: only a path on this site, never another host."""
    if not url or not url.startswith("/") or url.startswith(("//", "/\\")):
        return "/"
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or any(ord(c) < 32 for c in url):
        return "/"
    return url


def _back_to(request: Request) -> str:
    """The page to return to after signing in: this one, or for an htmx fragment the page that
    asked for it; after a POST, the start page (the form is gone)."""
    url = request.url
    if request.headers.get("HX-Request"):
        url = URL(request.headers.get("HX-Current-URL", "/"))
    elif request.method != "GET":
        return "/"
    return safe_next(url.path + (f"?{url.query}" if url.query else ""))


def lifetime(settings: Settings) -> timedelta:
    return timedelta(hours=settings.web_session_hours)


def get_viewer(request: Request, conn: ConnectionDep, settings: SettingsDep) -> Viewer:
    """The signed-in user, loaded in a short transaction of its own (as the API's token check),
    so that the request's unit of work has not begun when a POST claims its form key."""
    now = utcnow()
    token = request.cookies.get(SESSION_COOKIE, "")
    with conn.unit_of_work(write=False) as session:
        row = web_sessions.find_session(session, token, now=now)
        asked = row is not None and handover_requests.asked(session, row.user_id)
    if row is None:
        raise SignInRequired(_back_to(request))
    if web_sessions.needs_touch(row, now=now):
        conn.defer(
            partial(web_sessions.touch, session_id=row.id, now=now, lifetime=lifetime(settings))
        )
        request.state.refresh_session_cookie = token
    viewer = Viewer(user=row.user, csrf_token=row.csrf_token, handover_asked=asked)
    request.state.viewer = viewer
    return viewer


SignedIn = Annotated[Viewer, Depends(get_viewer)]


def check_csrf(
    viewer: SignedIn,
    csrf_token: Annotated[str | None, Form()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> Viewer:
    if not web_sessions.csrf_matches(viewer.csrf_token, csrf_token or x_csrf_token):
        raise PageError(403, "Refused", CSRF_REFUSED)
    return viewer


CsrfChecked = Annotated[Viewer, Depends(check_csrf)]


def _sign(secret: str, nonce: str) -> str:
    return hmac.new(secret.encode(), f"login:{nonce}".encode(), hashlib.sha256).hexdigest()


def new_login_token(secret: str) -> str:
    nonce = secrets.token_urlsafe(24)
    return f"{nonce}.{_sign(secret, nonce)}"


def login_token_valid(secret: str, *, cookie: str | None, form: str | None) -> bool:
    if not cookie or not form or not hmac.compare_digest(cookie.encode(), form.encode()):
        return False
    nonce, _, signature = cookie.partition(".")
    return hmac.compare_digest(signature.encode(), _sign(secret, nonce).encode())
