"""Rate limits: per API token (or web session) and per client address, by kind of route.

One script must not starve everyone: a loop of searches or a runaway import is answered
``429`` (problem+json, with ``Retry-After``) once its caller has used its share, while other
callers go on. Two limits apply to each request:

- its caller's, keyed by the credential it presents (an API token or the web session cookie,
  as a hash: the middleware runs before authentication and never keeps a secret), per kind of
  route (``CLASSES``); a request without a credential is keyed by its address instead;
- its address's, over every kind, a ceiling high enough for an office behind one address, so
  that inventing a new token for each request does not escape the limits.

The kinds are ``search``, ``writes``, ``imports``, ``sign_in`` (per address only: nobody has a
credential yet) and ``reads``; their defaults are ``app.config.RATE_LIMITS``, changed with
``TACIT_RATE_LIMITS``. Counts are kept with ``limits`` (moving windows, in memory): each API
process counts its own requests, so N processes behind one address allow up to N times the
limits (README, "Rate limits").
Limits are applied outside admission control: a request refused here never waits in line.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from fastapi import Request
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.admission import UNQUEUED
from app.http.problems import no_receive, problem

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_COOKIE = b"tacit_session"  # app.web.pages.SESSION_COOKIE (a layer above this one)


@dataclass(frozen=True)
class Limits:
    per_class: dict[str, RateLimitItem]
    address: RateLimitItem

    @classmethod
    def of(cls, table: dict[str, str]) -> Limits:
        """From ``Settings.rate_limit_table``: each kind's N/period, and the address's."""
        items = {name: parse(value) for name, value in table.items()}
        return cls(per_class=items, address=items.pop("address"))


def route_class(method: str, path: str, query: bytes = b"") -> str:
    if path == "/login" and method == "POST":
        return "sign_in"
    if path.startswith("/v1/imports") and method == "POST":
        return "imports"
    if path == "/v1/search" or (path == "/" and b"q=" in query):  # the API's, the page's
        return "search"
    return "writes" if method in WRITES else "reads"


def _credential(scope: Scope) -> str | None:
    """A hash of the token or session cookie the request presents, if any."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization" and value[:7].lower() == b"bearer ":
            return hashlib.sha256(value[7:].strip()).hexdigest()[:32]
        if name == b"cookie":
            for pair in value.split(b";"):
                key, _, cookie = pair.strip().partition(b"=")
                if key == SESSION_COOKIE and cookie:
                    return hashlib.sha256(cookie).hexdigest()[:32]
    return None


class RateLimits:
    def __init__(self, app: ASGIApp, *, limits: Limits) -> None:
        self.app, self.limits = app, limits
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNQUEUED:
            await self.app(scope, receive, send)
            return
        kind = route_class(scope["method"], scope["path"], scope.get("query_string", b""))
        address = scope["client"][0] if scope.get("client") else "unknown"
        caller = None if kind == "sign_in" else _credential(scope)
        checks = [
            (self.limits.address, ("address", address)),
            (self.limits.per_class[kind], (kind, caller or f"address:{address}")),
        ]
        for item, key in checks:
            if not self.limiter.hit(item, *key):
                await self._refuse(scope, send, item, key, kind)
                return
        await self.app(scope, receive, send)

    async def _refuse(
        self, scope: Scope, send: Send, item: RateLimitItem, key: tuple[str, str], kind: str
    ) -> None:
        stats = self.limiter.get_window_stats(item, *key)
        wait = max(1, math.ceil(stats.reset_time - time.time()))
        whose = "this address" if key[0] == "address" else "this caller"
        detail = (
            f"too many requests from {whose}: at most {item.amount} per "
            f"{_period(item)} ({kind.replace('_', ' ')}); retry in {wait} s"
        )
        response = problem(
            Request(scope), 429, "Too many requests", detail, "rate-limited", retry_after=wait
        )
        response.headers["Retry-After"] = str(wait)
        await response(scope, no_receive, send)


def _period(item: RateLimitItem) -> str:
    seconds = item.get_expiry()
    for unit, length in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if seconds % length == 0:
            count = seconds // length
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} s"
