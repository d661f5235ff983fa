"""The retention review's actions (admins): erase a note of personal context about someone who
left their post, or keep it for another period. The queue itself is
`GET /v1/curation?kind=retention`."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from app.domain import retention
from app.http.deps import CurrentUser, IdPath, SessionDep, SettingsDep
from app.schemas.common import Ref
from app.schemas.curation import KeepRead, KeepRequest

router = APIRouter(prefix="/v1/curation/retention", tags=["curation"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "Admins only."},
    404: {"description": "No such note."},
    409: {"description": "Retention is off, or the note is not due for review."},
}


@router.post("/{note_id}/erase", status_code=status.HTTP_204_NO_CONTENT, responses=_REFUSALS)
def erase_retained_note(
    note_id: IdPath, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> None:
    """Erase a note the retention review lists, for good, as `POST /v1/notes/{id}/erase`
    does; audited as `note.erase` and `retention.erase`."""
    retention.erase(session, user, note_id, days=settings.personal_context_retention_days)


@router.post("/{note_id}/keep", responses=_REFUSALS)
def keep_retained_note(
    note_id: IdPath,
    data: KeepRequest,
    session: SessionDep,
    user: CurrentUser,
    settings: SettingsDep,
) -> KeepRead:
    """Keep a note the retention review lists, saying why: it leaves the queue for another
    retention period, then comes back. Audited as `retention.keep` (without the reason)."""
    decision = retention.keep(
        session,
        user,
        note_id,
        reason=data.reason,
        days=settings.personal_context_retention_days,
    )
    return KeepRead(
        note_id=decision.note_id,
        kept_by=Ref.model_validate(user),
        kept_at=decision.kept_at,
        review_after=decision.review_after,
        reason=decision.reason,
    )
