"""When someone leaves: what Tacit would lose (their manager's or an admin's report) and the
leaver's own bulk share of their private notes, one account at a time."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.db.base import utcnow
from app.db.models import HandoverSuccession, Visibility
from app.domain import handover, handover_requests, successions
from app.http.deps import AdminUser, CurrentUser, IdPath, ReadSessionDep, SessionDep, SettingsDep
from app.http.presenters.handover import handover_read
from app.schemas.handover import (
    HandoverAsked,
    HandoverRead,
    HandoverShare,
    HandoverShared,
    SuccessionRead,
    SuccessorSet,
)

router = APIRouter(prefix="/v1", tags=["handover"])
NOT_YOURS: dict[int | str, dict[str, Any]] = {
    403: {"description": "You are neither an admin nor a manager of the user's team."},
    404: {"description": "No such user."},
}


@router.get("/users/{user_id}/handover", responses=NOT_YOURS)
def get_handover(
    user_id: IdPath, session: ReadSessionDep, viewer: CurrentUser, settings: SettingsDep
) -> HandoverRead:
    """Admins and the user's manager: per account the user wrote on, how many of their notes
    are private, team and company (counts, never text), whether they are its only source, the
    stale facts only they can verify; and the contacts only they documented."""
    report = handover.handover_report(session, viewer, user_id, now=utcnow())
    return handover_read(report, departure_rule=settings.private_notes_on_departure)


@router.post("/me/handover/share")
def share_private_notes(
    data: HandoverShare, session: SessionDep, user: CurrentUser
) -> HandoverShared:
    """Share every private note of yours on one account with your team or the company, in one
    action (each note a new version; audited as `handover.share`). Only your own notes."""
    shared = handover.share_private_notes(
        session, user, account_id=data.account_id, visibility=Visibility(data.visibility)
    )
    return HandoverShared(account_id=data.account_id, visibility=data.visibility, shared=shared)


def _succession(row: HandoverSuccession) -> SuccessionRead:
    return SuccessionRead(
        account_id=row.account_id,
        user_id=row.user_id,
        successor_id=row.successor_id,
        named_at=row.created_at,
        brief=row.status,
        brief_url=f"/v1/accounts/{row.account_id}/brief",
    )


@router.put("/users/{user_id}/handover/successors", responses=NOT_YOURS)
def name_successor(
    user_id: IdPath, data: SuccessorSet, session: SessionDep, admin: AdminUser
) -> SuccessionRead:
    """Admins: name who takes one of the user's accounts over (replacing any earlier choice).
    The successor is e-mailed a handover brief (the account brief as they may read it);
    audited as `handover.successor`, emitted as `account.handover`."""
    row = successions.name_successor(
        session,
        admin,
        user_id,
        account_id=data.account_id,
        successor_id=data.successor_id,
        now=utcnow(),
    )
    return _succession(row)


@router.get("/users/{user_id}/handover/successors", responses=NOT_YOURS)
def list_successors(
    user_id: IdPath, session: ReadSessionDep, viewer: CurrentUser
) -> list[SuccessionRead]:
    """Admins and the user's manager: the successors named for the user's accounts, and
    whether each handover brief was sent."""
    handover.ensure_can_see(session, viewer, user_id)
    return [_succession(row) for row in successions.successions_of(session, user_id)]


@router.post("/users/{user_id}/handover/request", responses=NOT_YOURS)
def ask_to_share(user_id: IdPath, session: SessionDep, admin: AdminUser) -> HandoverAsked:
    """Admins, before deactivating someone: ask them to review and share their private notes.
    They see a banner on the web page (while they hold private notes) and get an e-mail
    listing their private notes per account, with the page that shares them; audited as
    `handover.request`. Asking again sends again. `409` for a user already deactivated."""
    row = handover_requests.ask(session, admin, user_id, now=utcnow())
    return HandoverAsked(user_id=row.user_id, asked_at=row.created_at, email=row.status)


@router.get("/me/handovers")
def list_my_handovers(session: ReadSessionDep, user: CurrentUser) -> list[SuccessionRead]:
    """The accounts handed over to you, newest first, each with its handover brief (the
    account brief at `brief_url`, from the notes you may read)."""
    return [_succession(row) for row in successions.handed_to(session, user)]
