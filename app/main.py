"""The application factory. Nothing happens at import: the database is opened in the lifespan."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from app import web
from app.api import (
    accounts,
    analytics,
    audit,
    briefs,
    curation,
    erasures,
    exports,
    health,
    imports,
    inbound,
    notes,
    search,
    users,
)
from app.config import Settings
from app.db.engine import Database
from app.db.migrate import pending_revisions
from app.domain.retrieval import SearchServices
from app.embedding import get_embedder
from app.http import problems
from app.http.admission import Admission
from app.search.base import SearchIndex
from app.search.postgres import PostgresIndex
from app.search.sqlite import SqliteIndex
from app.worker.embedding import WorkerThread


class SchemaOutOfDate(RuntimeError):
    pass


def open_database(settings: Settings) -> Database:
    db = Database(
        settings.database_url,
        suppression_key=settings.suppression_secret,
        synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    pending = pending_revisions(db.engine)
    if pending:
        db.dispose()
        raise SchemaOutOfDate(
            f"the database schema is {len(pending)} migration(s) behind; run `tacit migrate`"
        )
    return db


def make_search_services(db: Database, settings: Settings) -> SearchServices:
    embedder = get_embedder(settings.embedding_model, settings.torch_threads)
    index: SearchIndex = (
        PostgresIndex(embedder) if db.dialect == "postgresql" else SqliteIndex(embedder.name)
    )
    return SearchServices(index=index, embedder=embedder)


def warm_up(db: Database, services: SearchServices) -> None:
    """Load the model, the topic prototypes and the vector index before the first question
    needs them, so that it does not wait seconds for them."""
    try:
        vector = services.embedder.embed(["warm up"])[0]
        if services.topics is not None:
            services.topics.expand(vector)
        with db.session(write=False) as session:
            services.index.warm(session)
    except Exception:  # warming is an optimisation; a real search reports real errors
        logging.getLogger("tacit").exception("warm-up failed")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = open_database(settings)
        app.state.db = db
        app.state.search = make_search_services(db, settings)
        workers = [
            WorkerThread(db, app.state.search.embedder) for _ in range(settings.worker_threads)
        ]
        for worker in workers:
            worker.start()
        if settings.warm_up:
            threading.Thread(
                target=warm_up, args=(db, app.state.search), name="tacit-warm-up", daemon=True
            ).start()
        try:
            yield
        finally:
            for worker in workers:
                worker.stop()
            db.dispose()

    app = FastAPI(
        title="Tacit",
        version="0.1.0",
        summary="What colleagues know about a customer's people and decision process.",
        lifespan=lifespan,
        # Operation ids are the route functions' names: create_note, list_notes, ...
        generate_unique_id_function=lambda route: route.name,
        dependencies=[Depends(problems.refuse_nul_in_query)],
    )
    app.state.settings = settings
    problems.install(app)
    app.add_middleware(
        problems.BodyLimit,
        max_bytes=settings.max_body_bytes,
        larger={
            inbound.EMAIL_PATH: settings.max_email_bytes,
            imports.IMPORTS_PATH: settings.max_import_bytes,
        },
    )
    # Outermost: a request waits for its turn before anything else is done for it.
    app.add_middleware(
        Admission, limit=settings.max_concurrent_requests, wait_seconds=settings.queue_seconds
    )
    for module in (
        health,
        notes,
        search,
        accounts,
        briefs,
        analytics,
        users,
        exports,
        inbound,
        imports,
        curation,
        audit,
        erasures,
    ):
        app.include_router(module.router)
    web.install(app)
    problems.document(app)
    return app
