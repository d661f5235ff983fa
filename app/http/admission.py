"""Admission control: at most ``limit`` requests are worked on at once; the rest wait their
turn here, in the event loop, holding neither a thread nor a database connection.

On a small machine the work is CPU-bound (embedding a question, ranking, rendering). Letting
every request in at once gave 40 threads that fought for the interpreter lock and the database
write lock at every step, and throughput fell as clients were added (scripts/load.py: 14
requests/s at 20 clients, 7 at 50, a third of them 503s). Queued here, requests are served in
arrival order at the machine's pace. One that waits longer than ``wait_seconds`` is answered
503 with ``Retry-After``: shedding load beats answering after the client has given up.
Health checks are never queued, so an orchestrator sees a busy server as alive and ready.
"""

from __future__ import annotations

import asyncio

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.problems import no_receive, problem

UNQUEUED = frozenset({"/livez", "/readyz", "/metrics"})  # health checks and the scraper


class Admission:
    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app, self.limit, self.wait_seconds = app, limit, wait_seconds
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        # A semaphore belongs to one event loop; a test client may run the app in several.
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:
            self._slots, self._loop = asyncio.Semaphore(self.limit), loop
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNQUEUED:
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        try:
            async with asyncio.timeout(self.wait_seconds):
                await slots.acquire()
        except TimeoutError:
            detail = "the server is at capacity; retry shortly"
            request = Request(scope)
            response = problem(request, 503, "Service unavailable", detail, "unavailable")
            await response(scope, no_receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()
