from __future__ import annotations

from fastapi import APIRouter

from app.db.base import utcnow
from app.domain import retrieval
from app.domain.status import index_status
from app.http.deps import ConnectionDep, CurrentUser, ReadSessionDep, ServicesDep
from app.http.presenters.search import search_answer, search_groups, search_hit
from app.schemas.common import Ref
from app.schemas.search import SearchQuery, SearchResponse, Status, Understood

router = APIRouter(prefix="/v1", tags=["search"])


@router.post("/search")
def search_notes(
    query: SearchQuery,
    services: ServicesDep,
    session: ReadSessionDep,
    conn: ConnectionDep,
    user: CurrentUser,
) -> SearchResponse:
    """Ask in your own words; get the notes you may read that answer it, best first, and a
    direct answer when the question asks for something the buying-influence map knows."""
    params = retrieval.SearchRequest(**query.model_dump())
    result = retrieval.search(session, services.search, user, params)
    retrieval.record(conn, user, params, result)
    conn.write_deferred()  # now, not after the handler: the answer carries the search's id
    now = utcnow()
    return SearchResponse(
        answer=search_answer(result.answer, now),
        hits=[search_hit(hit, now) for hit in result.hits],
        weak=not result.confident,
        groups=search_groups(result),
        took_ms=result.took_ms,
        search_id=result.search_id,
        understood=Understood(
            accounts=[Ref.model_validate(a) for a in result.accounts],
            contacts=[Ref.model_validate(c) for c in result.contacts],
            years=result.understanding.years,
        ),
    )


@router.get("/status")
def get_status(services: ServicesDep, session: ReadSessionDep, user: CurrentUser) -> Status:
    """The embedding model, and how much of what you may read it has embedded."""
    backend = services.settings.embedding_backend
    return Status(**index_status(session, user, services.embedder.name, backend=backend))
