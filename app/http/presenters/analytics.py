"""Contribution and coverage figures (``app.domain.analytics``) as schemas and as CSV: what
``GET /v1/analytics/...`` and the manager's dashboard both show, built in one place."""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy.orm import Session

from app.db.models import Team, User
from app.db.request import SideWrites
from app.domain import analytics, audit
from app.domain.transfer.csv_format import guard
from app.schemas.analytics import ContributionRow, Contributions, CoverageRow
from app.schemas.common import Ref


def contribution_row(row: analytics.Contribution) -> ContributionRow:
    figures = {
        name: getattr(row, name)
        for name in ContributionRow.model_fields
        if name not in {"user", "team"}
    }
    team = row.user.team.name if row.user.team else None
    return ContributionRow(user=Ref.model_validate(row.user), team=team, **figures)


def coverage_row(row: analytics.Coverage, now: datetime) -> CoverageRow:
    return CoverageRow(
        account=Ref.model_validate(row.account),
        notes=row.notes,
        contributors=row.contributors,
        bus_factor=row.bus_factor,
        top_share=round(row.top_share, 3),
        last_observed_at=row.last_observed_at,
        gaps=row.gaps(now),
        missing_roles=row.missing_roles,
        contacts_without_personal_context=[
            Ref.model_validate(c) for c in row.without_personal_context
        ],
    )


def contribution_report(
    session: Session,
    user: User,
    period: analytics.Period,
    team: Team | None,
    writes: SideWrites,
) -> Contributions:
    """The rows of ``GET /v1/analytics/contributions``, for the API and the dashboard
    (``writes``: the request's, where the daily roll-up follows the read)."""
    rows = analytics.contributions(session, user, period, team=team, writes=writes)
    return Contributions(
        since=period.since,
        until=period.until,
        team=team.name if team else None,
        rows=[contribution_row(row) for row in rows],
    )


def exported_csv(writes: SideWrites, user: User, report: Contributions) -> str:
    """The report as CSV; its export is audited after the read."""
    audit.record_later(
        writes, user, "export", target_type="analytics.contributions",
        since=report.since.isoformat(), until=report.until.isoformat(), team=report.team,
        rows=len(report.rows),
    )  # fmt: skip
    return to_csv(report)


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
