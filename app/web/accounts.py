"""The account list (search and filters, a page at a time), and an account's page: its
influence map and red flags first (the ones ``GET /v1/accounts/{id}/influence`` returns), then
its brief, from the notes the viewer may read (the
one ``GET /v1/accounts/{id}/brief`` returns), then all those notes, newest first."""

from __future__ import annotations

from dataclasses import dataclass, field

from fastapi import APIRouter, Request, Response

from app.db.base import utcnow
from app.domain import account_list, accounts, brief, notes, reuse
from app.http.deps import ConnectionDep, IdPath, SessionDep, SettingsDep
from app.taxonomy import SECTIONS, Section
from app.web.analytics import RED_FLAGS
from app.web.auth import SignedIn
from app.web.forms import AccountListForm
from app.web.influence_view import FIELD_LABELS, SHOWN_BUTTONS, map_rows
from app.web.pages import WebRoute, render

router = APIRouter(include_in_schema=False, route_class=WebRoute)

ACCOUNT_NOTES = 25
ACCOUNTS_PAGE = 25
# What the page says after a note of the account was taken away (app.web.note_actions).
REMOVED = {
    "deleted": "The note is deleted.",
    "archived": "The note is archived: it no longer shows in searches, briefs or lists.",
}


@dataclass
class Sections:
    """The brief's notes as the page shows them: each note once, in the first section that
    quotes it (what changed recently, then the topics, then what is due a check)."""

    changes: list[brief.NoteItem] = field(default_factory=list)
    topics: list[tuple[Section, list[brief.NoteItem]]] = field(default_factory=list)
    due: list[brief.NoteItem] = field(default_factory=list)
    shown: set[int] = field(default_factory=set)

    def keep(self, items: list[brief.NoteItem]) -> list[brief.NoteItem]:
        kept = [item for item in items if item.note.id not in self.shown]
        self.shown.update(item.note.id for item in kept)
        return kept


def each_note_once(found: brief.Brief) -> Sections:
    sections = Sections()
    sections.changes = sections.keep(found.changes)
    for section in SECTIONS:
        if items := sections.keep(found.topics.get(section.name, [])):
            sections.topics.append((section, items))
    sections.due = sections.keep(found.stale)
    return sections


@router.get("/accounts")
def account_list_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    viewer: SignedIn,
    q: str = "",
    industry: str = "",
    region: str = "",
    stale: str = "",
    red_flag: str = "",
    cursor: str = "",
) -> Response:
    """Every account, by name, with what the viewer knows of each; a page at a time."""
    form = AccountListForm.parse(
        q=q, industry=industry, region=region, stale=stale, red_flag=red_flag, flags=RED_FLAGS
    )
    filters = account_list.AccountFilters(
        q=form.q,
        industry=form.industry,
        region=form.region,
        stale=form.stale,
        red_flag=form.red_flag,
    )
    page = account_list.list_accounts(
        session,
        viewer.user,
        filters,
        coverage_days=settings.coverage_days,
        now=utcnow(),
        limit=ACCOUNTS_PAGE,
        cursor=cursor[:512] or None,
    )
    return render(
        request,
        "accounts.html",
        {
            "form": form,
            "rows": page.items,
            "next_cursor": page.next_cursor,
            "first_page": not cursor,
            "choices": account_list.filter_choices(session),
            "red_flags": RED_FLAGS,
            "coverage_days": settings.coverage_days,
        },
    )


@router.get("/accounts/{account_id}")
def account_page(
    request: Request,
    account_id: IdPath,
    session: SessionDep,
    conn: ConnectionDep,
    settings: SettingsDep,
    viewer: SignedIn,
    cursor: str = "",
    reviewed: str = "",
    removed: str = "",
) -> Response:
    account = accounts.get_account(session, account_id)
    found = brief.account_brief(
        session, viewer.user, account.id, coverage_days=settings.coverage_days
    )
    reuse.record_views(conn, viewer.user, found.quoted(), kind="shown", source="web")
    page = notes.list_notes(
        session,
        viewer.user,
        notes.NoteFilters(account_id=account.id),
        limit=ACCOUNT_NOTES,
        cursor=cursor[:512] or None,
    )
    assert found.influence is not None, "the account brief builds the influence map"
    rows, others = map_rows(found.influence)
    return render(
        request,
        "account.html",
        {
            "account": account,
            "brief": found,
            "map": found.influence.map,
            "red_flags": found.influence.red_flags,
            "rows": rows,
            "others": others,
            "labels": FIELD_LABELS,
            "shown_buttons": SHOWN_BUTTONS,
            "reviewed": reviewed == "1",
            "removed": REMOVED.get(removed),
            "role_names": brief.ROLE_NAMES,
            "chart": found.chart,
            "sections": (sections := each_note_once(found)),
            # The account's other notes: those the brief did not already show above.
            "notes": [n for n in page.items if n.id not in sections.shown],
            "next_cursor": page.next_cursor,
            "older_page": bool(cursor),
        },
    )
