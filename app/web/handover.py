"""When someone leaves, on the web: ``/users/{id}/handover`` shows an admin or the user's
manager the handover report (as ``GET /v1/users/{id}/handover``), and ``/handover`` lets
anyone share their own private notes, one account at a time, before they leave (as
``POST /v1/me/handover/share``). The same domain functions as the API."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse

from app.db.base import utcnow
from app.db.models import Visibility
from app.domain import handover
from app.http.deps import IdPath, SessionDep
from app.web.auth import CsrfChecked, SignedIn
from app.web.pages import WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)


@router.get("/users/{user_id}/handover")
def handover_page(
    request: Request, user_id: IdPath, session: SessionDep, viewer: SignedIn
) -> Response:
    report = handover.handover_report(session, viewer.user, user_id, now=utcnow())
    return render(request, "handover.html", {"report": report})


@router.get("/handover")
def own_handover_page(request: Request, session: SessionDep, viewer: SignedIn) -> Response:
    private = handover.private_notes_by_account(session, viewer.user)
    return render(request, "handover_share.html", {"private": private})


@router.post("/handover/share")
def share(
    session: SessionDep,
    viewer: CsrfChecked,
    account_id: Annotated[int, Form(ge=1, le=2**31 - 1)],
    visibility: Annotated[Literal["team", "company"], Form()],
) -> Response:
    handover.share_private_notes(
        session, viewer.user, account_id=account_id, visibility=Visibility(visibility)
    )
    return RedirectResponse("/handover", status_code=303)
