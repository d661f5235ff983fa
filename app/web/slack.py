"""Linking a Slack user to the signed-in Tacit user: the page ``/tacit link`` points to.

Opening the link only shows who would be linked; the link is made by the confirming POST
(with the session's CSRF token), so that a link opened by a preview bot or a browser's
prefetch links nobody. The page names the Slack user and workspace, and warns that whoever
uses that Slack account will read what the signed-in user may read: someone who sends their
own link to a colleague must not get the colleague's notes by a careless click."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from app.db.base import utcnow
from app.domain import slack
from app.http.deps import SessionDep
from app.web.auth import CsrfChecked, SignedIn
from app.web.pages import WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

# The links' tokens are 43 characters; anything much longer is not one of them.
Token = Annotated[str, Query(max_length=100)]


@router.get("/slack/link")
def slack_link_page(
    request: Request, session: SessionDep, viewer: SignedIn, token: Token = ""
) -> Response:
    link = slack.pending_link(session, token, now=utcnow())
    return render(request, "slack_link.html", {"link": link, "token": token})


@router.post("/slack/link")
def confirm_slack_link(
    request: Request,
    session: SessionDep,
    viewer: CsrfChecked,
    token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    link = slack.confirm_link(session, viewer.user, token, now=utcnow())
    return render(request, "slack_linked.html", {"link": link})
