"""Every error leaves as RFC 9457 problem+json; nothing else is ever sent for a failure."""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import AppError, Invalid
from app.http.telemetry import route_template
from app.schemas.common import NUL_REFUSED

log = logging.getLogger("tacit.api")
PROBLEM_TYPE_BASE = "https://tacit.dev/problems/"
RETRY_AFTER_SECONDS = "1"
# SQLite's and PostgreSQL's words for a statement beyond their limits (variables, depth).
_TOO_LARGE = re.compile(
    r"too many SQL variables|expression tree is too large|parser stack overflow"
    r"|too many terms in compound|stack depth limit exceeded|statement is too complex",
    re.IGNORECASE,
)


def problem(
    request: Request, status: int, title: str, detail: str, slug: str, **extensions: Any
) -> JSONResponse:
    body = {
        "type": PROBLEM_TYPE_BASE + slug,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    headers = None
    if status == 401:
        headers = {"WWW-Authenticate": "Bearer"}
    elif status == 503:
        headers = {"Retry-After": RETRY_AFTER_SECONDS}
    return JSONResponse(
        body, status_code=status, media_type="application/problem+json", headers=headers
    )


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "location": [str(p) for p in err.get("loc", ())],
            "message": err.get("msg", ""),
            "type": err.get("type", ""),
        }
        for err in exc.errors()
    ]


def install(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return problem(request, exc.status, exc.title, exc.detail, exc.type_slug, **exc.extensions)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = _validation_errors(exc)
        first = errors[0] if errors else {"location": [], "message": "invalid request", "type": ""}
        where = ".".join(first["location"][1:]) or "request"
        if first["type"] == "json_invalid":
            detail = f"the body is not valid JSON (near character {where})"
        else:
            detail = f"{where}: {first['message']}"
        if len(errors) > 1:
            detail += f" (and {len(errors) - 1} more)"
        return problem(request, 422, "Invalid request", detail, "validation", errors=errors)

    @app.exception_handler(HTTPException)
    def _http(request: Request, exc: HTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 413: "Payload too large"}
        return problem(
            request,
            exc.status_code,
            titles.get(exc.status_code, "Error"),
            str(exc.detail),
            f"http-{exc.status_code}",
        )

    @app.exception_handler(IntegrityError)
    def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        # Domain checks catch the expected conflicts; this is a concurrent twin that won a race.
        log.info("integrity error on %s: %s", route_template(request.scope), _db_error(exc))
        return problem(
            request,
            409,
            "Conflict",
            "the change conflicts with data written at the same time; retry",
            "conflict",
        )

    @app.exception_handler(DataError)
    def _data(request: Request, exc: DataError) -> JSONResponse:
        # Validation at the edge should have caught it (a number or time out of the column's
        # range, a NUL character); still the client's input, not the server's fault.
        log.warning("data error on %s: %s", route_template(request.scope), _db_error(exc))
        return problem(
            request, 422, "Invalid request", "a value is out of range for its field", "invalid"
        )

    @app.exception_handler(OperationalError)
    def _operational(request: Request, exc: OperationalError) -> JSONResponse:
        if _TOO_LARGE.search(str(exc.orig)):
            # A request too large for the database to evaluate is the request's fault: asking
            # again will not help, as it would after "database is locked".
            log.warning(
                "request too large for the database on %s: %s",
                route_template(request.scope),
                _db_error(exc),
            )
            return problem(
                request,
                422,
                "Invalid request",
                "the request names too many things at once; send fewer",
                "invalid",
            )
        log.warning("database unavailable on %s: %s", route_template(request.scope), _db_error(exc))
        return problem(
            request,
            503,
            "Service unavailable",
            "the database is busy or unreachable; retry shortly",
            "unavailable",
        )

    @app.exception_handler(PoolTimeout)
    def _pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        # Every pooled connection stayed busy for TACIT_DB_POOL_TIMEOUT: answer at once rather
        # than queue more work behind a saturated server.
        log.warning("no database connection free for %s", route_template(request.scope))
        return problem(
            request,
            503,
            "Service unavailable",
            "the server is at capacity; retry shortly",
            "unavailable",
        )

    @app.exception_handler(Exception)
    def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error(
            "unhandled error on %s %s",
            request.method,
            route_template(request.scope),
            exc_info=exc,
        )
        return problem(
            request,
            500,
            "Internal error",
            "an unexpected error occurred; it has been logged",
            "internal",
        )


def refuse_nul_in_query(request: Request) -> None:
    """A dependency of every route: no NUL character in a query parameter. PostgreSQL refuses
    one in any text (a 500 there) while SQLite would search for it; bodies are checked by
    their schemas (``app.schemas.common.Input``)."""
    for name, value in request.query_params.multi_items():
        if "\x00" in name or "\x00" in value:
            where = name.replace("\x00", "\\u0000")
            raise Invalid(
                f"{where}: {NUL_REFUSED}",
                errors=[{"location": ["query", where], "message": NUL_REFUSED, "type": "nul"}],
            )


class BodyLimit:
    """Refuses request bodies over ``max_bytes`` with 413, whether announced or streamed;
    ``larger`` gives paths of their own limit (``{"/v1/inbound/email": 40 MiB}``)."""

    def __init__(self, app: ASGIApp, max_bytes: int, larger: dict[str, int] | None = None) -> None:
        self.app, self.max_bytes, self.larger = app, max_bytes, larger or {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.max_bytes)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await self._reject(scope, send, limit)
            return
        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > limit:
                # An HTTPException, because FastAPI turns any other error raised while it
                # reads the body into a 400.
                raise HTTPException(413, self._detail(scope, limit))
            return message

        await self.app(scope, limited_receive, send)

    def _detail(self, scope: Scope, limit: int) -> str:
        where = f" on {scope['path']}" if scope["path"] in self.larger else ""
        return f"request bodies are limited to {limit} bytes{where}"

    async def _reject(self, scope: Scope, send: Send, limit: int) -> None:
        detail = self._detail(scope, limit)
        response = problem(Request(scope), 413, "Payload too large", detail, "http-413")
        await response(scope, no_receive, send)


async def no_receive() -> Message:
    return {"type": "http.disconnect"}


def _db_error(exc: DBAPIError) -> str:
    """What went wrong in the database, without the values: PostgreSQL's messages quote the
    row ("Key (email)=(jill@...) already exists"), so only its code and constraint are kept;
    SQLite's name columns and limits, never values."""
    orig = exc.orig
    diag = getattr(orig, "diag", None)
    if diag is not None:
        return f"{type(orig).__name__} sqlstate={getattr(orig, 'sqlstate', None)} " + (
            f"constraint={diag.constraint_name}"
        )
    return f"{type(orig).__name__}: {orig}"
