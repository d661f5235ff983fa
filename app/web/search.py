"""The start page: ask in your own words, or with no question see the latest notes, filtered
alike by account, author and dates. The same search and listing as the API's, with its direct
answer above the hits when the question asks for something the influence map knows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from app.db.models import Account, Contact
from app.domain import accounts, contacts, lookup, notes, retrieval
from app.errors import Invalid, NotFound
from app.http.deps import ConnectionDep, SessionDep, get_services
from app.web.auth import SignedIn
from app.web.forms import MAX_PAGES, SearchForm
from app.web.pages import WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

RESULTS = 20
CLOSEST = 3  # the weak hits shown when nothing is a confident match


@dataclass
class Section:
    """Hits shown together: one group of a list (headed by its account), or all of them."""

    account: Account | None
    hits: list[retrieval.Hit]
    incident: bool = False


def arranged(result: retrieval.SearchResult) -> tuple[list[Section], list[retrieval.Hit]]:
    """The confident hits in sections (one per group for a list, in the groups' order), and
    the weaker ones; with no confident hit, no section and the closest few."""
    confident = [h for h in result.hits if not h.weak]
    weaker = [h for h in result.hits if h.weak]
    if not confident:
        return [], weaker[:CLOSEST]
    if not result.groups:
        return [Section(None, confident)], weaker
    sections = []
    for group in result.groups:
        members = [h for h in confident if h.group == group.key]
        if members:
            account = members[0].note.account
            sections.append(Section(account, members, incident=group.per == "incident"))
    return sections, weaker


@dataclass
class Chip:
    """One thing a search was understood to be about, and the searches one click away."""

    kind: str  # "account" or "contact"
    name: str
    active: bool  # whether it narrows the search now
    narrow: str | None = None  # the query string of the search narrowed to it alone
    widen: str | None = None  # the query string of the search without it


def understood(
    result: retrieval.SearchResult,
    form: SearchForm,
    scope: Account | None,
    contact: Contact | None,
) -> list[Chip]:
    """The accounts and contacts the search is about: chosen in the filters, or named in the
    question (which narrows it to them unless the reader widened it)."""
    chips = []
    if scope is not None:
        chips.append(Chip("account", scope.name, True, widen=form.query(account="", wide="1")))
    else:
        named = result.accounts
        # Several accounts of one name: the question is about one of them; each chip narrows.
        for account in named:
            narrow = form.query(account=str(account.id), wide="")
            widen = form.query(wide="1") if not form.wide else None
            active = not form.wide
            chips.append(
                Chip(
                    "account",
                    account.name,
                    active,
                    narrow=narrow if len(named) > 1 or form.wide else None,
                    widen=widen,
                )
            )
    if contact is not None:
        chips.append(Chip("contact", contact.name, True, widen=form.query(contact_id="")))
    for person in result.contacts:
        if contact is None or person.id != contact.id:
            narrow = form.query(contact_id=str(person.id))
            chips.append(Chip("contact", person.name, False, narrow=narrow))
    return chips


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
    contact_id: str = "",
    wide: str = "",
    pages: str = "",
    cursor: str = "",
) -> Response:
    """Ask in your own words; with no question, the latest notes (filtered alike), a page at
    a time. A search shows what it understood the question to be about, with a click to widen
    or narrow it."""
    form = SearchForm.parse(
        q=q,
        account=account,
        author_id=author_id,
        since=since,
        until=until,
        contact_id=contact_id,
        wide=wide,
        pages=pages,
    )
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
        "answer": None,
        "contact": None,
    }
    if form.errors:
        return render(request, "search.html", context, status=422)
    if form.contact_id is not None:
        try:
            context["contact"] = contacts.get_contact(session, form.contact_id)
        except NotFound:
            form.contact_id = None  # a contact since erased: search without it
    if form.q:
        limit = RESULTS * form.pages
        params = retrieval.SearchRequest(
            q=form.q,
            account_id=scope.id if scope else None,
            contact_id=form.contact_id,
            author_id=form.author_id,
            since=form.since_at,
            until=form.until_at,
            limit=limit,
            scope_to_named_accounts=not form.wide,
        )
        result = retrieval.search(session, get_services(request).search, viewer.user, params)
        retrieval.record(conn, viewer.user, params, result, source="web")
        sections, weaker = arranged(result)
        context.update(
            hits=result.hits,
            sections=sections,
            weaker=weaker,
            confident=result.confident,
            took_ms=result.took_ms,
            answer=result.answer,
            understood=understood(result, form, scope, context["contact"]),
            # Ranked afresh each time, so "more" asks for the first pages and one more.
            more=len(result.hits) >= limit and limit < RESULTS * MAX_PAGES,
        )
    else:
        filters = notes.NoteFilters(
            account_id=scope.id if scope else None,
            author_id=form.author_id,
            since=form.since_at,
            until=form.until_at,
        )
        page = notes.list_notes(
            session, viewer.user, filters, limit=RESULTS, cursor=cursor[:512] or None
        )
        context.update(latest=page.items, next_cursor=page.next_cursor, first_page=not cursor)
    return render(request, "search.html", context)
