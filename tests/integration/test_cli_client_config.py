"""``tacit login``, where settings come from, and moving data sets over HTTP, as a real
process against a live server on each database."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import tomllib
from pathlib import Path

import pytest

from app.db.engine import Database
from app.db.models import Role
from tests.cli_world import (
    World,
    assert_clean_failure,
    closed_port_url,
    make_world,
    note_count,
)
from tests.factories import make_contact, make_user
from tests.integration.test_cli import DATASET, write_dataset


@pytest.fixture
def world(live_url: str, db: Database, tmp_path: Path) -> World:
    return make_world(live_url, db, tmp_path)


# --- configuration ------------------------------------------------------------------------


def test_login_checks_the_token_and_saves_it_privately(world: World) -> None:
    config = world.tmp / "home" / "tacit" / "config.toml"

    refused = world.run(
        "login",
        "--url",
        world.url,
        "--token",
        "tacit_wrong",
        login=False,
        TACIT_CONFIG=str(config),
    )
    assert_clean_failure(refused, "the server refused the token (401)")
    assert not config.exists()

    logged_in = world.run(
        "login",
        "--url",
        world.url + "/",
        login=False,
        TACIT_CONFIG=str(config),
        stdin=world.ada.token + "\n",
    )

    assert logged_in.returncode == 0, logged_in.stderr
    assert f"logged in to {world.url} as Ada Reyes (ada.reyes@tacit.example)" in logged_in.stdout
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert tomllib.loads(config.read_text()) == {"url": world.url, "token": world.ada.token}
    brief = world.run("brief", "harbor.example", login=False, TACIT_CONFIG=str(config))
    assert brief.returncode == 0 and "Harbor Freightways" in brief.stdout, brief.stderr


def test_options_beat_environment_beat_config_file(world: World) -> None:
    config = world.tmp / "config.toml"
    config.write_text(f'url = "{world.url}"\ntoken = "{world.ada.token}"\n')
    world.post_note("Budget freeze until June.", account_id=world.harbor, visibility="private")
    file_only = {"TACIT_CONFIG": str(config)}
    elsewhere = closed_port_url()

    def hits(result: subprocess.CompletedProcess[str]) -> int:
        assert result.returncode == 0, result.stderr
        return len(json.loads(result.stdout)["hits"])

    as_ada = world.run("search", "budget", "--json", login=False, **file_only)
    as_bob = world.run(
        "search", "budget", "--json", login=False, TACIT_TOKEN=world.bob.token, **file_only
    )
    wrong_env = world.run("search", "budget", login=False, TACIT_TOKEN="tacit_wrong", **file_only)
    option_wins = world.run(
        "search",
        "budget",
        "--json",
        "--token",
        world.ada.token,
        login=False,
        TACIT_TOKEN="tacit_wrong",
        **file_only,
    )
    env_url = world.run(
        "search", "budget", login=False, TACIT_URL=elsewhere, TACIT_TOKEN="t", **file_only
    )
    other_server = world.run("search", "budget", "--url", elsewhere, login=False, **file_only)

    assert (hits(as_ada), hits(as_bob), hits(option_wins)) == (1, 0, 1)
    assert_clean_failure(wrong_env, "refused the token (401)")
    assert_clean_failure(env_url, f"cannot reach {elsewhere}")
    # The saved token is for the saved server only: it is never sent elsewhere.
    assert_clean_failure(other_server, f"no token for {elsewhere}")


# --- import and export over HTTP ----------------------------------------------------------


def test_remote_export_writes_the_data_set_the_api_serves(world: World, db: Database) -> None:
    make_contact(db, world.harbor, "Meg Lee", buying_role="economic", external_id="c1")
    world.post_note("Meg signs.", account_id=world.harbor, visibility="company")
    world.post_note("Bob's own.", account_id=world.harbor, visibility="private", author=world.bob)
    out = world.tmp / "out" / "nested"

    result = world.run("export", str(out))

    assert result.returncode == 0, result.stderr
    counts = json.loads(result.stdout)
    with world.api() as api:
        for kind in ("users", "accounts", "contacts", "notes"):
            served = api.get(f"/v1/export/{kind}").content
            assert (out / f"{kind}.jsonl").read_bytes() == served
            assert counts[kind] == len(served.splitlines())
    assert counts == {"users": 2, "accounts": 2, "contacts": 1, "notes": 1}
    assert sorted(p.name for p in out.iterdir()) == [
        "accounts.jsonl",
        "contacts.jsonl",
        "notes.jsonl",
        "users.jsonl",
    ]
    assert not (world.tmp / "local.db").exists()


def test_remote_csv_export_writes_the_csv_the_api_serves(world: World) -> None:
    world.post_note("Meg signs,\nafter the board.", account_id=world.harbor, visibility="company")
    world.post_note("Bob's own.", account_id=world.harbor, visibility="private", author=world.bob)
    target = world.tmp / "out" / "harbor.csv"

    result = world.run("export", str(target), "--csv")

    assert result.returncode == 0, result.stderr
    with world.api() as api:
        assert target.read_bytes() == api.get("/v1/export/notes.csv").content
    assert json.loads(result.stdout) == {"notes": 1}  # a body over two lines is one note
    assert "Bob's own." not in target.read_text(encoding="utf-8-sig")
    assert not (world.tmp / "local.db").exists()


def test_remote_export_refuses_as(world: World) -> None:
    result = world.run("export", str(world.tmp / "out"), "--as", "someone@tacit.example")

    assert_clean_failure(result, "--as works on the local database only")
    assert not (world.tmp / "out").exists()


# The data set of test_cli, at a domain of its own (the world's Harbor has harbor.example).
IMPORTED = DATASET | {"accounts": [DATASET["accounts"][0] | {"domain": "harbor-test.example"}]}


def test_remote_import_dry_run_then_import_then_again(world: World, db: Database) -> None:
    admin = make_user(db, "Ida Admin", role=Role.admin)
    source = write_dataset(world.tmp / "in", IMPORTED)

    dry = world.run("import", str(source), "--dry-run", person=admin)
    assert dry.returncode == 0, dry.stderr
    assert "dry run: nothing was written" in dry.stdout
    assert note_count(db) == 0

    first = world.run("import", str(source), person=admin)
    again = world.run("import", str(source), person=admin)

    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    assert note_count(db) == 1
    assert re.search(r"notes\s+│\s+1\s+│\s+0\s+│\s+0", first.stdout), first.stdout
    assert re.search(r"notes\s+│\s+0\s+│\s+0\s+│\s+1", again.stdout), again.stdout
    assert "dry run" not in first.stdout
    assert not (world.tmp / "local.db").exists()


def test_remote_import_lists_the_problems_and_writes_nothing(world: World, db: Database) -> None:
    admin = make_user(db, "Ida Admin", role=Role.admin)
    bad = IMPORTED["notes"][0] | {"id": "n2", "author_id": "u-missing"}
    source = write_dataset(world.tmp / "in", IMPORTED | {"notes": [*IMPORTED["notes"], bad]})

    result = world.run("import", str(source), person=admin)

    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    assert "notes.jsonl line 2" in result.stderr and "u-missing" in result.stderr
    assert "nothing was written" in result.stderr.splitlines()[-1]
    assert note_count(db) == 0
