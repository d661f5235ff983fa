from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from app.schemas.common import Id, Input, Ref, Schema, UTCInput
from app.schemas.notes import Sensitive

MAX_RESULTS = 100  # enough for recall@100 on scripts/eval_external.py


class SearchQuery(Input):
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    account_id: Id | None = None
    contact_id: Id | None = None
    author_id: Id | None = None
    since: UTCInput | None = Field(default=None, description="Observed at or after.")
    until: UTCInput | None = Field(default=None, description="Observed before.")
    limit: int = Field(default=10, ge=1, le=MAX_RESULTS)


class SearchHit(Schema):
    note_id: int
    external_id: str | None
    account: Ref
    author: Ref
    observed_at: datetime
    age_days: int = Field(description="Days since the fact was observed.")
    visibility: str
    sensitive: Sensitive = Field(
        default_factory=list, description="The sensitive facts the note states, as on it."
    )
    snippet: str = Field(description="The best passage, HTML-escaped, matches in <mark>.")
    score: float
    matched: Literal["keyword", "meaning", "both"]
    stale: bool = Field(description="Past its shelf life or flagged for review: ranked lower.")
    superseded: bool = Field(description="Replaced by a newer note: ranked lower.")


class Understood(Schema):
    accounts: list[Ref]
    contacts: list[Ref]
    years: list[int]


class SearchResponse(Schema):
    hits: list[SearchHit]
    took_ms: float
    search_id: int | None
    understood: Understood


class Status(Schema):
    """Counted over the notes the caller may read."""

    database: str
    model: str
    notes: int
    embedded_notes: int
    pending_jobs: int
    failed_jobs: int
