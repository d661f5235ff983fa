"""What a Tacit process works with, built once by ``open_services``: the settings, the database,
the embedder, the search index and the vocabulary of names. The app (``create_app``), the CLI
and the embedding worker all build theirs here, so that the three run on the same parts, chosen
the same way, and none of them asks which database it is on.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from app.config import Settings
from app.db.engine import Database
from app.db.migrate import pending_revisions, upgrade
from app.domain.retrieval import SearchServices
from app.domain.sensitivity import check_stored
from app.embedding import get_embedder
from app.embedding.base import Embedder
from app.search.base import SearchIndex
from app.search.factory import open_index
from app.search.query import Vocabulary


class SchemaOutOfDate(RuntimeError):
    pass


@dataclass(frozen=True, kw_only=True)
class Services:
    """One per process. ``search`` is the part a search needs (``app.domain.retrieval``); the
    embedder, index and vocabulary are its own, so there is one of each."""

    settings: Settings
    database: Database
    search: SearchServices
    # The embedding workers' model: the same as the questions' on torch (whose threads are the
    # process's), a session of its own with more threads on ONNX Runtime.
    worker_embedder: Embedder

    @property
    def embedder(self) -> Embedder:
        return self.search.embedder

    @property
    def index(self) -> SearchIndex:
        return self.search.index

    @property
    def vocabulary(self) -> Vocabulary:
        return self.search.vocabulary

    def warm_up(self) -> None:
        """Load the model, the topic prototypes and the vector index before the first question
        needs them, so that it does not wait seconds for them."""
        try:
            vector = self.embedder.embed(["warm up"])[0]
            if self.search.topics is not None:
                self.search.topics.expand(vector, pull=self.search.weights.pull)
            with self.database.session(write=False) as session:
                self.index.warm(session)
        except Exception:  # warming is an optimisation; a real search reports real errors
            logging.getLogger("tacit").exception("warm-up failed")

    def close(self) -> None:
        self.database.dispose()


def open_services(settings: Settings, *, migrate_embedded: bool = False) -> Services:
    """The services of ``settings``. A database whose schema is behind is refused
    (``SchemaOutOfDate``), unless ``migrate_embedded`` and it is embedded (SQLite): the CLI's
    commands then bring it up to date, so a fresh install needs no extra step. Nothing is
    loaded yet: the model on first use, the vector index on first search or warm-up."""
    database = Database(
        settings.database_url,
        suppression_key=settings.suppression_secret,
        synchronous=settings.sqlite_synchronous,
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_max_overflow,
        pool_timeout=settings.db_pool_timeout,
    )
    try:
        pending = pending_revisions(database.engine)
        if pending and migrate_embedded and database.embedded:
            upgrade(database.engine)
            with database.unit_of_work() as session:  # notes from before detection
                check_stored(session, settings.sensitive_categories)
        elif pending:
            raise SchemaOutOfDate(
                f"the database schema is {len(pending)} migration(s) behind; "
                "run `tacit migrate` first"
            )
        model, backend = settings.embedding_model, settings.embedding_backend
        cache = settings.embedding_cache_dir
        embedder = get_embedder(model, settings.torch_threads, backend, cache)
        worker_embedder = (
            embedder
            if backend == "torch"
            else get_embedder(model, settings.worker_model_threads, backend, cache)
        )
        index = open_index(database, embedder)
    except BaseException:
        database.dispose()
        raise
    return Services(
        settings=settings,
        database=database,
        search=SearchServices(index=index, embedder=embedder),
        worker_embedder=worker_embedder,
    )
