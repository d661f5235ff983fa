"""A contact's page: their influence record (each field's confirmed values, with who confirmed
them and when, and what the notes suggest, each value with the sentences it rests on) and who
covers them; plain forms to confirm, reject or set each field, and to mark an account's map
reviewed.

The page and its forms call the domain functions the API's ``/v1/contacts/{id}/influence``
calls, as the signed-in user, so the same rules hold: evidence only from notes the viewer may
read, roles a manager's or an admin's call. A refused or invalid change is shown beside its
field, on the page as it was, with nothing written; an unknown contact is the 404 page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.domain import access, contacts
from app.domain.influence import coverage, decisions, records
from app.domain.influence.fields import FIELDS
from app.errors import AppError, Forbidden
from app.http.deps import IdPath, SessionDep
from app.search.influence import DEGREES, MODES, ROLES
from app.web.auth import CsrfChecked, SignedIn, Viewer
from app.web.forms import DecisionForm, Errors, InfluenceEditForm
from app.web.influence_view import (
    DEGREE_LABELS,
    FIELD_HINTS,
    FIELD_LABELS,
    MODE_LABELS,
    ROLE_LABELS,
    is_list_field,
    shelf_life_words,
)
from app.web.pages import FormList, FormText, WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

# What a rep reads where a manager sees the buttons: the rule is access.py's, these are its
# reasons in the page's words.
ROLE_REFUSED = (
    "Only a manager or an admin confirms or changes a buying role: the role shapes every "
    "colleague's brief of the account. You may reject a suggestion: it is then hidden for you."
)
DONE = {
    "confirmed": "Confirmed. It is on the record, with you as the one who confirmed it.",
    "rejected": "Rejected. It is not suggested again.",
    "rejected_for_me": "Rejected for you. Managers and admins still see it until one decides.",
    "saved": "Saved on the record.",
}
NOTES = 20  # notes naming the contact, a page
OBJECTIVE_MAX = 200  # InfluenceRecord.objective's length
OBJECTIVE_TOO_LONG = f"A sales objective is at most {OBJECTIVE_MAX} characters."


def _refusals(viewer: Viewer) -> dict[str, str]:
    """The fields the viewer may not confirm or set, with why."""
    refused: dict[str, str] = {}
    for name in FIELDS:
        try:
            access.ensure_can_edit_influence(viewer.user, [name])
        except Forbidden:
            refused[name] = ROLE_REFUSED if name == "roles" else "Not yours to change."
    return refused


def _contact_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    contact_id: int,
    *,
    objective: str | None = None,
    notice: str | None = None,
    errors: Errors | None = None,
    status: int = 200,
    page: int = 0,
) -> Response:
    influence = records.contact_influence(session, viewer.user, contact_id, objective=objective)
    contact = influence.contact
    named = coverage.notes_naming(session, viewer.user, contact)
    shown = named[page * NOTES : (page + 1) * NOTES]
    manager, reports = contacts.reporting_lines(session, contact)
    # An objective just typed in has no record until its first decision: list it too.
    kept = set(records.objectives(session, contact_id)) | ({objective} if objective else set())
    context: dict[str, Any] = {
        "influence": influence,
        "contact": influence.contact,
        "objective": objective,
        "objectives": sorted(kept),
        "fields": FIELDS,
        "labels": FIELD_LABELS,
        "hints": FIELD_HINTS,
        "shelf_life": {name: shelf_life_words(name) for name in FIELDS},
        "is_list": {name: is_list_field(name) for name in FIELDS},
        "refused": _refusals(viewer),
        "notice": notice,
        "errors": errors or {},
        "choices": {
            "roles": [(r, ROLE_LABELS[r]) for r in ROLES],
            "degree": [(d, DEGREE_LABELS[d]) for d in DEGREES],
            "mode": [(m, MODE_LABELS[m]) for m in MODES],
            "rating": list(range(5, -6, -1)),
        },
        "curator": viewer.user.role in access.CURATORS,
        "named": shown,
        "page": page,
        "more": len(named) > (page + 1) * NOTES,
        "manager": manager,
        "reports": reports,
    }
    return render(request, "contact.html", context, status=status)


def _refused(
    request: Request,
    session: Session,
    viewer: Viewer,
    contact_id: int,
    objective: str | None,
    field: str,
    exc: AppError,
) -> Response:
    """The page again, with what was refused beside its field; nothing the attempt wrote is
    kept (a record made for it, a half-applied edit)."""
    session.rollback()
    detail = ROLE_REFUSED if isinstance(exc, Forbidden) and field == "roles" else exc.detail
    message = detail[:1].upper() + detail[1:]
    return _contact_page(
        request,
        session,
        viewer,
        contact_id,
        objective=objective,
        errors={field: message},
        status=exc.status,
    )


def _objective(raw: str) -> tuple[str | None, Errors]:
    """The objective a page or form names (blank: the general record), or why it cannot be."""
    objective = records.clean_objective(raw)
    if objective is not None and len(objective) > OBJECTIVE_MAX:
        return None, {"field": OBJECTIVE_TOO_LONG}
    return objective, {}


def _back(contact_id: int, objective: str | None, done: str, field: str) -> RedirectResponse:
    query = urlencode({"objective": objective, "done": done} if objective else {"done": done})
    return RedirectResponse(f"/contacts/{contact_id}?{query}#field-{field}", status_code=303)


@router.get("/contacts/{contact_id}")
def contact_page(
    request: Request,
    contact_id: IdPath,
    session: SessionDep,
    viewer: SignedIn,
    done: str = "",
    objective: str = "",
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> Response:
    chosen, errors = _objective(objective)
    return _contact_page(
        request,
        session,
        viewer,
        contact_id,
        objective=chosen,
        notice=DONE.get(done),
        errors=errors,
        status=422 if errors else 200,
        page=page,
    )


@router.post("/contacts/{contact_id}/influence/decisions")
def decide(
    request: Request,
    contact_id: IdPath,
    session: SessionDep,
    viewer: CsrfChecked,
    field: FormText = "",
    value: FormText = "",
    decision: FormText = "",
    note_id: FormList = [],  # noqa: B006 - FastAPI copies defaults per request
    sentence: FormList = [],  # noqa: B006
    reason: FormText = "",
    objective: FormText = "",
) -> Response:
    """Confirm or reject one value (a suggestion, with the sentences it was read from) on the
    general record or the record for a sales objective."""
    contacts.get_contact(session, contact_id)  # an unknown contact is the 404 page
    chosen, bad = _objective(objective)
    form = DecisionForm.parse(
        field_name=field,
        value=value,
        decision=decision,
        note_ids=note_id,
        sentences=sentence,
        reason=reason,
        fields=FIELDS,
    )
    if form.errors or bad:
        errors = form.errors or bad
        return _contact_page(
            request, session, viewer, contact_id, objective=chosen, errors=errors, status=422
        )
    try:
        decisions.decide(
            session,
            viewer.user,
            contact_id=contact_id,
            objective=chosen,
            field=form.name,
            value=form.value,
            confirm=form.confirm,
            evidence=form.evidence,
            reason=form.reason,
        )
    except AppError as exc:
        return _refused(request, session, viewer, contact_id, chosen, form.name, exc)
    if form.confirm:
        done = "confirmed"
    else:
        done = "rejected" if viewer.user.role in access.CURATORS else "rejected_for_me"
    return _back(contact_id, chosen, done, form.name)


@router.post("/contacts/{contact_id}/influence")
def edit(
    request: Request,
    contact_id: IdPath,
    session: SessionDep,
    viewer: CsrfChecked,
    field: FormText = "",
    value: FormText = "",
    values: FormList = [],  # noqa: B006 - FastAPI copies defaults per request
    reason: FormText = "",
    objective: FormText = "",
) -> Response:
    """Set one field by hand: what the form holds replaces what the record held (the general
    record, or the one for a sales objective: a first edit starts it)."""
    contacts.get_contact(session, contact_id)
    chosen, bad = _objective(objective)
    form = InfluenceEditForm.parse(
        field_name=field, value=value, values=values, reason=reason, fields=FIELDS
    )
    if form.errors or bad:
        errors = form.errors or bad
        return _contact_page(
            request, session, viewer, contact_id, objective=chosen, errors=errors, status=422
        )
    try:
        decisions.edit(
            session, viewer.user, contact_id=contact_id, objective=chosen, changes=form.changes
        )
    except AppError as exc:
        return _refused(request, session, viewer, contact_id, chosen, form.name, exc)
    return _back(contact_id, chosen, "saved", form.name)


@router.post("/accounts/{account_id}/influence/review")
def review(account_id: IdPath, session: SessionDep, viewer: CsrfChecked) -> Response:
    """The viewer went over the account's map: new players are counted from now."""
    decisions.review(session, viewer.user, account_id)
    return RedirectResponse(f"/accounts/{account_id}?reviewed=1#map-title", status_code=303)
