"""Search hits (``app.domain.retrieval``) as schemas, for the API and the MCP server."""

from __future__ import annotations

from datetime import datetime

from app.domain.retrieval import Hit
from app.schemas.common import Ref
from app.schemas.search import SearchHit


def search_hit(hit: Hit, now: datetime) -> SearchHit:
    return SearchHit(
        note_id=hit.note.id,
        external_id=hit.note.external_id,
        account=Ref.model_validate(hit.note.account),
        author=Ref.model_validate(hit.note.author),
        observed_at=hit.note.observed_at,
        age_days=(now - hit.note.observed_at).days,
        visibility=hit.note.visibility.value,
        sensitive=hit.note.sensitive or [],
        snippet=hit.snippet,
        score=hit.score,
        matched=hit.matched,
        stale=hit.note.stale,
        superseded=hit.note.superseded_by_id is not None,
    )
