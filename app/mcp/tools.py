"""What each MCP tool does: the domain functions the API's routes call, with the same access
rule, presenters and side writes, plus what an assistant needs to cite a note (its web page,
account, author, observed date, age and visibility). ``app.mcp.server`` names and describes
them; ``app.mcp.calls`` runs each in its unit of work."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

from app.db.base import utcnow
from app.db.models import Account, Contact, Note, Visibility
from app.domain import accounts, brief, contacts, meeting, notes, retrieval, reuse, who_knows
from app.errors import Invalid
from app.http.deps import Idempotency
from app.http.presenters.brief import account_brief, meeting_brief
from app.http.presenters.notes import saved_note
from app.http.presenters.search import search_answer, search_groups, search_hit
from app.http.presenters.who_knows import who_knows_read
from app.mcp.calls import Call, Payload
from app.schemas.brief import MeetingRequest
from app.schemas.common import Ref
from app.schemas.notes import NoteCreate, NoteRead
from app.schemas.search import SearchQuery

SOURCE = "mcp"  # the channel, as searches, views and new notes record it
IDEMPOTENCY_SCOPE = "mcp.create_note"
_KEY = re.compile(r"^[\x21-\x7e]{1,255}$")  # as the API's Idempotency-Key
_TAG = re.compile(r"<[^>]+>")
# What a connector's fetch gives besides the text, to cite and weigh the note.
_METADATA = (
    "account", "author", "contacts", "observed_at", "age_days", "visibility", "sensitive",
    "stale", "superseded_by_id",
)  # fmt: skip


def _ref(record: Account | Contact | None) -> dict[str, Any] | None:
    return Ref.model_validate(record).model_dump(mode="json") if record is not None else None


def _account(call: Call, ref: str | None) -> Account | None:
    """The account a person names; unknown is ``Invalid`` naming the closest, never a wider
    search."""
    return accounts.resolve_account(call.session, ref[:320]) if ref else None


def _contact(call: Call, ref: str | None, account: Account | None) -> Contact | None:
    return contacts.resolve_contact(call.session, ref[:320], account=account) if ref else None


def _search(call: Call, query: str, *, limit: int, **filters: Any) -> retrieval.SearchResult:
    """A search as ``POST /v1/search`` runs it, recorded as asked through MCP."""
    checked = SearchQuery(q=query, limit=limit, **filters)
    params = retrieval.SearchRequest(**checked.model_dump())
    result = retrieval.search(call.session, call.services.search, call.user, params)
    retrieval.record(call.conn, call.user, params, result, source=SOURCE)
    return result


def search_notes(
    call: Call,
    *,
    query: str,
    account: str | None,
    contact: str | None,
    since: str | None,
    until: str | None,
    limit: int,
) -> Payload:
    found = _account(call, account)
    person = _contact(call, contact, found)
    result = _search(
        call,
        query,
        limit=limit,
        account_id=found.id if found else None,
        contact_id=person.id if person else None,
        since=since,
        until=until,
    )
    now = utcnow()
    hits = [
        {**search_hit(hit, now).model_dump(mode="json"), "url": call.note_url(hit.note.id)}
        for hit in result.hits
    ]
    answer = search_answer(result.answer, now)
    answered = answer.model_dump(mode="json") if answer is not None else None
    for item in answered["evidence"] if answered else []:
        item["url"] = call.note_url(item["note_id"])
    return {
        "query": query,
        "account": _ref(found),
        "contact": _ref(person),
        "answer": answered,
        "weak": not result.confident,
        "hits": hits,
        "groups": [g.model_dump(mode="json") for g in search_groups(result)],
    }


def _note(call: Call, note: Note, now: datetime) -> Payload:
    read = NoteRead.model_validate(note).model_dump(mode="json")
    age = max(0, (now - note.observed_at).days)
    return {**read, "url": call.note_url(note.id), "age_days": age}


def _opened(call: Call, note_id: int) -> Note:
    """A note the caller may read (else 404, exactly as a missing one), its opening counted
    as reuse."""
    note = notes.get_note(call.session, call.user, note_id)
    reuse.record_views(call.conn, call.user, [note], kind="opened", source=SOURCE)
    return note


def fetch_note(call: Call, *, note_id: int) -> Payload:
    return _note(call, _opened(call, note_id), utcnow())


def _cite(call: Call, items: list[dict[str, Any]], account: dict[str, Any] | None) -> None:
    for item in items:
        item["url"] = call.note_url(item["id"])
        item["account"] = account


def _cite_brief(call: Call, shown: dict[str, Any]) -> None:
    account = shown["account"]
    for items in shown["topics"].values():
        _cite(call, items, account)
    _cite(call, shown["changes"], account)
    _cite(call, shown["stale"], account)


def get_account_brief(call: Call, *, account: str) -> Payload:
    found = _account(call, account)
    assert found is not None  # the tool's argument is required and not empty
    result = brief.account_brief(call.session, call.user, found.id)
    reuse.record_views(call.conn, call.user, result.quoted(), kind="shown", source=SOURCE)
    shown = account_brief(result).model_dump(mode="json")
    _cite_brief(call, shown)
    return shown


def get_meeting_brief(call: Call, *, attendees: list[str], invitation: str | None) -> Payload:
    data = MeetingRequest(attendees=attendees, invitation=invitation)
    now = utcnow()
    result = meeting.meeting_brief(
        call.session, call.user, attendees=data.attendees, invitation=data.invitation, now=now
    )
    reuse.record_views(call.conn, call.user, result.quoted(), kind="shown", source=SOURCE)
    shown = meeting_brief(result, now).model_dump(mode="json")
    if shown["account_brief"] is not None:
        _cite_brief(call, shown["account_brief"])
        account = shown["account_brief"]["account"]
        for attendee in shown["attendees"]:
            _cite(call, attendee["personal"], account)
            _cite(call, attendee["notes"], account)
    return shown


def find_who_knows(
    call: Call, *, account: str | None, contact: str | None, topic: str | None
) -> Payload:
    found = _account(call, account)
    person = _contact(call, contact, found)
    about = who_knows.About(
        account_id=found.id if found else None,
        contact_id=person.id if person else None,
        topic=topic.strip() if topic else None,
    )
    result = who_knows.who_knows(call.session, call.services.index, call.user, about)
    shown = who_knows_read(result, account=found, contact=person, topic=about.topic, now=utcnow())
    return shown.model_dump(mode="json")


def create_note(
    call: Call,
    *,
    account: str,
    body: str,
    visibility: str | None,
    contacts_named: list[str],
    idempotency_key: str | None,
) -> Payload:
    """A note as ``POST /v1/notes`` writes it (``source`` "mcp"); a repeated key with the same
    arguments answers with the first call's note instead of writing another."""
    if idempotency_key is not None and not _KEY.match(idempotency_key):
        raise Invalid("idempotency_key must be 1 to 255 visible ASCII characters, no spaces")
    guard = Idempotency(call.conn, call.settings, call.user, idempotency_key)
    arguments = {
        "account": account,
        "body": body,
        "visibility": visibility,
        "contacts": contacts_named,
    }
    replay = guard.claim(IDEMPOTENCY_SCOPE, arguments)  # before the unit of work begins
    if replay is not None:
        return {**replay.body, "replayed": True}
    session = call.session
    with guard.abandoned_on_error(session):
        found = _account(call, account)
        if found is None:
            raise Invalid("give the account: a name, alias, domain, e-mail address or id")
        named = [_contact(call, ref, found) for ref in contacts_named]
        data = NoteCreate(
            body=body,
            account_id=found.id,
            visibility=Visibility(visibility) if visibility else None,
            contact_ids=list(dict.fromkeys(c.id for c in named if c is not None)),
            source=SOURCE,
        )
        note = notes.create_note(
            session, call.user, data, sensitive_categories=call.settings.sensitive_categories
        )
        saved = {
            **saved_note(note).model_dump(mode="json"),
            "url": call.note_url(note.id),
            "age_days": 0,
            "replayed": False,
        }
        guard.complete(session, 201, saved)
    return saved


# --- the two tools ChatGPT's connectors and deep research call --------------------------------


def _plain(snippet: str) -> str:
    return html.unescape(_TAG.sub("", snippet))


def _title(note: Note) -> str:
    return f"{note.account.name}: note by {note.author.name}, {note.observed_at:%Y-%m-%d}"


def search_for_connector(call: Call, *, query: str) -> Payload:
    result = _search(call, query, limit=10)
    return {
        "results": [
            {
                "id": str(hit.note.id),
                "title": _title(hit.note),
                "url": call.note_url(hit.note.id),
                "text": _plain(hit.snippet),
            }
            for hit in result.hits
        ]
    }


def fetch_for_connector(call: Call, *, ref: str) -> Payload:
    text = ref.strip().removeprefix("note-")
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 2**31):
        raise Invalid(f"{ref!r} is not a note id: give an id that search returned")
    note = _opened(call, int(text))
    shown = _note(call, note, utcnow())
    return {
        "id": str(note.id),
        "title": _title(note),
        "text": note.body,
        "url": shown["url"],
        "metadata": {key: shown[key] for key in _METADATA},
    }
