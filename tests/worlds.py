"""Worlds built once per module: the people, accounts and notes that a module's tests share,
written through the API and, where the tests need it, embedded with the real model, into a
template database of each kind. Every test that asks for the world gets its own copy of that
database, so a test that writes changes nothing for the next one."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.db.engine import Database
from app.main import create_app
from tests.databases import copy_database, drop_database, seal, settings_for

W = TypeVar("W")


@dataclass(frozen=True)
class Site:
    """Where a world is built: its database, the app serving it, and the app's settings."""

    db: Database
    client: TestClient
    settings: Settings


_TEMPLATE_URL = pytest.StashKey[str]()
_WORLD_FIXTURES: list[Any] = []


def world_template(build: Callable[[Site], W]) -> Any:
    """A fixture named after ``build``: the world it returns, built once per module and kind of
    database. ``build`` returns plain data (ids, people), which each test gets a deep copy of;
    and the test's database (``db_url``, so ``db`` and ``client`` too) is a copy of the one
    ``build`` wrote."""

    @pytest.fixture(name=build.__name__)
    def world(request: pytest.FixtureRequest, world_templates: WorldTemplates, blank_url: str) -> W:
        url, built = world_templates.get(build, blank_url)
        request.node.stash[_TEMPLATE_URL] = url
        return copy.deepcopy(built)

    world.__doc__ = build.__doc__
    _WORLD_FIXTURES.append(world)
    return world


def world_template_url(request: pytest.FixtureRequest) -> str | None:
    """The template database of the world the test asks for, if it asks for one."""
    names = [
        name
        for name in request.fixturenames
        if any(getattr(request.module, name, None) is world for world in _WORLD_FIXTURES)
    ]
    if not names:
        return None
    if len(names) > 1:
        raise pytest.UsageError(f"{request.node.nodeid} asks for two worlds: {names}")
    request.getfixturevalue(names[0])
    return request.node.stash[_TEMPLATE_URL]


class WorldTemplates:
    """The worlds one module built: a database per builder and kind, dropped with the module."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._built: dict[tuple[Callable[[Site], Any], str], tuple[str, Any]] = {}

    def get(self, build: Callable[[Site], W], blank_url: str) -> tuple[str, W]:
        key = (build, blank_url)
        if key not in self._built:
            self._built[key] = self._build(build, blank_url)
        url, world = self._built[key]
        return url, world

    def _build(self, build: Callable[[Site], W], blank_url: str) -> tuple[str, W]:
        path = self._directory / f"{build.__name__}-{len(self._built)}.db"
        url = copy_database(blank_url, sqlite_path=path, prefix="w")
        settings = settings_for(url)
        db = Database(url)
        try:
            with TestClient(create_app(settings), raise_server_exceptions=False) as client:
                world = build(Site(db, client, settings))
        finally:
            db.dispose()
        seal(url)
        return url, world

    def drop(self) -> None:
        for url, _ in self._built.values():
            drop_database(url)
        self._built.clear()
