"""Migrations import no live app code: a migration must build the same schema and rows forever,
whatever the app becomes. Column types are written as the plain types they create
(``app.db.migrate.render_item`` makes autogenerate do so), and a data backfill carries a frozen
copy of any helper it needs. ``migrations/env.py`` is the runner, not a migration: it may import
the app's metadata for autogenerate."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"
VERSIONS = sorted((MIGRATIONS / "versions").glob("*.py"))


def app_imports(source: str) -> list[str]:
    """``line: statement`` for each import of the ``app`` package in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found += [f"{node.lineno}: {ast.unparse(node)}" for n in names if n.split(".")[0] == "app"]
    return found


def test_the_check_sees_every_form_of_import() -> None:
    source = "import app\nimport app.db.base as b\nfrom app.search import passages\nimport apps\n"
    assert [line.split(":")[0] for line in app_imports(source)] == ["1", "2", "3"]
    assert app_imports("def f():\n    from app.db import models\n") != []


def test_there_are_migrations_to_check() -> None:
    assert len(VERSIONS) >= 8


@pytest.mark.parametrize("path", VERSIONS, ids=lambda p: p.name)
def test_a_migration_imports_no_app_code(path: Path) -> None:
    assert app_imports(path.read_text()) == [], f"{path.name} imports app code"


def test_new_migrations_start_without_app_imports() -> None:
    assert "import app" not in (MIGRATIONS / "script.py.mako").read_text()
