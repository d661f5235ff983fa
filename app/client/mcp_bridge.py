"""``tacit mcp``: the server's MCP tools over stdio, for assistants that start a local command
(Claude Desktop, IDEs). A thin bridge built on the official SDK: a stdio MCP server whose
``tools/list`` and ``tools/call`` are forwarded, unchanged, to the server's ``/mcp`` (the SDK's
Streamable HTTP client), with the URL and token ``tacit login`` saved. Everything an assistant
sees (tools, access, errors) is the server's: this process holds no data and no rule."""

from __future__ import annotations

from typing import Any

import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server
from mcp_types import (
    CallToolRequestParams,
    CallToolResult,
    ListToolsResult,
    PaginatedRequestParams,
)

from app.client.config import Remote

# Connecting and writing are quick or broken; a tool call (a brief, a search while the server
# loads its model) may take a while.
TIMEOUT = httpx2.Timeout(30.0, read=300.0)


async def serve_stdio(remote: Remote) -> None:
    """Serve MCP on standard input and output until the assistant closes them."""
    headers = {"Authorization": f"Bearer {remote.token}"}
    async with (
        httpx2.AsyncClient(headers=headers, timeout=TIMEOUT) as http,
        streamable_http_client(f"{remote.url}/mcp", http_client=http) as (read, write),
        ClientSession(read, write) as upstream,
    ):
        first = await upstream.initialize()

        async def list_tools(_: Any, params: PaginatedRequestParams | None) -> ListToolsResult:
            return await upstream.list_tools(params=params)

        async def call_tool(_: Any, params: CallToolRequestParams) -> CallToolResult:
            return await upstream.call_tool(params.name, params.arguments)

        bridge: Server[Any] = Server(
            first.server_info.name,
            version=first.server_info.version,
            title=first.server_info.title,
            instructions=first.instructions,
            on_list_tools=list_tools,
            on_call_tool=call_tool,
        )
        async with stdio_server() as (stdin, stdout):
            await bridge.run(stdin, stdout, bridge.create_initialization_options())
