"""The start page: ask in your own words, or with no question see the latest notes, filtered
alike by account, author and dates. The same search and listing as the API's, with its direct
answer above the hits when the question asks for something the influence map knows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response

from app.db.models import Account
from app.domain import accounts, lookup, notes, retrieval
from app.errors import Invalid
from app.http.deps import ConnectionDep, SessionDep, get_services
from app.web.auth import SignedIn
from app.web.forms import SearchForm
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
        "answer": None,
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
        retrieval.record(conn, viewer.user, params, result, source="web")
        sections, weaker = arranged(result)
        context.update(
            hits=result.hits,
            sections=sections,
            weaker=weaker,
            confident=result.confident,
            took_ms=result.took_ms,
            answer=result.answer,
        )
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
