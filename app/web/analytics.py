"""The manager's dashboard: contribution and reuse per person over a period, the same figures
as ``GET /v1/analytics/contributions`` (and the same CSV, audited alike), a bar chart drawn as
inline SVG (no script, nothing fetched), account coverage (filtered by gap or by the red flags
of the influence map) and the rules behind every figure.

The domain decides whose rows a viewer sees (a rep their own, a manager their team, an admin
anyone's) and refuses coverage to reps; the page only says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Role, Team
from app.db.request import SideWrites
from app.domain import analytics, users
from app.domain.influence import red_flags
from app.errors import Forbidden
from app.http.deps import ConnectionDep, SessionDep, SettingsDep
from app.http.presenters.analytics import contribution_report, coverage_row, exported_csv
from app.schemas.analytics import ContributionRow, Contributions
from app.web.auth import SignedIn, Viewer
from app.web.forms import PeriodForm
from app.web.pages import PageError, WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

# The table's figures, in the order of the rules; each header's tooltip is its rule.
CONTRIBUTION_COLUMNS = [
    ("notes", "Notes"),
    ("credited_notes", "Credited notes"),
    ("accounts", "Accounts"),
    ("contacts", "Contacts"),
    ("roles_documented", "Roles documented"),
    ("personal_context", "Personal context"),
    ("verifications", "Verified"),
    ("updates", "Updates"),
]
REUSE_COLUMNS = [
    ("impressions_by_others", "Shown"),
    ("opens_by_others", "Opened"),
    ("helpful_by_others", "Marked helpful"),
    ("colleagues_helped", "Colleagues helped"),
]
SORTABLE = {name for name, _ in CONTRIBUTION_COLUMNS + REUSE_COLUMNS} | {"name", "team"}
GAPS = {
    "no_recent_notes": f"No notes in {analytics.RECENT.days} days",
    "missing_role": "A buying role unknown",
    "single_source": "Single source (bus factor 1)",
    "no_personal_context": "Contacts without personal context",
}
# The red flags of an account's influence map (docs/influence.md), as the filter names them.
RED_FLAGS = {
    "missing_role": "A buying role unfilled",
    "no_coach": "No coach",
    "not_met": "An influence not met lately",
    "hostile_rating": "Someone against us",
    "complacent_economic_buyer": "Complacent economic buyer",
    "new_player": "New player since the review",
    "single_coverage": "One colleague covers all",
}
assert set(RED_FLAGS) == set(red_flags.CODES), "a red flag without a label on the filter"
COVERAGE_ROWS = 200  # a page, not a spreadsheet: the gap filter narrows it
NAMED_CONTACTS = 5
LABEL_CHARS = 40
BAR_ROW = 40  # pixels per person in the chart: the name, and the bar under it


@dataclass(frozen=True)
class Bar:
    name: str
    label: str  # the name, shortened to fit beside the bar; the title carries it whole
    value: int
    percent: float  # of the bar area: the largest value fills it


@dataclass(frozen=True)
class BarChart:
    key: str
    title: str
    unit: str
    bars: list[Bar]

    @property
    def height(self) -> int:
        return BAR_ROW * len(self.bars)


def bar_chart(key: str, title: str, unit: str, values: list[tuple[str, int]]) -> BarChart:
    top = max((v for _, v in values), default=0)
    return BarChart(
        key,
        title,
        unit,
        [
            Bar(
                name,
                name if len(name) <= LABEL_CHARS else name[: LABEL_CHARS - 1] + "…",
                value,
                round(100 * value / top, 2) if top else 0.0,
            )
            for name, value in values
        ],
    )


def _form(
    since: str, until: str, team: str, gap: str = "", sort: str = "", red_flag: str = ""
) -> PeriodForm:
    return PeriodForm.parse(
        since=since,
        until=until,
        team=team,
        gap=gap,
        red_flag=red_flag,
        sort=sort,
        today=utcnow().date(),
        default_days=analytics.DEFAULT_PERIOD.days,
    )


def _chosen_team(session: Session, form: PeriodForm) -> Team | None:
    """The team the form names, by id or name; an unknown one is an error on the form."""
    if not form.team:
        return None
    team = users.find_team(session, form.team)
    if team is None:
        form.errors["team"] = "There is no such team."
    return team


def _report(
    session: Session, writes: SideWrites, viewer: Viewer, form: PeriodForm, team: Team | None
) -> Contributions:
    period = analytics.Period.of(form.since_at, form.until_at)
    return contribution_report(session, viewer.user, period, team, writes)


def _sorted(rows: list[ContributionRow], sort: str) -> list[ContributionRow]:
    if sort == "team":
        return sorted(rows, key=lambda r: ((r.team or "").casefold(), r.user.name.casefold()))
    if sort in SORTABLE - {"name"}:
        return sorted(rows, key=lambda r: (-getattr(r, sort), r.user.name.casefold()))
    return rows  # the domain's order: by name


def _coverage(
    session: Session, viewer: Viewer, gap: str, red_flag: str, coverage_days: int
) -> dict[str, Any]:
    try:
        found = analytics.coverage(session, viewer.user)
    except Forbidden:
        return {"coverage": None}
    now = utcnow()
    rows = [coverage_row(row, now) for row in found]
    counts = {name: sum(name in row.gaps for row in rows) for name in GAPS}
    if red_flag in RED_FLAGS:
        # A red flag is a problem of its own: the accounts that have it, gap or none (narrowed
        # to a gap when one is chosen too), from the influence map the viewer may see.
        shown = [row for row in rows if gap in row.gaps] if gap in GAPS else rows
        flagged = red_flags.accounts_flagged(
            session,
            viewer.user,
            [row.account.id for row in shown],
            red_flag,
            coverage_days=coverage_days,
            now=now,
        )
        shown = [row for row in shown if row.account.id in flagged]
    else:
        shown = [row for row in rows if (gap in row.gaps if gap in GAPS else row.gaps)]
    return {
        "coverage": shown[:COVERAGE_ROWS],
        "coverage_total": len(shown),
        "gap_counts": counts,
        "accounts_total": len(rows),
    }


@router.get("/analytics")
def analytics_page(
    request: Request,
    session: SessionDep,
    conn: ConnectionDep,
    settings: SettingsDep,
    viewer: SignedIn,
    since: str = "",
    until: str = "",
    team: str = "",
    gap: str = "",
    red_flag: str = "",
    sort: str = "",
) -> Response:
    """Who shares what they know, and whose notes colleagues use: a row per person, two bar
    charts, the CSV, and which accounts live in too few heads or have a red flag."""
    form = _form(since, until, team, gap, sort, red_flag)
    teams = users.list_teams(session)
    chosen = _chosen_team(session, form)
    context: dict[str, Any] = {
        "form": form,
        "teams": teams,
        "team_choice": viewer.user.role == Role.admin,
        "contribution_columns": CONTRIBUTION_COLUMNS,
        "reuse_columns": REUSE_COLUMNS,
        "gaps": GAPS,
        "red_flags": RED_FLAGS,
        "rules": analytics.RULES,
        "report": None,
        "bar_row": BAR_ROW,
        "named_contacts": NAMED_CONTACTS,
    }
    if form.errors:
        return render(request, "analytics.html", context, status=422)
    report = _report(session, conn, viewer, form, chosen)
    rows = _sorted(report.rows, form.sort)
    context.update(
        report=report,
        last_day=report.until - timedelta(days=1),
        rows=rows,
        pending=sum(row.pending for row in rows),
        charts=[
            bar_chart(
                "credited",
                "Credited notes",
                "credited notes",
                [(row.user.name, row.credited_notes) for row in rows],
            ),
            bar_chart(
                "reuse",
                "Reuse by colleagues (opens and helpful marks)",
                "opens and helpful marks by colleagues",
                [(row.user.name, row.opens_by_others + row.helpful_by_others) for row in rows],
            ),
        ],
        csv_url="/analytics.csv?" + form.query(gap="", red_flag="", sort=""),
        **_coverage(session, viewer, form.gap, form.red_flag, settings.coverage_days),
    )
    return render(request, "analytics.html", context)


@router.get("/analytics.csv")
def analytics_csv(
    session: SessionDep,
    conn: ConnectionDep,
    viewer: SignedIn,
    since: str = "",
    until: str = "",
    team: str = "",
) -> Response:
    """The table as ``GET /v1/analytics/contributions.csv`` returns it, audited alike."""
    form = _form(since, until, team)
    chosen = None if form.errors else _chosen_team(session, form)
    if form.errors:
        raise PageError(422, "Not a period", " ".join(form.errors.values()))
    report = _report(session, conn, viewer, form, chosen)
    name = f"tacit-contributions-{form.since}-to-{form.until}.csv"
    return Response(
        exported_csv(conn, viewer.user, report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/analytics/rules")
def analytics_rules_page(request: Request, _: SignedIn) -> Response:
    """How every figure is counted, for everyone measured."""
    return render(request, "analytics_rules.html", {"rules": analytics.RULES})
