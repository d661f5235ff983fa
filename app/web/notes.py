"""Notes on the web page: the new-note form and its pickers (a note's own page, and what its
readers do with it, are ``note_actions``).

A note posted here goes through the same domain function as the API's, so it is indexed like
any other, and a double post is one note by the same idempotency guard as the API's. Bad input
is shown beside its field, with what was typed, and never becomes an error page.

A note that states a sensitive fact is warned about before it is posted: as it is typed (htmx
asks ``/notes/check``), and, without script, by the first Save, which shows the warning with
"Only me" chosen instead of saving. The warning's categories travel with the form
(``sensitive_ack``), so a second Save keeps the audience the writer then chose."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Account, Contact, Visibility
from app.domain import accounts, lookup, notes, sensitivity
from app.domain.sensitivity import Checked
from app.errors import Conflict, Invalid, NotFound
from app.http.deps import ConnectionDep, Idempotency, SessionDep, SettingsDep
from app.schemas.common import MAX_NOTE_CHARS
from app.web.auth import CsrfChecked, SignedIn, Viewer
from app.web.forms import NoteForm, parse_id
from app.web.pages import FormList, FormText, WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

FORM_SCOPE = "web.notes.create"


def _account_quietly(
    session: Session, account_id: int | None, ref: str
) -> tuple[Account | None, str | None]:
    """The account a form names, and the problem when it names none."""
    if account_id is not None:
        try:
            return accounts.get_account(session, account_id), None
        except NotFound:
            return None, "That account no longer exists; choose another."
    if not ref:
        return None, None
    try:
        return accounts.resolve_account(session, ref[:320]), None
    except Invalid as exc:
        return None, exc.detail


def _contact_choices(
    session: Session, account: Account | None, chosen_ids: Sequence[int], text: str = ""
) -> dict[str, list[Contact]]:
    if account is None:
        return {"chosen": [], "matches": []}
    chosen = lookup.contacts_by_ids(session, account.id, chosen_ids)
    matches = lookup.contacts_matching(
        session, account.id, text[:200], exclude=[c.id for c in chosen]
    )
    return {"chosen": chosen, "matches": matches}


def _note_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    form: NoteForm,
    *,
    status: int = 200,
    notice: str | None = None,
    candidates: list[dict[str, Any]] | None = None,
    checked: Checked | None = None,
) -> Response:
    account, problem = _account_quietly(session, form.account_id, form.account)
    if form.account_id is not None and account is None:
        form.account_id = None
        form.errors.setdefault("account", problem or "Choose the account.")
    today = utcnow().date()
    team = viewer.user.team.name if viewer.user.team else None
    context = {
        "form": form,
        "account": account,
        "fixed_account": account if form.account_id is not None else None,
        "candidates": candidates or [],
        "notice": notice,
        "checked": checked,
        "held": checked is not None,
        "latest_day": (today + timedelta(days=1)).isoformat(),
        "visibilities": [
            (Visibility.private.value, "Only me"),
            (Visibility.team.value, f"My team ({team})" if team else "My team"),
            (Visibility.company.value, "Everyone"),
        ],
        **_contact_choices(session, account, form.contact_ids),
    }
    return render(request, "note_form.html", context, status=status)


@router.get("/notes/new")
def new_note_page(
    request: Request, session: SessionDep, viewer: SignedIn, account_id: str = ""
) -> Response:
    form = NoteForm(
        account_id=parse_id(account_id),
        observed_on=utcnow().date().isoformat(),
        form_key=secrets.token_urlsafe(16),
    )
    return _note_page(request, session, viewer, form)


@router.post("/notes/new")
def create_note(
    request: Request,
    session: SessionDep,
    conn: ConnectionDep,
    settings: SettingsDep,
    viewer: CsrfChecked,
    body: FormText = "",
    account: FormText = "",
    account_id: FormText = "",
    contact_ids: FormList = [],  # noqa: B006 - FastAPI copies defaults per request
    visibility: FormText = Visibility.team.value,
    observed_on: FormText = "",
    form_key: FormText = "",
    sensitive_ack: FormText = "",
) -> Response:
    form = NoteForm.parse(
        body=body,
        account=account,
        account_id=account_id,
        contact_ids=contact_ids,
        visibility=visibility,
        observed_on=observed_on,
        form_key=form_key,
        sensitive_ack=sensitive_ack,
    )
    data = form.to_create(now=utcnow())
    if data is None:
        return _note_page(request, session, viewer, form, status=422)
    categories = settings.sensitive_categories
    checked = sensitivity.check(data.body, data.visibility, categories)
    if checked.warnings and not form.warned_of(checked.sensitive):
        # Not saved: the writer sees the warning first, with "Only me" chosen for them (as
        # for an API client that chose nothing); Save again keeps whatever they then choose.
        form.visibility = Visibility.private.value
        form.sensitive_ack = ",".join(checked.sensitive)
        return _note_page(request, session, viewer, form, checked=checked)
    # The form's key makes a double tap on a slow phone one note, not two (as Idempotency-Key
    # does for the API); the day as typed stands in for "now", which differs between taps.
    guard = Idempotency(conn, settings, viewer.user, form.form_key or None)
    payload = {**data.model_dump(mode="json", exclude={"observed_at"}), "day": form.observed_on}
    try:
        replay = guard.claim(FORM_SCOPE, payload)
    except Invalid:
        form.form_key = secrets.token_urlsafe(16)
        notice = "This form already posted a note. Save again to post this one as a new note."
        return _note_page(request, session, viewer, form, status=409, notice=notice)
    except Conflict:
        notice = "This note is still being saved. Wait a moment, then open your notes."
        return _note_page(request, session, viewer, form, status=409, notice=notice)
    if replay is not None:
        return RedirectResponse(f"/notes/{replay.body['note_id']}?saved=1", status_code=303)
    try:
        with guard.abandoned_on_error(session):
            note = notes.create_note(session, viewer.user, data, sensitive_categories=categories)
            guard.complete(session, 303, {"note_id": note.id})
    except Invalid as exc:
        form.errors["contact_ids" if "contact_ids" in exc.extensions else "account"] = exc.detail
        return _note_page(
            request,
            session,
            viewer,
            form,
            status=422,
            candidates=exc.extensions.get("candidates"),
        )
    return RedirectResponse(f"/notes/{note.id}?saved=1", status_code=303)


@router.post("/notes/check")
def check_note(
    request: Request,
    settings: SettingsDep,
    _: CsrfChecked,
    body: FormText = "",
    visibility: FormText = "",
) -> Response:
    """The note form's sensitive-facts warning, as the writer types."""
    chosen = Visibility(visibility) if visibility in Visibility.__members__ else None
    text = body[:MAX_NOTE_CHARS]
    checked = (
        sensitivity.check(text, chosen, settings.sensitive_categories) if text.strip() else None
    )
    return render(request, "_sensitive_check.html", {"checked": checked, "held": False})


# Pickers: fragments that htmx puts into the note form (the account box also into search)


@router.get("/pick/accounts")
def pick_accounts(
    request: Request, session: SessionDep, _: SignedIn, account: str = ""
) -> Response:
    """Options for the account box's datalist."""
    found = lookup.suggest_accounts(session, account[:320])
    return render(request, "_account_options.html", {"accounts": found})


@router.get("/pick/account-field")
def pick_account_field(request: Request, _: SignedIn) -> Response:
    """The account box, empty, for choosing another account than the one the form opened
    with; the contact list empties with it."""
    return render(request, "_account_field.html", {"form": NoteForm(), "reset_contacts": True})


@router.get("/pick/contacts")
def pick_contacts(
    request: Request,
    session: SessionDep,
    _: SignedIn,
    account: str = "",
    account_id: str = "",
    contact_q: str = "",
    contact_ids: Annotated[list[str], Query()] = [],  # noqa: B006 - FastAPI copies defaults
) -> Response:
    """The chosen account's contacts: those already ticked, then those matching the filter."""
    target, problem = _account_quietly(session, parse_id(account_id), account)
    chosen = [i for raw in contact_ids if (i := parse_id(raw)) is not None]
    context = {
        "account": target,
        "problem": problem,
        **_contact_choices(session, target, chosen, contact_q),
    }
    return render(request, "_contact_list.html", context)
