"""The MCP server: Tacit's search, briefs, who-knows and note capture as tools for AI
assistants (Claude Desktop, ChatGPT connectors, IDE assistants), built on the official ``mcp``
SDK and served by the app itself at ``/mcp`` (Streamable HTTP). ``tacit mcp`` (``app.client``)
serves the same tools over stdio by forwarding to a server's ``/mcp``.

- ``server``: the tools as assistants see them (names, arguments, descriptions, annotations);
- ``tools``: what each does, through the domain functions, presenters and side writes the
  API's routes use;
- ``calls``: one tool call's caller and unit of work, and its answer or tool error;
- ``auth``: the bearer token, checked as the API checks it.

Stateless, with JSON responses: each POST is answered on its own, holding no session between
requests, so any of several server processes can answer any request (no sticky sessions, no
session table to share), and a request's work (token check, tool call, commit) is done before
its response leaves, as an API request's is. The tools need nothing from a session: they
neither notify nor ask the client anything.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from mcp.server.streamable_http_manager import StreamableHTTPASGIApp
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from app.http.problems import no_receive, problem
from app.http.state import AppState
from app.mcp.auth import ApiTokenVerifier, BearerGuard
from app.mcp.server import build_server

PATH = "/mcp"


class McpEndpoint:
    """The ASGI app at ``/mcp``: the bearer guard, then the SDK's Streamable HTTP transport,
    whose session manager runs inside the app's lifespan (``running``)."""

    def __init__(self, state: AppState) -> None:
        self.server = build_server(state)
        self._transport: ASGIApp | None = None
        self._guarded = BearerGuard(self._serve, ApiTokenVerifier(state))

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        # A session manager runs once: each lifespan gets a new one.
        self.server.streamable_http_app(
            streamable_http_path=PATH,
            stateless_http=True,
            json_response=True,
            # The SDK guards a loopback server against DNS rebinding by its Host header, which
            # would refuse every request made by a public name. Here every request needs a
            # bearer token, which a rebinding page does not have (no cookie is ever accepted).
            transport_security=TransportSecuritySettings(enable_dns_rebinding_protection=False),
        )
        manager = self.server.session_manager
        async with manager.run():
            self._transport = StreamableHTTPASGIApp(manager)
            try:
                yield
            finally:
                self._transport = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._guarded(scope, receive, send)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self._transport is None:
            detail = "the MCP server is starting or stopping; retry shortly"
            response = problem(Request(scope), 503, "Service unavailable", detail, "unavailable")
            await response(scope, no_receive, send)
            return
        await self._transport(scope, receive, send)


def install(app: Starlette, state: AppState) -> McpEndpoint:
    """Serve the MCP server at ``/mcp`` on ``app``; enter ``running()`` in its lifespan."""
    endpoint = McpEndpoint(state)
    # A Route whose endpoint is an ASGI app (not a function) hands it every method as it is.
    app.router.routes.append(Route(PATH, endpoint, include_in_schema=False))
    return endpoint
