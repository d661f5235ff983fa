"""One tool call: its caller, its unit of work on one connection, and its answer.

A call runs as a request of the API does (``app.http.deps``), in a worker thread the SDK gives
a blocking tool: the caller is loaded in a short transaction, an idempotency claim may commit
next, then the unit of work runs and commits; the side writes that read paths buffer (search
log, impressions, views: what makes reuse through an assistant count) are written after it,
and the connection is given back before the answer leaves. The token check before the call
(``auth.ApiTokenVerifier``) gave its connection back already: a call holds one at a time.

Every failure is an MCP tool error (``isError``), never a protocol error or a traceback: the
domain's ``AppError`` with its problem fields, invalid input naming its fields, a busy
database as "retry shortly", anything else as logged.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import Context
from mcp_types import CallToolResult, TextContent
from pydantic import ValidationError
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session
from starlette.requests import Request

from app.config import Settings
from app.db.models import TokenScope, User
from app.db.request import RequestConnection
from app.domain.token_scopes import ensure_scope
from app.errors import AppError, Unauthorized
from app.http.problems import PROBLEM_TYPE_BASE
from app.http.state import AppState
from app.mcp.auth import caller_id, caller_scopes
from app.services import Services

log = logging.getLogger("tacit.mcp")
Payload = dict[str, Any]


@dataclass
class Call:
    """What a tool's work gets: the caller, the app's services, the request's connection and,
    on first use, the unit of work."""

    services: Services
    conn: RequestConnection
    user: User
    base_url: str
    write: bool
    _session: Session | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        return self.services.settings

    @property
    def session(self) -> Session:
        """The unit of work, begun on first use: after any idempotency claim has committed."""
        if self._session is None:
            self._session = self.conn.session(write=self.write)
        return self._session

    def note_url(self, note_id: int) -> str:
        """The note's web page, for an assistant to cite."""
        return f"{self.base_url}/notes/{note_id}"


def _request(ctx: Context) -> Request:
    request = ctx.request_context.request
    if not isinstance(request, Request):
        raise Unauthorized("this server answers MCP over HTTP only, with an API token")
    return request


@contextmanager
def _call(state: AppState, ctx: Context, *, write: bool) -> Iterator[Call]:
    request = _request(ctx)
    user_id = caller_id(request.scope)
    if user_id is None:
        raise Unauthorized("send a Tacit API token: Authorization: Bearer tacit_...")
    # As the API's routes: a tool that adds needs `write`, one that only reads `read`.
    ensure_scope(caller_scopes(request.scope), TokenScope.write if write else TokenScope.read)
    services = state.running()
    conn = RequestConnection(services.database)
    try:
        with conn.unit_of_work(write=False) as session:
            user = session.get(User, user_id)
        if user is None or not user.is_active:
            raise Unauthorized("this user is deactivated")
        base = (services.settings.public_url or str(request.base_url)).rstrip("/")
        yield Call(services, conn, user, base, write)
        conn.write_deferred()
    except BaseException:
        conn.abort()
        raise
    finally:
        conn.close()


def run_tool(
    state: AppState, ctx: Context, work: Callable[[Call], Payload], *, write: bool = False
) -> CallToolResult:
    """``work`` as ``ctx``'s caller, in a unit of work that commits before the answer."""
    try:
        with _call(state, ctx, write=write) as call:
            payload = work(call)
    except AppError as exc:
        return failure(exc.status, exc.title, exc.detail, exc.type_slug, **exc.extensions)
    except ValidationError as exc:
        return invalid_input(exc)
    except (OperationalError, PoolTimeout):
        log.warning("MCP tool call: the database is busy or unreachable", exc_info=True)
        detail = "the database is busy or unreachable; retry shortly"
        return failure(503, "Service unavailable", detail, "unavailable")
    except (IntegrityError, DataError) as exc:
        log.warning("MCP tool call refused by the database: %s", exc.orig)
        detail = "the input conflicts with what is stored or is out of range; check it"
        return failure(422, "Unprocessable content", detail, "invalid")
    except Exception:
        log.exception("MCP tool call failed")
        detail = "an unexpected error occurred; it has been logged"
        return failure(500, "Internal error", detail, "internal")
    return answer(payload)


def answer(payload: Payload) -> CallToolResult:
    """The result as structured content, and as JSON text for clients that read only text."""
    text = json.dumps(payload, ensure_ascii=False, default=str)
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=payload)


def failure(status: int, title: str, detail: str, slug: str, **extensions: Any) -> CallToolResult:
    """A tool error carrying the API's problem fields; its text says what to do about it."""
    problem = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        **extensions,
    }
    text = f"{title}: {detail}"
    return CallToolResult(
        content=[TextContent(type="text", text=text)], structured_content=problem, is_error=True
    )


# The schemas' field names, as the tools call them.
_ARGUMENT = {"q": "query", "account_id": "account", "contact_id": "contact"}


def invalid_input(exc: ValidationError) -> CallToolResult:
    errors = [
        {
            "location": [_ARGUMENT.get(str(part), str(part)) for part in error["loc"]],
            "message": error["msg"],
        }
        for error in exc.errors(include_url=False)
    ]
    listed = "; ".join(f"{'.'.join(e['location']) or 'input'}: {e['message']}" for e in errors)
    return failure(422, "Unprocessable content", listed, "invalid", errors=errors)
