"""Who knows (``app.domain.who_knows``) as a schema."""

from __future__ import annotations

from datetime import datetime

from app.db.models import Account, Contact
from app.domain.who_knows import WhoKnows
from app.schemas.common import Ref
from app.schemas.who_knows import Knower, WhoKnowsRead


def who_knows_read(
    result: WhoKnows,
    *,
    account: Account | None,
    contact: Contact | None,
    topic: str | None,
    now: datetime,
) -> WhoKnowsRead:
    return WhoKnowsRead(
        account=Ref.model_validate(account) if account is not None else None,
        contact=Ref.model_validate(contact) if contact is not None else None,
        topic=topic,
        notes=result.notes,
        people=[
            Knower(
                user=Ref.model_validate(person.user),
                team=person.user.team.name if person.user.team else None,
                notes=person.notes,
                last_observed_at=person.last_observed_at,
                age_days=max(0, (now - person.last_observed_at).days),
                score=person.score,
            )
            for person in result.people
        ],
    )
