"""``GET /v1/who-knows``: whom to ask about an account, a contact or a topic."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.db.base import utcnow
from app.domain import accounts, contacts, who_knows
from app.http.deps import CurrentUser, ReadSessionDep, ServicesDep
from app.http.presenters.who_knows import who_knows_read
from app.schemas.who_knows import WhoKnowsRead

router = APIRouter(prefix="/v1", tags=["search"])


@router.get("/who-knows")
def get_who_knows(
    services: ServicesDep,
    session: ReadSessionDep,
    user: CurrentUser,
    account: Annotated[
        str | None,
        Query(min_length=1, max_length=320, description="Name, alias, domain, e-mail or id."),
    ] = None,
    contact: Annotated[
        str | None,
        Query(min_length=1, max_length=320, description="E-mail, id, or name (in the account)."),
    ] = None,
    topic: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
) -> WhoKnowsRead:
    """Colleagues who wrote about it, with how many notes and how recently, counting only the
    notes you may read. An unknown account or contact is a 422 naming the closest ones."""
    found = accounts.resolve_account(session, account) if account else None
    person = contacts.resolve_contact(session, contact, account=found) if contact else None
    about = who_knows.About(
        account_id=found.id if found else None,
        contact_id=person.id if person else None,
        topic=topic,
    )
    result = who_knows.who_knows(session, services.index, user, about)
    return who_knows_read(result, account=found, contact=person, topic=topic, now=utcnow())
