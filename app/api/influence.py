"""The buying influences as a map: each contact's record, the account's map and red flags,
and people's decisions on the records' values (``app.domain.influence``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.domain.influence import decisions, records, red_flags
from app.http.deps import CurrentUser, IdPath, SessionDep, SettingsDep
from app.http.presenters.influence import (
    account_influence_map,
    account_red_flags,
    influence_read,
    red_flag_read,
)
from app.schemas.common import Ref
from app.schemas.influence import (
    AccountInfluenceMap,
    AccountRedFlags,
    InfluenceDecisionCreate,
    InfluenceRead,
    InfluenceReviewRead,
    InfluenceUpdate,
)

router = APIRouter(prefix="/v1", tags=["influence"])

ObjectiveQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="The sales objective the record is kept for; none: the person in general.",
    ),
]
NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"description": "No such contact or account."}}


@router.get("/contacts/{contact_id}/influence", responses=NOT_FOUND)
def get_contact_influence(
    contact_id: IdPath, session: SessionDep, user: CurrentUser, objective: ObjectiveQuery = None
) -> InfluenceRead:
    """The contact's influence record: each field's confirmed values (who, when, evidence,
    stale) and what the notes you may read suggest, and who covers the person."""
    objective = records.clean_objective(objective)
    return influence_read(records.contact_influence(session, user, contact_id, objective=objective))


@router.get("/accounts/{account_id}/influence", responses=NOT_FOUND)
def get_account_influence(
    account_id: IdPath, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> AccountInfluenceMap:
    """Every contact of the account with their record, and the account's red flags."""
    view = red_flags.account_view(session, user, account_id, coverage_days=settings.coverage_days)
    return account_influence_map(view)


@router.get("/accounts/{account_id}/red-flags", responses=NOT_FOUND)
def get_account_red_flags(
    account_id: IdPath, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> AccountRedFlags:
    """What is wrong with the account's influence map, in words, from what you may read."""
    view = red_flags.account_view(session, user, account_id, coverage_days=settings.coverage_days)
    return account_red_flags(view)


@router.patch("/contacts/{contact_id}/influence", responses=NOT_FOUND)
def update_contact_influence(
    contact_id: IdPath,
    data: InfluenceUpdate,
    session: SessionDep,
    user: CurrentUser,
    objective: ObjectiveQuery = None,
) -> InfluenceRead:
    """Set the record's values by hand: only the fields sent change; null clears a field of
    one value, [] a list. Roles are a manager's or admin's (403 for a rep)."""
    objective = records.clean_objective(objective)
    decisions.edit(
        session,
        user,
        contact_id=contact_id,
        objective=objective,
        changes=data.model_dump(exclude_unset=True),
    )
    return influence_read(records.contact_influence(session, user, contact_id, objective=objective))


@router.post("/contacts/{contact_id}/influence/decisions", responses=NOT_FOUND)
def decide_contact_influence(
    contact_id: IdPath,
    data: InfluenceDecisionCreate,
    session: SessionDep,
    user: CurrentUser,
    objective: ObjectiveQuery = None,
) -> InfluenceRead:
    """Confirm a value of a field (a suggestion, or one you vouch for, citing sentences of
    notes you may read), or reject a suggestion so that it is not made again."""
    objective = records.clean_objective(objective)
    decisions.decide(
        session,
        user,
        contact_id=contact_id,
        objective=objective,
        field=data.field,
        value=data.value,
        confirm=data.decision == "confirm",
        evidence=[(e.note_id, e.sentence) for e in data.evidence],
        reason=data.reason,
    )
    return influence_read(records.contact_influence(session, user, contact_id, objective=objective))


@router.post("/accounts/{account_id}/influence/review", responses=NOT_FOUND)
def review_account_influence(
    account_id: IdPath, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> InfluenceReviewRead:
    """Mark the account's map reviewed: new players are counted from now."""
    decisions.review(session, user, account_id)
    view = red_flags.account_view(session, user, account_id, coverage_days=settings.coverage_days)
    return InfluenceReviewRead(
        account=Ref.model_validate(view.map.account),
        reviewed_at=view.map.reviewed_at or view.map.generated_at,
        red_flags=[red_flag_read(f) for f in view.red_flags],
    )
