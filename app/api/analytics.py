from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Team, User
from app.db.request import SideWrites
from app.domain import analytics, users
from app.domain.influence import red_flags
from app.errors import Invalid
from app.http.deps import ConnectionDep, CurrentUser, ReadSessionDep, SettingsDep
from app.http.presenters.analytics import contribution_report, coverage_row, exported_csv
from app.schemas.analytics import Contributions, CoverageReport
from app.schemas.common import UTCInput
from app.schemas.influence import RedFlagCode

router = APIRouter(prefix="/v1/analytics", tags=["analytics"])

Since = Annotated[
    UTCInput | None, Query(description="Start of the period (default: until minus 90 days).")
]
Until = Annotated[
    UTCInput | None, Query(description="End of the period, exclusive (default: now).")
]
TeamParam = Annotated[str | None, Query(description="A team's name or id (admins: any team).")]
GAPS = Literal["no_recent_notes", "missing_role", "single_source", "no_personal_context"]


def _team(session: Session, ref: str | None) -> Team | None:
    if ref is None or not ref.strip():
        return None
    team = users.find_team(session, ref)
    if team is None:
        raise Invalid(f"no team {ref.strip()!r}")
    return team


def _contributions(
    session: Session, writes: SideWrites, user: User, since: UTCInput | None,
    until: UTCInput | None, team: str | None,
) -> Contributions:  # fmt: skip
    return contribution_report(
        session, user, analytics.Period.of(since, until), _team(session, team), writes
    )


@router.get("/contributions")
def get_contributions(
    session: ReadSessionDep, conn: ConnectionDep, user: CurrentUser, since: Since = None,
    until: Until = None, team: TeamParam = None,
) -> Contributions:  # fmt: skip
    """A row per person: what they contributed in the period and how colleagues reused it.
    Reps see their own row, managers their team, admins everyone. Rules: /v1/analytics/rules."""
    return _contributions(session, conn, user, since, until, team)


@router.get(
    "/contributions.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "The same rows as CSV."}},
)
def export_contributions_csv(
    session: ReadSessionDep,
    conn: ConnectionDep, user: CurrentUser, since: Since = None, until: Until = None,
    team: TeamParam = None,
) -> Response:  # fmt: skip
    """The contribution rows as CSV, one column per figure; the export is audited."""
    report = _contributions(session, conn, user, since, until, team)
    return Response(exported_csv(conn, user, report), media_type="text/csv; charset=utf-8")


@router.get("/coverage")
def get_coverage(
    session: ReadSessionDep, user: CurrentUser, settings: SettingsDep, gap: GAPS | None = None,
    red_flag: RedFlagCode | None = None,
) -> CoverageReport:  # fmt: skip
    """Every account with its gaps and bus factor, from shared notes only; managers and
    admins. ``gap`` keeps the accounts that have that gap, ``red_flag`` those whose influence
    map has that red flag for you (docs/influence.md)."""
    now = utcnow()
    rows = [coverage_row(row, now) for row in analytics.coverage(session, user)]
    if gap is not None:
        rows = [row for row in rows if gap in row.gaps]
    if red_flag is not None:
        flagged = red_flags.accounts_flagged(
            session, user, [row.account.id for row in rows], red_flag,
            coverage_days=settings.coverage_days, now=now,
        )  # fmt: skip
        rows = [row for row in rows if row.account.id in flagged]
    return CoverageReport(generated_at=now, accounts=rows)


# The example is the rules themselves: they are the same for everyone.
@router.get(
    "/rules", responses={200: {"content": {"application/json": {"example": analytics.RULES}}}}
)
def get_rules(user: CurrentUser) -> dict[str, str]:
    """How every figure is counted, for the people measured."""
    return analytics.RULES
