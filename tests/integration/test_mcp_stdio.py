"""``tacit mcp``: the server's MCP tools over stdio, as the subprocess an assistant starts,
through the SDK's stdio client, against a real uvicorn on each database (the world of
``test_mcp``)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import anyio
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp_types import CallToolResult

from tests.integration.test_mcp import (
    TOOLS,
    World,
    assert_nothing_hidden,
    mcp_world,
    ok,
)

TACIT = Path(sys.executable).parent / "tacit"
__all__ = ["mcp_world"]  # the world fixture, shared with test_mcp


def client_environ(tmp_path: Path) -> dict[str, str]:
    """No stray configuration, and no proxy between the client and the loopback server."""
    environ = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TACIT_") and not k.lower().endswith("_proxy")
    }
    return environ | {"TACIT_CONFIG": str(tmp_path / "none.toml")}


def test_tacit_mcp_serves_the_tools_over_stdio(
    mcp_world: World, live_url: str, tmp_path: Path
) -> None:
    w = mcp_world
    environ = client_environ(tmp_path)
    params = StdioServerParameters(
        command=str(TACIT), args=["mcp", "--url", live_url, "--token", w.ada.token], env=environ
    )

    async def main() -> tuple[set[str], CallToolResult]:
        with (tmp_path / "stderr.log").open("w") as errlog:
            async with (
                stdio_client(params, errlog=errlog) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                listing = await session.list_tools()
                found = await session.call_tool(
                    "search_notes", {"query": "budget", "account": "Harbor Freightways"}
                )
                return {t.name for t in listing.tools}, found

    names, found = anyio.run(main)
    assert names == TOOLS
    assert_nothing_hidden(found)
    hits = {hit["note_id"] for hit in ok(found)["hits"]}
    assert hits == {w.readable[k] for k in ("final", "procurement", "tuesday")}


def test_tacit_mcp_refuses_a_bad_token_in_one_line(live_url: str, tmp_path: Path) -> None:
    environ = client_environ(tmp_path)
    result = subprocess.run(
        [str(TACIT), "mcp", "--url", live_url, "--token", "tacit_wrong"],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 1 and result.stdout == ""
    assert "401" in result.stderr and "Traceback" not in result.stderr
