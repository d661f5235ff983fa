"""The MCP server, through the official SDK's client, against a real uvicorn, on each database:
the tools' listing, each tool called as a user, and the access rule held by all of them. Two
teams write private, team and company notes; nothing another team or another person keeps to
themselves may reach a tool's answer, in any form (a hit, a brief, a count, an error).
``tacit mcp`` (stdio) is tested in ``test_mcp_stdio.py``."""

from __future__ import annotations

import json
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx
import httpx2
import pytest
from fastapi.testclient import TestClient
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp_types import CallToolResult
from sqlalchemy import func, select

from app.config import Settings
from app.db.engine import Database
from app.db.models import Note, NoteView, Role, Search, SearchImpression, TokenScope, User
from app.main import create_app
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
    with_token,
)
from tests.worlds import Site, world_template

TACIT = Path(sys.executable).parent / "tacit"
T = TypeVar("T")

READ_TOOLS = {
    "search_notes",
    "fetch_note",
    "get_account_brief",
    "get_meeting_brief",
    "who_knows",
    "search",
    "fetch",
}
TOOLS = READ_TOOLS | {"create_note"}
# Words only the notes Ada may not read contain: none may reach her, in any tool's answer.
HIDDEN_WORDS = ("pangolin", "quokka", "axolotl")


@dataclass(frozen=True)
class World:
    ada: Person  # east rep
    bob: Person  # east rep
    mia: Person  # east manager
    wes: Person  # west rep
    harbor: int
    coldwater: int
    meg: int
    readable: dict[str, int]  # notes Ada may read, by a word of theirs
    hidden: dict[str, int]  # notes Ada may not read, by their hidden word


@world_template
def mcp_world(site: Site) -> World:
    db, client = site.db, site.client
    ada = make_user(db, "Ada Reyes", team="east")
    bob = make_user(db, "Bob Stone", team="east")
    mia = make_user(db, "Mia Ford", team="east", role=Role.manager)
    wes = make_user(db, "Wes Quinn", team="west")
    harbor = make_account(
        db, "Harbor Freightways", domains=["harbor.example"], aliases=["Harbor Freight"]
    )
    coldwater = make_account(db, "Coldwater College", domains=["coldwater.example"])
    meg = make_contact(db, harbor, "Meg Lee", title="CFO", email="meg@harbor.example")

    def note(author: Person, account: int, body: str, visibility: str) -> int:
        mentions = [meg] if account == harbor else []
        return post_note(client, author, account, body, visibility=visibility, contact_ids=mentions)

    readable = {
        "final": note(ada, harbor, "Meg Lee (CFO) has final say on any budget over $50k.", "team"),
        "procurement": note(
            bob, harbor, "Procurement at Harbor takes six weeks; budget approvals go through "
            "Meg Lee.", "company",
        ),
        "tuesday": note(mia, harbor, "Meg Lee prefers budget reviews on Tuesday mornings.", "team"),
        "board": note(
            wes, coldwater, "The Coldwater budget is approved by the board every June.", "company"
        ),
    }  # fmt: skip
    hidden = {
        "pangolin": note(
            bob, harbor, "Pangolin: Meg Lee confided the budget may be cut next year.", "private"
        ),
        "quokka": note(
            wes, harbor, "Quokka: the budget for the west renewal is frozen by Meg Lee.", "team"
        ),
        "axolotl": note(
            wes, harbor, "Axolotl: Meg Lee, the budget owner, is leaving in spring.", "private"
        ),
    }
    embed_everything(db, site.settings)
    return World(ada, bob, mia, wes, harbor, coldwater, meg, readable, hidden)


# --- talking MCP ----------------------------------------------------------------------------------


def session_run(url: str, token: str, work: Callable[[ClientSession], Awaitable[T]]) -> T:
    """``work`` in an MCP session with the server at ``url``, as the token's user."""

    async def main() -> T:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=120) as http,
            streamable_http_client(f"{url}/mcp", http_client=http) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await work(session)

    return anyio.run(main)


def calls(url: str, person: Person, *wanted: tuple[str, dict[str, Any]]) -> list[CallToolResult]:
    """Each tool call in turn, in one session, as ``person``."""

    async def work(session: ClientSession) -> list[CallToolResult]:
        return [await session.call_tool(name, args) for name, args in wanted]

    return session_run(url, person.token, work)


def call(url: str, person: Person, name: str, **args: Any) -> CallToolResult:
    return calls(url, person, (name, args))[0]


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, result.content
    assert result.structured_content is not None
    # The text is the same answer, for clients that read only text.
    assert json.loads(result.content[0].text) == result.structured_content  # type: ignore[union-attr]
    return result.structured_content


def error_text(result: CallToolResult) -> str:
    assert result.is_error, result.structured_content
    return str(result.content[0].text)  # type: ignore[union-attr]


def assert_nothing_hidden(result: CallToolResult) -> None:
    text = json.dumps(result.structured_content).lower() + str(result.content).lower()
    for word in HIDDEN_WORDS:
        assert word not in text, f"{word!r} leaked: {text[:2000]}"


# --- the listing ----------------------------------------------------------------------------------


def test_tools_are_listed_with_annotations_and_strict_schemas(
    mcp_world: World, live_url: str
) -> None:
    async def work(session: ClientSession) -> Any:
        return await session.list_tools()

    listing = session_run(live_url, mcp_world.ada.token, work)
    tools = {tool.name: tool for tool in listing.tools}
    assert set(tools) == TOOLS
    assert not any(word in name for name in tools for word in ("delete", "erase", "update"))
    for name, tool in tools.items():
        assert tool.annotations is not None, name
        if name in READ_TOOLS:
            assert tool.annotations.read_only_hint is True, name
        assert tool.description and len(tool.description) > 80, name
        schema = tool.input_schema
        assert schema["type"] == "object", name
        assert "$ref" not in json.dumps(schema) and "$defs" not in schema, name
        for prop, spec in schema["properties"].items():
            assert spec.get("description"), f"{name}.{prop} has no description"
        assert "ctx" not in schema["properties"], name
    write = tools["create_note"].annotations
    assert write is not None
    assert (write.read_only_hint, write.destructive_hint, write.idempotent_hint) == (
        False,
        False,
        True,
    )
    assert tools["search"].input_schema["required"] == ["query"]
    assert tools["fetch"].input_schema["required"] == ["id"]
    assert set(tools["search"].input_schema["properties"]) == {"query"}
    assert set(tools["fetch"].input_schema["properties"]) == {"id"}


# --- the access rule in every tool ----------------------------------------------------------------


def test_no_tool_shows_another_teams_or_another_persons_notes(
    mcp_world: World, live_url: str
) -> None:
    w = mcp_world
    results = calls(
        live_url,
        w.ada,
        ("search_notes", {"query": "Meg Lee budget"}),
        ("search_notes", {"query": "budget", "account": "Harbor Freight", "limit": 50}),
        ("search_notes", {"query": "budget", "contact": "meg@harbor.example"}),
        ("search", {"query": "budget Meg Lee"}),
        ("get_account_brief", {"account": "harbor.example"}),
        ("get_meeting_brief", {"attendees": ["Meg Lee <meg@harbor.example>"]}),
        ("who_knows", {"account": "Harbor Freightways"}),
        ("who_knows", {"topic": "budget"}),
        ("who_knows", {"contact": "Meg Lee"}),
    )
    for result in results:
        assert_nothing_hidden(result)
    readable, hidden = set(w.readable.values()), set(w.hidden.values())

    hits = [hit["note_id"] for hit in ok(results[1])["hits"]]
    harbor_readable = {w.readable[k] for k in ("final", "procurement", "tuesday")}
    assert set(hits) == harbor_readable  # every readable Harbor note, and only those
    for hit in ok(results[1])["hits"]:
        assert hit["url"] == f"{live_url}/notes/{hit['note_id']}"
        assert hit["account"]["name"] == "Harbor Freightways"
        assert {"author", "observed_at", "age_days", "visibility"} <= set(hit)
    assert set(hit["note_id"] for hit in ok(results[0])["hits"]) <= readable
    assert set(hit["note_id"] for hit in ok(results[2])["hits"]) <= harbor_readable
    connector = ok(results[3])["results"]
    assert connector and {int(r["id"]) for r in connector} <= readable
    assert all(r["url"].startswith(live_url) and r["title"] for r in connector)

    brief = ok(results[4])
    assert brief["account"]["name"] == "Harbor Freightways" and brief["notes"] == 3
    cited = [i for items in brief["topics"].values() for i in items] + brief["changes"]
    assert cited and {i["id"] for i in cited} <= harbor_readable
    assert all(i["url"].endswith(f"/notes/{i['id']}") and i["account"] for i in cited)
    meeting = ok(results[5])
    assert meeting["account_brief"]["notes"] == 3
    assert {i["id"] for a in meeting["attendees"] for i in a["personal"] + a["notes"]} <= (
        harbor_readable
    )

    # Counts: only notes Ada may read, by colleagues (not herself), each once.
    def counted(result: CallToolResult) -> dict[str, int]:
        return {p["user"]["name"]: p["notes"] for p in ok(result)["people"]}

    assert counted(results[6]) == {"Bob Stone": 1, "Mia Ford": 1}
    assert counted(results[7]) == {"Bob Stone": 1, "Mia Ford": 1, "Wes Quinn": 1}
    assert counted(results[8]) == {"Bob Stone": 1, "Mia Ford": 1}
    assert ok(results[6])["notes"] == 2

    # By id: a hidden note is exactly as missing as a note that never existed.
    for note_id in hidden:
        opened = calls(
            live_url, w.ada, ("fetch_note", {"id": note_id}), ("fetch", {"id": str(note_id)})
        )
        never = calls(live_url, w.ada, ("fetch_note", {"id": 999_999}), ("fetch", {"id": "999999"}))
        for got, missing in zip(opened, never, strict=True):
            assert_nothing_hidden(got)
            assert error_text(got).replace(str(note_id), "N") == error_text(missing).replace(
                "999999", "N"
            )
    # Searching for a hidden note's own words finds it not (meaning still finds near notes).
    for word in HIDDEN_WORDS:
        found, connector, knows = calls(
            live_url,
            w.ada,
            ("search_notes", {"query": word}),
            ("search", {"query": word}),
            ("who_knows", {"topic": word}),
        )
        assert (ok(knows)["people"], ok(knows)["notes"]) == ([], 0)
        assert {hit["note_id"] for hit in ok(found)["hits"]} <= readable
        assert {int(r["id"]) for r in ok(connector)["results"]} <= readable
        assert word not in json.dumps(ok(found)["hits"]).lower()
        assert_nothing_hidden(connector)

    # A readable note opens whole, citable.
    note = ok(call(live_url, w.ada, "fetch_note", id=w.readable["procurement"]))
    assert (
        note["body"].startswith("Procurement at Harbor") and note["author"]["name"] == "Bob Stone"
    )
    assert note["url"] == f"{live_url}/notes/{note['id']}" and note["age_days"] == 0
    fetched = ok(call(live_url, w.ada, "fetch", id=str(w.readable["procurement"])))
    assert fetched["text"] == note["body"] and fetched["metadata"]["visibility"] == "company"


def test_the_other_team_sees_its_own_and_not_ours(mcp_world: World, live_url: str) -> None:
    w = mcp_world
    # Wes (west) reads his own team's and private notes, and none of east's team notes.
    found = ok(call(live_url, w.wes, "search_notes", query="budget", account="harbor.example"))
    hits = {hit["note_id"] for hit in found["hits"]}
    assert hits == {w.hidden["quokka"], w.hidden["axolotl"], w.readable["procurement"]}
    knows = ok(call(live_url, w.wes, "who_knows", account="Harbor Freightways"))
    assert {p["user"]["name"]: p["notes"] for p in knows["people"]} == {"Bob Stone": 1}
    # A manager gets no extra read access: Bob's private note stays his.
    managed = ok(call(live_url, w.mia, "who_knows", account="Harbor Freightways"))
    assert {p["user"]["name"]: p["notes"] for p in managed["people"]} == {
        "Ada Reyes": 1,
        "Bob Stone": 1,
    }


def test_who_knows_is_an_api_route_too(mcp_world: World, live_url: str) -> None:
    w = mcp_world
    with httpx.Client(base_url=live_url, headers=w.ada.headers, timeout=60) as api:
        found = api.get("/v1/who-knows", params={"account": "harbor.example", "topic": "budget"})
        unknown = api.get("/v1/who-knows", params={"account": "Harbr Freightways"})
        nothing = api.get("/v1/who-knows")
    assert found.status_code == 200, found.text
    assert {p["user"]["name"] for p in found.json()["people"]} == {"Bob Stone", "Mia Ford"}
    assert unknown.status_code == 422 and "Harbor Freightways" in unknown.json()["suggestions"]
    assert nothing.status_code == 422


# --- writing, retrying, naming the account --------------------------------------------------------


def test_reading_tools_need_the_read_scope_and_create_note_the_write_scope(
    mcp_world: World, live_url: str, db: Database
) -> None:
    w = mcp_world
    reader = with_token(db, w.ada, scopes=[TokenScope.read])
    writer = with_token(db, w.ada, scopes=[TokenScope.write])
    args = {"account": "Harbor Freight", "body": "Meg Lee wants the quote in euros."}
    found, refused = calls(
        live_url, reader, ("search_notes", {"query": "Meg Lee budget"}), ("create_note", args)
    )
    assert ok(found)["hits"]
    assert "token lacks the write scope" in error_text(refused)
    made, unread = calls(live_url, writer, ("create_note", args), ("fetch_note", {"id": 1}))
    assert ok(made)["source"] == "mcp"
    assert "token lacks the read scope" in error_text(unread)
    with db.session(write=False) as session:
        assert session.scalar(select(func.count()).where(Note.body == args["body"])) == 1


def test_the_same_idempotency_key_twice_makes_one_note(
    mcp_world: World, live_url: str, db: Database
) -> None:
    w = mcp_world
    args = {
        "account": "Harbor Freight",
        "body": "Meg Lee wants the renewal quote in euros.",
        "contacts": ["Meg"],
        "idempotency_key": "assistant-7f1c",
    }
    first, again, other = calls(
        live_url,
        w.ada,
        ("create_note", args),
        ("create_note", args),
        ("create_note", {**args, "body": "Something else entirely."}),
    )
    made, replayed = ok(first), ok(again)
    assert made["replayed"] is False and replayed["replayed"] is True
    assert replayed["id"] == made["id"]
    assert made["source"] == "mcp" and made["visibility"] == "team"
    assert [c["name"] for c in made["contacts"]] == ["Meg Lee"]
    assert made["url"] == f"{live_url}/notes/{made['id']}"
    assert "different request" in error_text(other)
    with db.session(write=False) as session:
        copies = session.scalar(
            select(func.count()).select_from(Note).where(Note.body.like("%renewal quote%"))
        )
    assert copies == 1
    # Written as Ada, with her team: Wes cannot read it, Bob can.
    assert ok(call(live_url, w.bob, "fetch_note", id=made["id"]))["author"]["name"] == "Ada Reyes"
    assert "no note" in error_text(call(live_url, w.wes, "fetch_note", id=made["id"]))


def test_an_unknown_account_names_close_matches_and_widens_nothing(
    mcp_world: World, live_url: str, db: Database
) -> None:
    w = mcp_world
    results = calls(
        live_url,
        w.ada,
        ("search_notes", {"query": "budget", "account": "Harbr Freightways"}),
        ("get_account_brief", {"account": "Harbour Freightways"}),
        ("who_knows", {"account": "Coldwatr College"}),
        ("create_note", {"account": "Harbr Freightways", "body": "A note with nowhere to go."}),
        ("search_notes", {"query": "budget", "contact": "Meg Le", "account": "harbor.example"}),
        ("search_notes", {"query": "budget", "since": "last tuesday"}),
        ("get_meeting_brief", {}),
        ("who_knows", {}),
    )
    assert "Harbor Freightways" in error_text(results[0])
    assert results[0].structured_content is not None
    assert "Harbor Freightways" in results[0].structured_content["suggestions"]
    assert "Harbor Freightways" in error_text(results[1])
    assert "Coldwater College" in error_text(results[2])
    assert "Harbor Freightways" in error_text(results[3])
    assert "Meg Lee" in error_text(results[4])
    assert "since" in error_text(results[5]) and "ISO 8601" in error_text(results[5])
    assert "attendee" in error_text(results[6])
    assert "account, a contact or a topic" in error_text(results[7])
    with db.session(write=False) as session:
        assert not session.scalar(select(Note.id).where(Note.body.like("%nowhere to go%")))


# --- reuse: what an assistant shows counts for the author -----------------------------------------


def test_searches_and_opens_through_mcp_count_as_reuse(
    mcp_world: World, live_url: str, db: Database
) -> None:
    w = mcp_world
    procurement = w.readable["procurement"]
    calls(
        live_url,
        w.ada,
        ("search_notes", {"query": "procurement six weeks"}),
        ("fetch_note", {"id": procurement}),
        ("fetch", {"id": str(procurement)}),
    )
    with db.session(write=False) as session:
        sources = list(session.scalars(select(Search.source).where(Search.user_id == w.ada.id)))
        shown = session.scalar(
            select(func.count())
            .select_from(SearchImpression)
            .where(SearchImpression.user_id == w.ada.id, SearchImpression.note_id == procurement)
        )
        opened = [
            (kind, source)
            for kind, source in session.execute(
                select(NoteView.kind, NoteView.source).where(
                    NoteView.user_id == w.ada.id, NoteView.note_id == procurement
                )
            )
        ]
    assert sources == ["mcp"] and shown == 1
    assert opened == [("opened", "mcp"), ("opened", "mcp")]
    with httpx.Client(base_url=live_url, headers=w.bob.headers, timeout=60) as api:
        rows = api.get("/v1/analytics/contributions").json()["rows"]
    (bob,) = [r for r in rows if r["user"]["id"] == w.bob.id]
    assert bob["impressions_by_others"] >= 1 and bob["opens_by_others"] >= 1


# --- the door: tokens and the setting -------------------------------------------------------------


def test_mcp_needs_a_valid_token(mcp_world: World, live_url: str, db: Database) -> None:
    hello = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    accept = {"Accept": "application/json, text/event-stream"}
    with db.unit_of_work() as session:
        session.get_one(User, mcp_world.wes.id).is_active = False
    with httpx.Client(base_url=live_url, timeout=60) as web:
        missing = web.post("/mcp", json=hello, headers=accept)
        wrong = web.post("/mcp", json=hello, headers={**accept, "Authorization": "Bearer tacit_x"})
        gone = web.post("/mcp", json=hello, headers={**accept, **mcp_world.wes.headers})
        right = web.post("/mcp", json=hello, headers={**accept, **mcp_world.ada.headers})
    for refused in (missing, wrong, gone):
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert refused.headers["content-type"] == "application/problem+json"
    assert right.status_code == 200, right.text
    assert right.json()["result"]["serverInfo"]["name"] == "tacit"


def test_mcp_disabled_is_not_found(settings: Settings, db: Database) -> None:
    off = settings.model_copy(update={"mcp_enabled": False})
    with TestClient(create_app(off)) as client:
        assert client.post("/mcp", json={}).status_code == 404
    with TestClient(create_app(settings)) as client:
        assert client.post("/mcp", json={}).status_code == 401


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    # The SDK's HTTP client honours proxy variables; the server is on loopback.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
