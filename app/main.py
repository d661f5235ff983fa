"""The application factory. Nothing happens at import: the database is opened in the lifespan."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import Depends, FastAPI

from app import mcp, web
from app.api import (
    accounts,
    analytics,
    audit,
    briefs,
    calendar,
    curation,
    docs,
    erasures,
    exports,
    handover,
    health,
    imports,
    inbound,
    influence,
    metrics,
    notes,
    retention,
    search,
    subject_access,
    users,
    webhooks,
    who_knows,
)
from app.config import Settings
from app.http import openapi, problems
from app.http.admission import Admission
from app.http.rate_limits import Limits, RateLimits
from app.http.state import install_state
from app.http.telemetry import Telemetry
from app.integrations import slack
from app.integrations.slack.briefs import brief_sender
from app.services import Services, open_services
from app.worker.backups import backup_thread
from app.worker.calendar import calendar_thread
from app.worker.embedding import embedding_thread
from app.worker.loop import LoopThread
from app.worker.webhooks import webhook_thread


def create_app(settings: Settings | None = None, *, services: Services | None = None) -> FastAPI:
    """The app. It builds its services as it starts and closes them as it stops, unless given
    ``services`` (``tacit serve`` builds them first, to report a stale schema as a command
    error); those stay their builder's to close."""
    settings = settings or (services.settings if services is not None else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        running = services or open_services(settings)
        state.services = running
        workers: list[LoopThread] = [
            embedding_thread(running) for _ in range(settings.worker_threads)
        ]
        workers += [webhook_thread(running) for _ in range(settings.webhook_workers)]
        workers += [
            calendar_thread(running, slack=brief_sender(settings))
            for _ in range(settings.calendar_workers)
        ]
        if settings.backup_dir is not None and settings.worker_threads:
            workers.append(backup_thread(running.database, settings))
        for worker in workers:
            worker.start()
        if settings.warm_up:
            threading.Thread(target=running.warm_up, name="tacit-warm-up", daemon=True).start()
        try:
            async with AsyncExitStack() as serving:
                if mcp_endpoint is not None:
                    await serving.enter_async_context(mcp_endpoint.running())
                yield
        finally:
            for worker in workers:
                worker.stop()
            state.services = None
            if services is None:
                running.close()

    app = FastAPI(
        title="Tacit",
        version="0.1.0",
        summary="What colleagues know about a customer's people and decision process.",
        lifespan=lifespan,
        # Served by app.api.docs from local files instead (FastAPI's pages use a CDN).
        docs_url=None,
        redoc_url=None,
        # Operation ids are the route functions' names: create_note, list_notes, ...
        generate_unique_id_function=lambda route: route.name,
        dependencies=[Depends(problems.refuse_nul_in_query)],
    )
    state = install_state(app, settings)
    problems.install(app)
    app.add_middleware(
        problems.BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={
            inbound.EMAIL_PATH: settings.max_email_bytes,
            imports.IMPORTS_PATH: settings.max_import_bytes,
        },
    )
    app.add_middleware(
        Admission, limit=settings.max_concurrent_requests, wait_seconds=settings.queue_seconds
    )
    # A caller over its share is answered at once, without waiting in line.
    if (table := settings.rate_limit_table) is not None:
        app.add_middleware(RateLimits, limits=Limits.of(table))
    # Outermost: every answer gets its id, its log line and its metrics, refusals included.
    app.add_middleware(Telemetry)
    for module in (
        health,
        metrics,
        notes,
        search,
        accounts,
        briefs,
        calendar,
        influence,
        analytics,
        users,
        handover,
        exports,
        inbound,
        imports,
        curation,
        audit,
        erasures,
        subject_access,
        retention,
        who_knows,
        webhooks,
        slack,
    ):
        app.include_router(module.router)
    docs.install(app)
    web.install(app)
    mcp_endpoint = mcp.install(app, state) if settings.mcp_enabled else None
    openapi.document(app, departure_rule=settings.private_notes_on_departure)
    return app
