"""Contribution, reuse and coverage figures (app.domain.analytics; built by
``app.http.presenters.analytics``)."""

from __future__ import annotations

from datetime import datetime

from app.db.models import BuyingRole
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


class CoverageReport(Schema):
    generated_at: datetime
    accounts: list[CoverageRow]
