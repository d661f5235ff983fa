"""Who is calling ``/mcp``: a Tacit API token, checked exactly as the API checks one.

The seam is the SDK's ``TokenVerifier`` protocol (``verify_token(token) -> AccessToken |
None``): ``ApiTokenVerifier`` answers it from Tacit's own tokens (hash, revocation, expiry,
deactivated user, and the same throttled ``last_used_at`` touch as ``app.http.deps``).
``BearerGuard`` is the door in front of the SDK's transport: no token, or one the verifier
refuses, is a problem+json 401 with ``WWW-Authenticate: Bearer``; an accepted token travels to
the tools as the SDK's ``AuthenticatedUser`` in the request's scope.

Adding OAuth 2.1 later means adding, not rewriting: a verifier for the authorization server's
access tokens (the SDK's protocol again, chained after this one), ``resource_metadata=...`` in
the ``WWW-Authenticate`` challenge below, and the protected-resource metadata route
(``mcp.server.auth.routes.create_protected_resource_routes``) beside ``/mcp``.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import anyio.to_thread
from mcp.server.auth.middleware.bearer_auth import AuthenticatedUser
from mcp.server.auth.provider import AccessToken, TokenVerifier
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.authentication import AuthCredentials
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.db.base import utcnow
from app.db.models import TokenScope
from app.db.request import RequestConnection
from app.domain import users
from app.errors import Forbidden, Unauthorized
from app.http.problems import no_receive, problem
from app.http.state import AppState

log = logging.getLogger("tacit.mcp")
CLIENT_ID = "tacit-api-token"


class ApiTokenVerifier:
    """``TokenVerifier`` over Tacit's API tokens. Its ``AccessToken.subject`` is the user's id."""

    def __init__(self, state: AppState) -> None:
        self.state = state

    async def verify_token(self, token: str) -> AccessToken | None:
        # The database work is blocking: a worker thread, as FastAPI runs the API's check.
        return await anyio.to_thread.run_sync(self._verify, token)

    def _verify(self, secret: str) -> AccessToken | None:
        services = self.state.running()
        settings = services.settings
        now = utcnow()
        # A connection of its own, given back before the tool call takes one: one at a time.
        conn = RequestConnection(services.database)
        try:
            try:
                with conn.unit_of_work(write=False) as session:
                    token = users.authenticate(session, secret, now=now)
            except (Unauthorized, Forbidden) as refused:
                log.info("MCP token refused: %s", refused.detail)
                return None
            touch_after = timedelta(seconds=settings.token_touch_seconds)
            if token.last_used_at is None or token.last_used_at < now - touch_after:
                conn.defer(lambda session: users.touch_token(session, token_id=token.id, now=now))
            conn.write_deferred()
        except BaseException:
            conn.abort()
            raise
        finally:
            conn.close()
        expires = int(token.expires_at.timestamp()) if token.expires_at is not None else None
        return AccessToken(
            token=f"token:{token.id}",  # never the secret: it is not needed past this point
            client_id=CLIENT_ID,
            scopes=sorted(token.scopes),  # checked per tool by ``calls.run_tool``
            expires_at=expires,
            subject=str(token.user_id),
        )


class BearerGuard:
    """The ASGI door of ``/mcp``: 401 without a token the verifier accepts, else ``app``."""

    def __init__(self, app: ASGIApp, verifier: TokenVerifier) -> None:
        self.app, self.verifier = app, verifier

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scheme, _, secret = (Headers(scope=scope).get("authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            detail = "send a Tacit API token: Authorization: Bearer tacit_..."
            await _unauthorized(scope, send, detail, challenge="Bearer")
            return
        try:
            access = await self.verifier.verify_token(secret.strip())
        except (OperationalError, PoolTimeout):
            # As the API answers: a busy database is worth a retry, not a 500.
            log.warning("MCP token check: the database is busy or unreachable")
            detail = "the database is busy or unreachable; retry shortly"
            response = problem(Request(scope), 503, "Service unavailable", detail, "unavailable")
            await response(scope, no_receive, send)
            return
        if access is None:
            detail = "the token is not valid: unknown, revoked, expired, or its user deactivated"
            await _unauthorized(scope, send, detail, challenge='Bearer error="invalid_token"')
            return
        # Where the SDK's own bearer middleware puts it: tools read it from the request.
        authorised = {**scope, "user": AuthenticatedUser(access), "auth": AuthCredentials([])}
        await self.app(authorised, receive, send)


async def _unauthorized(scope: Scope, send: Send, detail: str, *, challenge: str) -> None:
    response = problem(Request(scope), 401, "Unauthorized", detail, "unauthorized")
    response.headers["WWW-Authenticate"] = challenge
    await response(scope, no_receive, send)


def caller_scopes(scope: Scope) -> frozenset[TokenScope]:
    """The scopes of the token ``BearerGuard`` let in with (none without one)."""
    user = scope.get("user")
    if isinstance(user, AuthenticatedUser):
        return frozenset(TokenScope(s) for s in user.access_token.scopes)
    return frozenset()


def caller_id(scope: Scope) -> int | None:
    """The user id ``BearerGuard`` let in with, from a request's scope."""
    user = scope.get("user")
    if isinstance(user, AuthenticatedUser) and user.access_token.subject:
        return int(user.access_token.subject)
    return None
