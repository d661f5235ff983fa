"""An account's page: its brief, from the notes the viewer may read (the one ``GET
/v1/accounts/{id}/brief`` returns), then all those notes, newest first."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from app.db.models import BuyingRole
from app.domain import accounts, brief, notes, reuse
from app.http.deps import ConnectionDep, IdPath, SessionDep
from app.taxonomy import SECTIONS
from app.web.auth import SignedIn
from app.web.pages import WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

ACCOUNT_NOTES = 25
ROLE_GROUPS = [
    (BuyingRole.economic, "Economic buyers", "sign off on the spend"),
    (BuyingRole.technical, "Technical buyers", "screen the vendors"),
    (BuyingRole.user, "Users", "live with what is bought"),
    (BuyingRole.coach, "Coaches", "help us from the inside"),
]


@router.get("/accounts/{account_id}")
def account_page(
    request: Request,
    account_id: IdPath,
    session: SessionDep,
    conn: ConnectionDep,
    viewer: SignedIn,
    cursor: str = "",
) -> Response:
    account = accounts.get_account(session, account_id)
    found = brief.account_brief(session, viewer.user, account.id)
    reuse.record_views(conn, viewer.user, found.quoted(), kind="shown", source="web")
    page = notes.list_notes(
        session,
        viewer.user,
        notes.NoteFilters(account_id=account.id),
        limit=ACCOUNT_NOTES,
        cursor=cursor[:512] or None,
    )
    influences = [
        (role, label, hint, [i for i in found.buying_influences if i.role == role])
        for role, label, hint in ROLE_GROUPS
    ]
    return render(
        request,
        "account.html",
        {
            "account": account,
            "brief": found,
            "influences": influences,
            "role_names": brief.ROLE_NAMES,
            "chart": found.chart,
            "topics": [(s, found.topics[s.name]) for s in SECTIONS if found.topics.get(s.name)],
            "notes": page.items,
            "next_cursor": page.next_cursor,
        },
    )
