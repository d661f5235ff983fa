"""The MCP server's tools: names, arguments, descriptions and annotations, as assistants see
them. Each runs ``app.mcp.tools`` as its caller through ``app.mcp.calls.run_tool``.

There is no tool that deletes, erases or edits: an assistant may read what its user may read
and add notes, nothing more. Arguments are plain strings, numbers and lists, so every input
schema is a flat object without ``$ref``; results carry no output schema (they are the API's
shapes, given as structured content and as JSON text).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp_types import CallToolResult, ToolAnnotations
from pydantic import Field

from app.http.state import AppState
from app.mcp import tools
from app.mcp.calls import run_tool
from app.schemas.search import MAX_RESULTS

INSTRUCTIONS = """\
Tacit holds what colleagues know about customer accounts: who decides, who blocks, what went \
wrong before, what a contact cares about. Every answer is limited to the notes the signed-in \
user may read. Cite notes by their url. Accounts are named as people name them (name, alias, \
domain, e-mail address or id); an unknown account is an error listing the closest names: ask \
the user which one they meant rather than searching wider."""

READ = ToolAnnotations(read_only_hint=True, destructive_hint=False, open_world_hint=False)
WRITE = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)

AccountArg = Annotated[
    str,
    Field(
        min_length=1,
        max_length=320,
        description="The account: its name (any case), an alias, a domain, an e-mail address "
        "or URL at its domain, or its id.",
    ),
]
OptionalAccount = Annotated[
    str | None,
    Field(
        max_length=320,
        description="Only this account: a name, alias, domain, e-mail address or id.",
    ),
]
OptionalContact = Annotated[
    str | None,
    Field(
        max_length=320,
        description="Only notes mentioning this person at the customer: e-mail, id, or name "
        "(a first name needs the account).",
    ),
]
Query = Annotated[
    str, Field(min_length=1, max_length=1000, description="The question, in your own words.")
]


@contextmanager
def _root_logging_kept() -> Iterator[None]:
    """The SDK's constructor calls ``logging.basicConfig`` (INFO, a rich handler on the root
    logger), which would change what the whole server logs; logging is its host's business
    (uvicorn's, the CLI's), so the root logger is put back as it was."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        root.setLevel(level)
        root.handlers[:] = handlers


def build_server(state: AppState) -> MCPServer:
    """The tools, bound to the app whose services and database they use."""
    with _root_logging_kept():
        server: MCPServer = MCPServer(
            name="tacit", title="Tacit", instructions=INSTRUCTIONS, version="0.1.0"
        )

    @server.tool(
        name="search_notes",
        title="Search colleagues' notes",
        annotations=READ,
        description='Search what colleagues wrote about customers, in your own words ("who '
        'signs off on spend at Harbor?", "past vendor failures at Coldwater"), best first. '
        "Each hit has the note id, url, account, author, observed date, age, visibility and "
        "the matching passage; when the question asks for something the buying-influence map "
        "knows (who signs off, the coach, what a person cares about or avoids, who knows "
        "them), `answer` states it with its people, evidence notes and date, else null. Each "
        "hit has a calibrated `confidence`; `weak` hits (and `weak: true` for the search: no "
        "confident match) are only the closest notes, not answers: say so rather than quote "
        "them as fact. `similar` lists notes that restate a hit. A question asking for a list "
        "('which accounts...', 'every...') has `groups`, one per account (or incident), and "
        "each hit's `group`. Use it to answer a question about a customer. Not for a whole "
        "picture of one account before a call (use get_account_brief) or for whom to ask "
        "(use who_knows). An unknown account or contact is an error naming close matches.",
    )
    def search_notes(
        query: Query,
        ctx: Context,
        account: OptionalAccount = None,
        contact: OptionalContact = None,
        since: Annotated[
            str | None,
            Field(description="Observed on or after: 2026-03-01 or an ISO time."),
        ] = None,
        until: Annotated[
            str | None, Field(description="Observed before this date or time.")
        ] = None,
        limit: Annotated[
            int, Field(ge=1, le=MAX_RESULTS, description="How many hits (default 10).")
        ] = 10,
    ) -> CallToolResult:
        return run_tool(
            state,
            ctx,
            lambda call: tools.search_notes(
                call,
                query=query,
                account=account,
                contact=contact,
                since=since,
                until=until,
                limit=limit,
            ),
        )

    @server.tool(
        name="fetch_note",
        title="Open a note",
        annotations=READ,
        description="The whole text of one note by its id (from search_notes or a brief), "
        "with its account, author, contacts, observed date, age, visibility and url. Use it "
        "when a snippet is not enough to answer or to quote. A note the user may not read is "
        "reported as not found, exactly like a missing one.",
    )
    def fetch_note(
        id: Annotated[int, Field(ge=1, le=2**31 - 1, description="The note's id.")],
        ctx: Context,
    ) -> CallToolResult:
        return run_tool(state, ctx, lambda call: tools.fetch_note(call, note_id=id))

    @server.tool(
        name="get_account_brief",
        title="Brief on an account",
        annotations=READ,
        description="Everything to know before a call with one account, from the notes the "
        "user may read: buying influences (economic, technical and user buyers, coach) with "
        "evidence, who reports to whom, gaps, the best notes per topic, recent changes, what "
        "is stale, and whom to ask. Use it to prepare for a meeting or to get the lie of the "
        "land; for one specific question search_notes is faster and more precise.",
    )
    def get_account_brief(account: AccountArg, ctx: Context) -> CallToolResult:
        return run_tool(state, ctx, lambda call: tools.get_account_brief(call, account=account))

    @server.tool(
        name="get_meeting_brief",
        title="Brief for a meeting",
        annotations=READ,
        description="Prepare for a meeting from its attendees and/or its calendar invitation: "
        "the account most attendees belong to, its brief, and for each attendee what is known "
        "about them (personal context first; colleagues are named as such). Give attendees as "
        'addresses ("Jill Oyelaran <jill@bramblewood.example>") or the invitation\'s .ics '
        "text. Use get_account_brief instead when you already know the account.",
    )
    def get_meeting_brief(
        ctx: Context,
        attendees: Annotated[
            list[str] | None,
            Field(
                max_length=100,
                description='Attendees: e-mail addresses, "Name <address>", or names.',
            ),
        ] = None,
        invitation: Annotated[
            str | None,
            Field(description="The invitation as iCalendar (.ics) text."),
        ] = None,
    ) -> CallToolResult:
        return run_tool(
            state,
            ctx,
            lambda call: tools.get_meeting_brief(
                call, attendees=attendees or [], invitation=invitation
            ),
        )

    @server.tool(
        name="who_knows",
        title="Who knows about it",
        annotations=READ,
        description="Colleagues who wrote about an account, a person at a customer, or a "
        "topic, with how many notes and how recently; only notes the user may read are "
        "counted, and the user is left out. Use it to find whom to ask or introduce. Give at "
        'least one of account, contact and topic; a topic can be free words ("data '
        'residency") or a brief section ("competitors", "personal context").',
    )
    def who_knows(
        ctx: Context,
        account: OptionalAccount = None,
        contact: OptionalContact = None,
        topic: Annotated[str | None, Field(max_length=200, description="What about.")] = None,
    ) -> CallToolResult:
        return run_tool(
            state,
            ctx,
            lambda call: tools.find_who_knows(call, account=account, contact=contact, topic=topic),
        )

    @server.tool(
        name="create_note",
        title="Write a note",
        annotations=WRITE,
        description="Save something the user learned about a customer as a note, as the "
        "user. Only when the user asks to record it: never to store your own summaries. "
        "Visibility: private (the user only), team or company; when not given, team, or "
        "private if the text states a sensitive fact about a person (the answer then warns). "
        "Send an idempotency_key (any unique string) and repeat it on a retry: the same key "
        "and arguments give back the same note instead of a second one.",
    )
    def create_note(
        account: AccountArg,
        body: Annotated[
            str,
            Field(
                min_length=1,
                max_length=20_000,
                description="The note, in Markdown: what was learned, plainly.",
            ),
        ],
        ctx: Context,
        visibility: Annotated[
            Literal["private", "team", "company"] | None,
            Field(description="Who may read it (see the description)."),
        ] = None,
        contacts: Annotated[
            list[str] | None,
            Field(
                max_length=100,
                description="People at the account the note is about: e-mail, id or name.",
            ),
        ] = None,
        idempotency_key: Annotated[
            str | None,
            Field(max_length=255, description="Makes a retry safe (see above)."),
        ] = None,
    ) -> CallToolResult:
        return run_tool(
            state,
            ctx,
            lambda call: tools.create_note(
                call,
                account=account,
                body=body,
                visibility=visibility,
                contacts_named=contacts or [],
                idempotency_key=idempotency_key,
            ),
            write=True,
        )

    @server.tool(
        name="search",
        title="Search (for connectors)",
        annotations=READ,
        description="Search colleagues' notes about customers with one question, for "
        "ChatGPT connectors and deep research: a list of results with id, title, url and the "
        "matching passage. Pass an id to fetch for the whole note. Assistants that can give "
        "filters should use search_notes.",
    )
    def search(query: Query, ctx: Context) -> CallToolResult:
        return run_tool(state, ctx, lambda call: tools.search_for_connector(call, query=query))

    @server.tool(
        name="fetch",
        title="Fetch a note (for connectors)",
        annotations=READ,
        description="One note's whole text by the id search returned, with its title, url "
        "and metadata (account, author, observed date, age, visibility), for ChatGPT "
        "connectors and deep research.",
    )
    def fetch(
        id: Annotated[str, Field(min_length=1, max_length=32, description="An id from search.")],
        ctx: Context,
    ) -> CallToolResult:
        return run_tool(state, ctx, lambda call: tools.fetch_for_connector(call, ref=id))

    return server
