"""The curation page: a manager's or an admin's queue (``GET /v1/curation``), one kind of work
at a time, with its actions: resolve a reader's flag, merge notes that restate one into it,
and, through the note's own forms (``note_actions``, which come back here), verify or archive.

The queue is the API's, for the same people (managers and admins: a rep gets the 403 page),
and lists only the notes the curator may read. Unfiled e-mail and the retention review are
left to the API and the CLI: their actions (filing a message, erasing personal context) need
forms of their own."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from app.db.models import Role
from app.domain import curation, flags
from app.errors import Invalid
from app.http.deps import IdPath, SessionDep
from app.web.auth import CsrfChecked, SignedIn, Viewer
from app.web.forms import parse_id
from app.web.pages import FormList, FormText, PageError, WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

QUEUE_PAGE = 20
KINDS: dict[curation.QueueKind, str] = {
    "flagged": "Flagged by readers",
    "stale": "Due a check",
    "duplicates": "Restated",
}
DONE = {
    "resolved": "The flag is resolved.",
    "merged": "Merged: the restating notes are marked as superseded by the one kept.",
    "verified": "Verified: the note counts as current again.",
    "archived": "Archived: the note leaves every search, brief and list.",
}
CURATORS = (Role.manager, Role.admin)


def require_curator(viewer: SignedIn) -> Viewer:
    """As the API's ``ManagerUser``: the queue is a manager's or an admin's."""
    if viewer.user.role not in CURATORS:
        raise PageError(403, "Refused", "The curation queue is for managers and admins.")
    return viewer


Curator = Annotated[Viewer, Depends(require_curator)]


@router.get("/curation")
def curation_page(
    request: Request,
    session: SessionDep,
    viewer: Curator,
    kind: str = "flagged",
    cursor: str = "",
    done: str = "",
) -> Response:
    chosen: curation.QueueKind = next((k for k in KINDS if k == kind), "flagged")
    page = curation.curation_queue(
        session, viewer.user, chosen, limit=QUEUE_PAGE, cursor=cursor[:512] or None
    )
    return render(
        request,
        "curation.html",
        {
            "kind": chosen,
            "kinds": KINDS,
            "items": page.items,
            "next_cursor": page.next_cursor,
            "first_page": not cursor,
            "here": f"/curation?kind={chosen}",
            "notice": DONE.get(done),
        },
    )


@router.post("/curation/flags/{flag_id}/resolve")
def resolve_flag(flag_id: IdPath, session: SessionDep, viewer: CsrfChecked) -> Response:
    """Close a reader's flag (``POST /v1/flags/{id}/resolve``)."""
    flags.resolve_flag(session, viewer.user, flag_id)
    return RedirectResponse("/curation?kind=flagged&done=resolved", status_code=303)


@router.post("/curation/merge")
def merge_notes(
    request: Request,
    session: SessionDep,
    viewer: CsrfChecked,
    into: FormText = "",
    notes: FormList = [],  # noqa: B006 - FastAPI copies defaults per request
) -> Response:
    """Keep one note of a group and mark the others superseded by it (``/v1/curation/merge``)."""
    into_id = parse_id(into)
    note_ids = [i for raw in notes if (i := parse_id(raw)) is not None and i != into_id]
    if into_id is None or not note_ids:
        raise PageError(422, "Not merged", "Choose the note to keep and at least one other.")
    try:
        curation.merge_notes(session, viewer.user, into_id=into_id, note_ids=note_ids)
    except Invalid as exc:
        raise PageError(422, "Not merged", f"{exc.detail[:1].upper()}{exc.detail[1:]}.") from exc
    return RedirectResponse("/curation?kind=duplicates&done=merged", status_code=303)
