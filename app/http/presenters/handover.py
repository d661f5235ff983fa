"""The handover report as the API shows it."""

from __future__ import annotations

from app.domain.departure import DepartureRule
from app.domain.handover import HandoverReport
from app.schemas.common import Ref
from app.schemas.handover import AccountHandoverRead, ContactRef, HandoverRead, NoteCounts


def handover_read(report: HandoverReport, *, departure_rule: DepartureRule) -> HandoverRead:
    accounts = [
        AccountHandoverRead(
            account=Ref.model_validate(row.account),
            notes=NoteCounts(**row.notes),
            only_source=row.only_source,
            stale_only_they_can_verify=row.stale_only_they_can_verify,
        )
        for row in report.accounts
    ]
    return HandoverRead(
        user=Ref.model_validate(report.user),
        is_active=report.user.is_active,
        accounts=accounts,
        only_source_accounts=sum(row.only_source for row in report.accounts),
        contacts_only_they_documented=[
            ContactRef.model_validate(c) for c in report.contacts_only_they_documented
        ],
        private_notes_on_departure=departure_rule,
    )
