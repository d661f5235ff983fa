"""Who knows (``app.domain.who_knows``) as a schema."""

from __future__ import annotations

from datetime import datetime

from app.db.models import Account, Contact
from app.domain.who_knows import Knower as Known
from app.domain.who_knows import WhoKnows
from app.schemas.common import Ref
from app.schemas.who_knows import Knower, WhoKnowsRead
from app.wording import age_in_words


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def why(person: Known, now: datetime) -> str:
    """Why the person ranks, in words: "3 notes, 1 of them a meeting, 2 helpful marks; the
    last 5 days ago"."""
    parts = [_count(person.notes, "note", "notes")]
    if person.meetings:
        parts.append(
            f"{person.meetings} of them {'a meeting' if person.meetings == 1 else 'meetings'}"
        )
    if person.helpful:
        parts.append(_count(person.helpful, "helpful mark", "helpful marks"))
    days = max(0, (now - person.last_observed_at).days)
    return f"{', '.join(parts)}; the last {age_in_words(days)}"


def knower(person: Known, now: datetime) -> Knower:
    return Knower(
        user=Ref.model_validate(person.user),
        team=person.user.team.name if person.user.team else None,
        notes=person.notes,
        meetings=person.meetings,
        helpful=person.helpful,
        last_observed_at=person.last_observed_at,
        age_days=max(0, (now - person.last_observed_at).days),
        score=person.score,
        why=why(person, now),
    )


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
        people=[knower(person, now) for person in result.people],
    )
