"""Per request: an id, one log line, and the metrics; per scrape: the gauges read live.

The id is the caller's ``X-Request-ID`` when it is a plain token of at most 128 characters
(a proxy's or a client's, so that their logs and ours join), else a new one; it is sent back
on every answer and carried by every log line written while the request is served. The line
and the metrics name the route's template (``/v1/notes/{note_id}``), never the path or the
query: a path may hold an e-mail address, a query a question about a customer.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import datetime

from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.db.base import utcnow
from app.db.engine import Database
from app.db.models import DeliveryStatus, EmbeddingJob, WebhookDelivery
from app.search.indexing import MAX_ATTEMPTS
from app.telemetry.logs import bind_request, unbind_request
from app.telemetry.metrics import REQUEST_SECONDS, REQUESTS

log = logging.getLogger("tacit.http")
_CALLER_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
UNMATCHED = "unmatched"  # a path no route serves: one label, whatever was asked


def request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = str(value.decode("latin-1"))
            if _CALLER_ID.fullmatch(given):
                return given
    return uuid.uuid4().hex


def route_template(scope: Scope) -> str:
    path = getattr(scope.get("route"), "path", None)
    return str(path) if path else UNMATCHED


class Telemetry:
    """Outermost middleware: it sees every answer, the 429s and 503s included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = request_id(scope)
        bind_request(rid)
        status = 500  # what the client gets if the app dies before answering

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)["X-Request-ID"] = rid
            await send(message)

        started = time.perf_counter()
        try:
            await self.app(scope, receive, sending)
        finally:
            took = time.perf_counter() - started
            method, route = scope["method"], route_template(scope)
            REQUESTS.labels(method, route, str(status)).inc()
            REQUEST_SECONDS.labels(method, route).observe(took)
            log.info(
                "request",
                extra={"method": method, "route": route, "status": status,
                       "duration_ms": round(took * 1000, 1)},
            )  # fmt: skip
            unbind_request()


def exposition(session: Session, db: Database, now: datetime | None = None) -> bytes:
    """The process's metrics, then the gauges read now: the embedding queue (depth, the
    oldest job's age, jobs that keep failing), webhook deliveries waiting, the pool."""
    now = now or utcnow()
    live = CollectorRegistry()

    def gauge(name: str, doc: str, value: float, **labels: str) -> None:
        metric = Gauge(name, doc, list(labels), registry=live)
        (metric.labels(**labels) if labels else metric).set(value)

    jobs, oldest = session.execute(select(func.count(), func.min(EmbeddingJob.created_at))).one()
    failing = session.scalar(select(func.count()).where(EmbeddingJob.attempts >= MAX_ATTEMPTS))
    waiting = session.scalar(
        select(func.count()).where(WebhookDelivery.status == DeliveryStatus.pending)
    )
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    gauge("tacit_embedding_queue_jobs", "Notes waiting to be embedded.", jobs or 0)
    gauge("tacit_embedding_queue_oldest_seconds", "Age of the oldest waiting job.", max(age, 0))
    gauge("tacit_embedding_failing_jobs", "Jobs that failed every attempt.", failing or 0)
    gauge("tacit_webhook_deliveries_pending", "Webhook deliveries not sent yet.", waiting or 0)
    pool = db.engine.pool
    checked_out = getattr(pool, "checkedout", lambda: 0)()
    gauge("tacit_db_pool_connections_in_use", "Pooled connections lent out now.", checked_out)
    gauge("tacit_db_pool_size", "Connections the pool keeps.", getattr(pool, "size", lambda: 0)())
    return generate_latest(REGISTRY) + generate_latest(live)
