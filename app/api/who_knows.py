"""``GET /v1/who-knows``: whom to ask about an account, a contact or a topic."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from app.db.base import utcnow
from app.domain import accounts, contacts, who_knows
from app.errors import Invalid
from app.http.deps import CurrentUser, ReadSessionDep, ServicesDep
from app.http.presenters.who_knows import who_knows_read
from app.schemas.who_knows import WhoKnowsRead

router = APIRouter(prefix="/v1", tags=["search"])

TopicText = Annotated[
    str | None,
    Query(min_length=1, max_length=200, description="What about, in free words or a section."),
]


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
    q: TopicText = None,
    topic: Annotated[TopicText, Query(description="The same as `q` (its earlier name).")] = None,
) -> WhoKnowsRead:
    """Colleagues who wrote about it, ranked by their notes on it (recency, meetings, helpful
    marks), with the counts behind each rank, counting only the notes you may read. An
    unknown account or contact is a 422 naming the closest ones."""
    if q is not None and topic is not None and q != topic:
        raise Invalid("give the topic once, as q (topic is its earlier name)")
    about_text = q if q is not None else topic
    found = accounts.resolve_account(session, account) if account else None
    person = contacts.resolve_contact(session, contact, account=found) if contact else None
    about = who_knows.About(
        account_id=found.id if found else None,
        contact_id=person.id if person else None,
        topic=about_text,
    )
    result = who_knows.who_knows(session, services.index, user, about)
    return who_knows_read(result, account=found, contact=person, topic=about_text, now=utcnow())
