"""The container files, checked without Docker (no engine runs here): the Dockerfile builds in
stages with CPU torch pinned as the Makefile pins it, installs the server for real (not
editable) with the model baked in and a start period for its health check; compose.yaml runs
PostgreSQL with pgvector, a migrate job before two API processes and two workers; and every
``tacit`` command either file runs is one the CLI accepts, options included."""

from __future__ import annotations

import re
import shlex
import sys
import tomllib
from fnmatch import fnmatch
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from app.cli import cli, load_admin_commands
from app.db.migrate import schema_home

ROOT = Path(__file__).resolve().parents[2]


def dockerfile() -> list[tuple[str, str]]:
    """(instruction, arguments), continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile").read_text())
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def compose() -> dict[str, Any]:
    services: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text())["services"]
    return services


def run_tacit(argv: list[str]) -> None:
    """Parse ``argv`` (``tacit ...``) as the CLI would, without running it: an unknown command
    or option raises."""
    assert argv[0] == "tacit", argv
    load_admin_commands()
    command: Any = typer.main.get_command(cli)
    context = command.context_class(command, info_name="tacit")
    words = argv[1:]
    while hasattr(command, "get_command"):  # a group (typer carries its own click)
        assert words, f"{argv}: a group, not a command"
        found = command.get_command(context, words[0])
        assert found is not None, f"{argv}: no command {words[0]!r}"
        command = found
        context = found.context_class(found, info_name=words[0], parent=context)
        words = words[1:]
    command.make_context(context.info_name, list(words), parent=context.parent)


def torch_pin() -> str:
    (pin,) = re.findall(r"^TORCH := (torch==\S+)$", (ROOT / "Makefile").read_text(), re.M)
    assert isinstance(pin, str)
    return pin


def test_the_image_is_built_in_stages_with_cpu_torch_pinned_and_no_editable_install() -> None:
    steps = dockerfile()
    stages = [args for op, args in steps if op == "FROM"]
    runs = [args for op, args in steps if op == "RUN"]
    assert len(stages) >= 2 and " AS " in stages[0].upper()
    assert any(op == "COPY" and args.startswith("--from=") for op, args in steps)
    torch = [r for r in runs if "pip install torch" in r]
    assert len(torch) == 1 and torch_pin() in torch[0]
    index = dict(
        re.findall(r"ARG (\w+)=(\S+)", "\n".join(f"ARG {a}" for o, a in steps if o == "ARG"))
    )
    assert index["TORCH_INDEX_URL"].endswith("/whl/cpu")  # CPU torch by default
    installs = [r for r in runs if re.search(r"\bpip install\b", r) and "torch" not in r]
    assert installs and all(" -e " not in f" {r} " and "--editable" not in r for r in installs)
    assert any("[server]" in r for r in installs)
    # the model's ONNX exports are made at build time, by a module that exists
    (export,) = [r for r in runs if "app.embedding.export" in r]
    assert find_spec(shlex.split(export)[2]) is not None


def test_the_image_checks_its_health_after_a_start_period_and_runs_a_real_command() -> None:
    steps = dict(dockerfile())
    assert "--start-period=" in steps["HEALTHCHECK"] and "/livez" in steps["HEALTHCHECK"]
    run_tacit(yaml.safe_load(steps["CMD"]))  # a JSON array is YAML too


def test_compose_runs_postgres_a_migrate_job_two_api_processes_and_two_workers() -> None:
    services = compose()
    assert services["db"]["image"].startswith("pgvector/pgvector:")
    assert services["migrate"]["command"] == ["tacit", "migrate"]
    api = [name for name, s in services.items() if s.get("command", [])[:2] == ["tacit", "serve"]]
    workers = [s for s in services.values() if s.get("command", [])[:2] == ["tacit", "worker"]]
    assert len(api) == 2
    assert sum(s.get("deploy", {}).get("replicas", 1) for s in workers) == 2
    for name in [*api, "worker"]:
        service = services[name]
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        url = service["environment"]["TACIT_DATABASE_URL"]
        assert url.startswith("postgresql://") and "@db:5432/" in url
    for name in api:  # the workers embed; the API processes only answer
        assert services[name]["environment"]["TACIT_WORKER_THREADS"] == "0"
    proxy = services["proxy"]["command"]
    targets = [proxy[i + 1] for i, word in enumerate(proxy) if word == "--to"]
    assert sorted(targets) == sorted(f"{name}:8000" for name in api)


@pytest.mark.parametrize("service", ["migrate", "api-1", "api-2", "worker"])
def test_every_command_compose_runs_is_one_the_cli_accepts(service: str) -> None:
    run_tacit(compose()[service]["command"])


def test_a_command_the_cli_does_not_know_is_refused() -> None:
    with pytest.raises(Exception, match="No such option: --no-such-option"):
        run_tacit(["tacit", "serve", "--no-such-option"])
    with pytest.raises(AssertionError):
        run_tacit(["tacit", "no-such-command"])


def test_a_regular_install_carries_the_schema_and_finds_it(tmp_path: Path) -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    data = pyproject["tool"]["setuptools"]["data-files"]
    shipped = {p for patterns in data.values() for pattern in patterns for p in ROOT.glob(pattern)}
    wanted = {ROOT / "alembic.ini", *(p for p in (ROOT / "migrations").rglob("*") if p.is_file())}
    assert {p for p in wanted if "__pycache__" not in p.parts} <= shipped
    assert schema_home(ROOT) == ROOT  # a checkout, or an editable install
    assert schema_home(tmp_path) == Path(sys.prefix) / "share" / "tacit"  # a regular install


def test_every_file_the_package_reads_is_shipped_by_a_regular_install() -> None:
    """A template, an icon or the role reader's weights left out of package-data would be
    missing from the container (and a missing weights file only turns the reader off)."""
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    shipped = data["package-data"]
    left_out = []
    for path in (ROOT / "app").rglob("*"):
        if not path.is_file() or path.suffix in (".py", ".pyc") or "__pycache__" in path.parts:
            continue
        parts = path.relative_to(ROOT).parts
        found = any(
            fnmatch("/".join(parts[i:]), pattern)
            for i in range(1, len(parts))
            for pattern in shipped.get(".".join(parts[:i]), [])
        )
        if not found:
            left_out.append(str(path.relative_to(ROOT)))
    assert left_out == []
