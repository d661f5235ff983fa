"""The web page: sign in, search, post a note, read a note and an account.

Pages call the same domain functions as the API, with the same access rules (a note the
viewer may not read is a 404 page), and write through them too, so a note posted here is
indexed like any other. Forms are read as plain text and checked here, so bad input is shown
beside its field, with what was typed, and never becomes an error page."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from app.db.base import utcnow
from app.db.models import Account, BuyingRole, Contact, Visibility
from app.domain import (
    access,
    accounts,
    brief,
    freshness,
    idempotency,
    lookup,
    notes,
    retrieval,
    reuse,
    web_sessions,
)
from app.errors import Conflict, Invalid, NotFound
from app.http.deps import (
    ConnectionDep,
    DatabaseDep,
    IdPath,
    SessionDep,
    SettingsDep,
    get_services,
    get_settings,
)
from app.taxonomy import SECTIONS
from app.web.auth import (
    LOGIN_CSRF_COOKIE,
    CsrfChecked,
    SignedIn,
    Viewer,
    lifetime,
    login_token_valid,
    new_login_token,
    safe_next,
)
from app.web.forms import NoteForm, SearchForm, parse_id
from app.web.pages import SESSION_COOKIE, WebRoute, render, set_session_cookie

router = APIRouter(include_in_schema=False, route_class=WebRoute)

RESULTS = 20
ACCOUNT_NOTES = 25
FORM_SCOPE = "web.notes.create"
ROLE_GROUPS = [
    (BuyingRole.economic, "Economic buyers", "sign off on the spend"),
    (BuyingRole.technical, "Technical buyers", "screen the vendors"),
    (BuyingRole.user, "Users", "live with what is bought"),
    (BuyingRole.coach, "Coaches", "help us from the inside"),
]
FormText = Annotated[str, Form()]
FormList = Annotated[list[str], Form()]


# Signing in and out


def _login_page(
    request: Request, *, next_url: str, email: str, error: str | None, status: int
) -> Response:
    settings = get_settings(request)
    token = new_login_token(settings.secret_key)
    response = render(
        request,
        "login.html",
        {"next": next_url, "email": email, "error": error, "login_token": token},
        status=status,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/login",
        httponly=True,
        samesite="lax",
        secure=settings.env == "prod",
    )
    return response


@router.get("/login")
def login_page(
    request: Request,
    session: SessionDep,
    next_url: Annotated[str, Query(alias="next")] = "/",
) -> Response:
    target = safe_next(next_url)
    token = request.cookies.get(SESSION_COOKIE, "")
    if token and web_sessions.find_session(session, token, now=utcnow()) is not None:
        return RedirectResponse(target, status_code=303)
    return _login_page(request, next_url=target, email="", error=None, status=200)


@router.post("/login")
def login(
    request: Request,
    db: DatabaseDep,
    settings: SettingsDep,
    email: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next_url: Annotated[str, Form(alias="next")] = "/",
) -> Response:
    target = safe_next(next_url)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not login_token_valid(settings.secret_key, cookie=cookie, form=csrf_token):
        error = "This sign-in form has expired or did not come from this site. Sign in again."
        return _login_page(request, next_url=target, email=email, error=error, status=403)
    outcome = web_sessions.sign_in(
        db,
        email=email,
        password=password,
        now=utcnow(),
        lifetime=lifetime(settings),
        replaces=request.cookies.get(SESSION_COOKIE),
    )
    if isinstance(outcome, web_sessions.Refused):
        return _login_page(request, next_url=target, email=email, error=outcome.reason, status=401)
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(request, response, outcome.token)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, _: CsrfChecked) -> Response:
    web_sessions.sign_out(session, request.cookies.get(SESSION_COOKIE, ""))
    request.state.refresh_session_cookie = None
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# Search


@router.get("/")
def search_page(
    request: Request,
    session: SessionDep,
    conn: ConnectionDep,
    viewer: SignedIn,
    q: str = "",
    account: str = "",
    author_id: str = "",
    since: str = "",
    until: str = "",
) -> Response:
    """Ask in your own words; with no question, the latest notes (filtered alike)."""
    form = SearchForm.parse(q=q, account=account, author_id=author_id, since=since, until=until)
    scope: Account | None = None
    if form.account:
        try:
            scope = accounts.resolve_account(session, form.account[:320])
        except Invalid as exc:
            form.errors["account"] = exc.detail
    context: dict[str, Any] = {
        "form": form,
        "scope": scope,
        "authors": lookup.authors(session),
        "hits": None,
        "latest": None,
    }
    if form.errors:
        return render(request, "search.html", context, status=422)
    if form.q:
        params = retrieval.SearchRequest(
            q=form.q,
            account_id=scope.id if scope else None,
            author_id=form.author_id,
            since=form.since_at,
            until=form.until_at,
            limit=RESULTS,
        )
        result = retrieval.search(session, get_services(request).search, viewer.user, params)
        retrieval.record(conn, viewer.user, params, result)
        context.update(hits=result.hits, took_ms=result.took_ms)
    else:
        filters = notes.NoteFilters(
            account_id=scope.id if scope else None,
            author_id=form.author_id,
            since=form.since_at,
            until=form.until_at,
        )
        page = notes.list_notes(session, viewer.user, filters, limit=RESULTS, cursor=None)
        context.update(latest=page.items)
    return render(request, "search.html", context)


# Posting a note


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
) -> Response:
    form = NoteForm.parse(
        body=body,
        account=account,
        account_id=account_id,
        contact_ids=contact_ids,
        visibility=visibility,
        observed_on=observed_on,
        form_key=form_key,
    )
    data = form.to_create(now=utcnow())
    if data is None:
        return _note_page(request, session, viewer, form, status=422)
    # The form's key makes a double tap on a slow phone one note, not two (as Idempotency-Key
    # does for the API); the day as typed stands in for "now", which differs between taps.
    claim_id: int | None = None
    if form.form_key:
        payload = {**data.model_dump(mode="json", exclude={"observed_at"}), "day": form.observed_on}
        lease = timedelta(seconds=settings.idempotency_lease_seconds)
        try:
            claimed = idempotency.claim(
                conn,
                user_id=viewer.user.id,
                scope=FORM_SCOPE,
                key=form.form_key,
                payload=payload,
                lease=lease,
            )
        except Invalid:
            form.form_key = secrets.token_urlsafe(16)
            notice = "This form already posted a note. Save again to post this one as a new note."
            return _note_page(request, session, viewer, form, status=409, notice=notice)
        except Conflict:
            notice = "This note is still being saved. Wait a moment, then open your notes."
            return _note_page(request, session, viewer, form, status=409, notice=notice)
        if isinstance(claimed, idempotency.Replay):
            return RedirectResponse(f"/notes/{claimed.body['note_id']}?saved=1", status_code=303)
        claim_id = claimed
    try:
        note = notes.create_note(session, viewer.user, data)
        if claim_id is not None:
            idempotency.complete(session, claim_id, status=303, body={"note_id": note.id})
    except Invalid as exc:
        session.rollback()
        if claim_id is not None:
            idempotency.release(conn, claim_id)
        form.errors["contact_ids" if "contact_ids" in exc.extensions else "account"] = exc.detail
        return _note_page(
            request,
            session,
            viewer,
            form,
            status=422,
            candidates=exc.extensions.get("candidates"),
        )
    except BaseException:
        session.rollback()  # first: on SQLite the release needs the write lock it holds
        if claim_id is not None:
            idempotency.release(conn, claim_id)
        raise
    return RedirectResponse(f"/notes/{note.id}?saved=1", status_code=303)


# Pickers: fragments that htmx puts into the note and search forms


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


# Reading


@router.get("/notes/{note_id}")
def note_page(
    request: Request,
    note_id: IdPath,
    session: SessionDep,
    viewer: SignedIn,
    conn: ConnectionDep,
    saved: str = "",
    verified: str = "",
) -> Response:
    note = notes.get_note(session, viewer.user, note_id)
    reuse.record_views(conn, viewer.user, [note], kind="opened", source="web")
    return render(
        request,
        "note.html",
        {
            "note": note,
            "saved": saved == "1",
            "verified": verified == "1",
            "verifier": note.verified_by,
            "own": note.author_id == viewer.user.id,
            "may_verify": access.can_curate(viewer.user, note),
            "marked_helpful": reuse.marked_helpful(session, viewer.user, note),
        },
    )


@router.post("/notes/{note_id}/helpful")
def mark_helpful(
    note_id: IdPath, session: SessionDep, viewer: CsrfChecked, undo: Annotated[str, Form()] = ""
) -> Response:
    """The reader says the note helped (or takes it back); it counts toward the author's reuse."""
    if undo:
        reuse.unmark_helpful(session, viewer.user, note_id)
    else:
        reuse.mark_helpful(session, viewer.user, note_id)
    return RedirectResponse(f"/notes/{note_id}", status_code=303)


@router.post("/notes/{note_id}/verify")
def verify_note(note_id: IdPath, session: SessionDep, viewer: CsrfChecked) -> Response:
    """The reader confirms the note still holds; back to the note, which says so."""
    freshness.verify_note(session, viewer.user, note_id)
    return RedirectResponse(f"/notes/{note_id}?verified=1", status_code=303)


@dataclass
class ChartNode:
    contact: Contact
    reports: list[ChartNode] = field(default_factory=list)


def reports_chart(people: Sequence[Contact]) -> list[ChartNode]:
    """The contacts as a tree, each under the one they report to (a reporting loop, which
    nothing else prevents, is cut where it closes)."""
    nodes = {c.id: ChartNode(c) for c in people}
    roots: list[ChartNode] = []
    for contact in people:
        boss = contact.reports_to_id
        if boss in nodes and boss != contact.id:
            nodes[boss].reports.append(nodes[contact.id])
        else:
            roots.append(nodes[contact.id])
    placed: set[int] = set()

    def keep(node: ChartNode) -> ChartNode:
        placed.add(node.contact.id)
        node.reports = [keep(r) for r in node.reports if r.contact.id not in placed]
        return node

    tree = [keep(root) for root in roots]
    for contact in people:  # a loop has no top: start it anywhere
        if contact.id not in placed:
            tree.append(keep(nodes[contact.id]))
    return tree


@router.get("/accounts/{account_id}")
def account_page(
    request: Request,
    account_id: IdPath,
    session: SessionDep,
    conn: ConnectionDep,
    viewer: SignedIn,
    cursor: str = "",
) -> Response:
    """The account's brief, from the notes the viewer may read (the one ``GET
    /v1/accounts/{id}/brief`` returns), then all those notes, newest first."""
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
            "chart": reports_chart(found.contacts),
            "topics": [(s, found.topics[s.name]) for s in SECTIONS if found.topics.get(s.name)],
            "notes": page.items,
            "next_cursor": page.next_cursor,
        },
    )
