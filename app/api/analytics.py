from __future__ import annotations

import csv
import io
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Team, User
from app.db.request import SideWrites
from app.domain import analytics, audit, users
from app.domain.notes_csv import guard
from app.errors import Invalid
from app.http.deps import ConnectionDep, CurrentUser, ReadSessionDep
from app.schemas.analytics import ContributionRow, Contributions, CoverageReport, CoverageRow
from app.schemas.common import UTCInput

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


def contribution_report(
    session: Session, user: User, period: analytics.Period, team: Team | None
) -> Contributions:
    """The rows of ``GET /v1/analytics/contributions``, for the API and the dashboard."""
    rows = analytics.contributions(session, user, period, team=team)
    return Contributions(
        since=period.since,
        until=period.until,
        team=team.name if team else None,
        rows=[ContributionRow.of(row) for row in rows],
    )


def exported_csv(writes: SideWrites, user: User, report: Contributions) -> str:
    """The report as CSV; its export is audited after the read."""
    audit.record_later(
        writes, user, "export", target_type="analytics.contributions",
        since=report.since.isoformat(), until=report.until.isoformat(), team=report.team,
        rows=len(report.rows),
    )  # fmt: skip
    return to_csv(report)


def _contributions(
    session: Session, user: User, since: UTCInput | None, until: UTCInput | None, team: str | None
) -> Contributions:
    return contribution_report(
        session, user, analytics.Period.of(since, until), _team(session, team)
    )


@router.get("/contributions")
def get_contributions(
    session: ReadSessionDep, user: CurrentUser, since: Since = None, until: Until = None,
    team: TeamParam = None,
) -> Contributions:  # fmt: skip
    """A row per person: what they contributed in the period and how colleagues reused it.
    Reps see their own row, managers their team, admins everyone. Rules: /v1/analytics/rules."""
    return _contributions(session, user, since, until, team)


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
    report = _contributions(session, user, since, until, team)
    return Response(exported_csv(conn, user, report), media_type="text/csv; charset=utf-8")


def to_csv(report: Contributions) -> str:
    figures = [n for n in ContributionRow.model_fields if n not in {"user", "team"}]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["user_id", "user_external_id", "user_name", "team", *figures])
    for row in report.rows:
        user = row.user
        # Names are typed by people: a spreadsheet must not run one as a formula (OWASP).
        cells = [user.id, guard(user.external_id or ""), guard(user.name), guard(row.team or "")]
        writer.writerow([*cells, *(getattr(row, n) for n in figures)])
    return out.getvalue()


@router.get("/coverage")
def get_coverage(
    session: ReadSessionDep, user: CurrentUser, gap: GAPS | None = None,
) -> CoverageReport:  # fmt: skip
    """Every account with its gaps and bus factor, from shared notes only; managers and
    admins. ``gap`` keeps the accounts that have that gap."""
    now = utcnow()
    rows = [CoverageRow.of(row, now) for row in analytics.coverage(session, user)]
    if gap is not None:
        rows = [row for row in rows if gap in row.gaps]
    return CoverageReport(generated_at=now, accounts=rows)


@router.get("/rules")
def get_rules(user: CurrentUser) -> dict[str, str]:
    """How every figure is counted, for the people measured."""
    return analytics.RULES
