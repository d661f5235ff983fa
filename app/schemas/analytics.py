"""Contribution, reuse and coverage figures (app.domain.analytics)."""

from __future__ import annotations

from datetime import datetime

from app.db.models import BuyingRole
from app.domain.analytics import Contribution, Coverage
from app.schemas.common import Ref, Schema


class ContributionRow(Schema):
    user: Ref
    team: str | None
    notes: int
    credited_notes: int
    duplicates: int
    trivial: int
    pending: int
    accounts: int
    contacts: int
    roles_documented: int
    personal_context: int
    verifications: int
    updates: int
    impressions_by_others: int
    opens_by_others: int
    helpful_by_others: int
    colleagues_helped: int

    @classmethod
    def of(cls, row: Contribution) -> ContributionRow:
        figures = {
            name: getattr(row, name) for name in cls.model_fields if name not in {"user", "team"}
        }
        team = row.user.team.name if row.user.team else None
        return cls(user=Ref.model_validate(row.user), team=team, **figures)


class Contributions(Schema):
    since: datetime
    until: datetime
    team: str | None
    rows: list[ContributionRow]


class CoverageRow(Schema):
    account: Ref
    notes: int
    contributors: int
    bus_factor: int
    top_share: float
    last_observed_at: datetime | None
    gaps: list[str]
    missing_roles: list[BuyingRole]
    contacts_without_personal_context: list[Ref]

    @classmethod
    def of(cls, row: Coverage, now: datetime) -> CoverageRow:
        return cls(
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


class CoverageReport(Schema):
    generated_at: datetime
    accounts: list[CoverageRow]
