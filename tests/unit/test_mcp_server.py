"""The MCP server as built, without a database: building it leaves the process's logging alone
(the SDK's constructor would configure the root logger), and every tool's arguments are a flat
object schema that strict clients accept."""

from __future__ import annotations

import json
import logging

import anyio

from app.config import Settings
from app.http.state import AppState
from app.mcp.server import build_server


def _settings() -> Settings:
    return Settings(_env_file=None, env="test", database_url="sqlite:///unused.db")  # type: ignore[call-arg]


def test_building_the_server_leaves_the_root_logger_alone() -> None:
    root = logging.getLogger()
    # As in `tacit serve` before uvicorn starts: no handler yet (pytest's own are set aside,
    # or basicConfig would do nothing and the test would prove nothing).
    kept, root.handlers[:] = list(root.handlers), []
    try:
        level = root.level
        build_server(AppState(_settings()))
        after = (root.level, list(root.handlers))
    finally:
        root.handlers[:] = kept
    assert after == (level, [])


def test_every_argument_is_described_and_no_schema_refers_elsewhere() -> None:
    tools = anyio.run(build_server(AppState(_settings())).list_tools)
    assert len(tools) == 8
    for tool in tools:
        text = json.dumps(tool.input_schema)
        assert tool.input_schema["type"] == "object" and "$ref" not in text, tool.name
        assert tool.output_schema is None, tool.name
        for name, spec in tool.input_schema["properties"].items():
            assert spec.get("description"), f"{tool.name}.{name}"
