"""The ``tacit`` command as an operator runs it: a real process, on each database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url, select, text

from app.db.engine import Database
from app.db.migrate import pending_revisions
from app.db.models import Account, AuditEvent, Role, User
from app.domain.security import check_password
from tests.factories import make_user

TACIT = Path(sys.executable).parent / "tacit"

DATASET: dict[str, list[dict[str, Any]]] = {
    "users": [{"id": "u1", "name": "Ana Reyes", "team": "east", "role": "rep"}],
    "accounts": [
        {
            "id": "a1",
            "name": "Harbor Test Co",
            "domain": "harbor.example",
            "industry": "logistics",
            "region": "Mountain",
        }
    ],
    "contacts": [
        {
            "id": "c1",
            "account_id": "a1",
            "name": "Gus Coyle",
            "title": "CFO",
            "buying_role": "economic",
            "reports_to": None,
        }
    ],
    "notes": [
        {
            "id": "n1",
            "account_id": "a1",
            "author_id": "u1",
            "contact_ids": ["c1"],
            "created_at": "2025-01-10T09:00:00Z",
            "visibility": "company",
            "body": "Gus signs anything over $25k.",
        }
    ],
}


def tacit(
    *args: str, db_url: str, cwd: Path, stdin: str | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run ``tacit`` in a clean directory (no stray .env) against ``db_url``; ``stdin`` is
    piped in (else there is none)."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    # No client config either: a `tacit login` on this machine would send commands elsewhere.
    no_config = str(cwd / "no-client-config.toml")
    environ |= {"TACIT_DATABASE_URL": db_url, "TACIT_ENV": "test", "TACIT_CONFIG": no_config}
    environ |= env
    return subprocess.run(
        [str(TACIT), *args],
        env=environ,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
    )


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code 1, a message naming the problem, and no traceback for the operator to read."""
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def error_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """Standard error without the line on which a local command names its database."""
    return [line for line in result.stderr.splitlines() if not line.startswith("database: ")]


def write_dataset(directory: Path, dataset: dict[str, list[Any]] = DATASET) -> Path:
    directory.mkdir(parents=True)
    for kind, rows in dataset.items():
        (directory / f"{kind}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return directory


def count(db: Database, table: str) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def me(client: TestClient, token: str) -> dict[str, Any]:
    response = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


# --- users and tokens ---------------------------------------------------------------------


def test_created_admin_gets_a_token_that_works(
    db_url: str, client: TestClient, tmp_path: Path
) -> None:
    created = tacit(
        "users",
        "create",
        "--name",
        "Ada Admin",
        "--email",
        "Ada@Tacit.example",
        "--team",
        "ops",
        "--role",
        "admin",
        db_url=db_url,
        cwd=tmp_path,
    )
    assert created.returncode == 0, created.stderr

    issued = tacit("tokens", "create", "--user", "ada@tacit.example", db_url=db_url, cwd=tmp_path)

    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.startswith("tacit_") and "\n" not in token
    assert token not in issued.stderr
    user = me(client, token)
    assert (user["name"], user["email"], user["role"], user["team"]["name"]) == (
        "Ada Admin",
        "ada@tacit.example",
        "admin",
        "ops",
    )


@pytest.mark.parametrize("ref", ["external", "numeric"])
def test_token_for_a_user_named_by_external_or_numeric_id(
    db: Database, db_url: str, client: TestClient, tmp_path: Path, ref: str
) -> None:
    make_user(db, "Someone Else")
    person = make_user(db, "Bea Lin", external_id="crm-42")

    issued = tacit(
        "tokens",
        "create",
        "--user",
        "crm-42" if ref == "external" else str(person.id),
        db_url=db_url,
        cwd=tmp_path,
    )

    assert issued.returncode == 0, issued.stderr
    assert me(client, issued.stdout.strip())["id"] == person.id


def test_a_missing_sqlite_file_is_refused_until_migrate_makes_it(tmp_path: Path) -> None:
    path = tmp_path / "new" / "tacit.db"
    url = f"sqlite:///{path}"
    create = ("users", "create", "--name", "First Admin", "--role", "admin")

    refused = tacit(*create, db_url=url, cwd=tmp_path)

    assert_clean_failure(refused, f"there is no database at {path}", "tacit migrate")
    assert "TACIT_DATABASE_URL" in refused.stderr
    assert not path.exists() and not path.parent.exists()

    migrated = tacit("migrate", db_url=url, cwd=tmp_path)
    created = tacit(*create, db_url=url, cwd=tmp_path)

    assert migrated.returncode == 0, migrated.stderr
    assert created.returncode == 0, created.stderr
    assert f"database: {url}" in created.stderr
    db = Database(url)
    try:
        assert pending_revisions(db.engine) == []
        assert count(db, "users") == 1
    finally:
        db.dispose()


def test_the_default_database_is_not_made_in_another_folder(tmp_path: Path) -> None:
    """The default URL is relative (./var/tacit.db): run from elsewhere, a command says so."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TACIT_")}
    environ |= {"TACIT_ENV": "test", "TACIT_CONFIG": str(tmp_path / "none.toml")}

    result = subprocess.run(
        [str(TACIT), "users", "list"],
        env=environ,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert_clean_failure(result, f"there is no database at {tmp_path / 'var' / 'tacit.db'}")
    assert "database: sqlite:///./var/tacit.db" in result.stderr
    assert not (tmp_path / "var").exists()


@pytest.mark.db("postgres")
def test_a_local_command_names_its_database_with_the_password_masked(
    db_url: str, tmp_path: Path
) -> None:
    password_url = make_url(db_url).set(password="s3cret-pw")

    result = tacit(
        "users", "list", db_url=password_url.render_as_string(hide_password=False), cwd=tmp_path
    )

    assert "s3cret-pw" not in result.stderr + result.stdout
    assert f"database: {password_url.render_as_string(hide_password=True)}" in result.stderr


def test_reindex_prepares_the_backend_and_queues_every_note(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    imported = tacit("import", str(write_dataset(tmp_path / "in")), db_url=db_url, cwd=tmp_path)
    assert imported.returncode == 0, imported.stderr

    result = tacit("reindex", "--force", db_url=db_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "queued 1 note(s) for embedding with " in result.stdout
    assert count(db, "embedding_jobs") == 1


# --- import and export --------------------------------------------------------------------


def test_import_twice_then_export(db: Database, db_url: str, tmp_path: Path) -> None:
    source = write_dataset(tmp_path / "in")
    first = tacit("import", str(source), db_url=db_url, cwd=tmp_path)
    assert first.returncode == 0, first.stderr

    second = tacit("import", str(source), db_url=db_url, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert {t: count(db, t) for t in ("users", "accounts", "contacts", "notes")} == (
        dict.fromkeys(("users", "accounts", "contacts", "notes"), 1)
    )

    exported = tacit("export", str(tmp_path / "out"), db_url=db_url, cwd=tmp_path)

    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout) == dict.fromkeys(DATASET, 1)
    for kind, rows in DATASET.items():
        lines = (tmp_path / "out" / f"{kind}.jsonl").read_text().splitlines()
        assert [json.loads(line) for line in lines] == rows


def test_export_as_a_user_keeps_only_what_they_may_read(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    private = DATASET["notes"][0] | {"id": "n2", "visibility": "private"}
    other = {"id": "u2", "name": "Eli Sato", "team": "west", "role": "rep"}
    dataset = DATASET | {"users": [*DATASET["users"], other], "notes": [*DATASET["notes"], private]}
    assert (
        tacit(
            "import", str(write_dataset(tmp_path / "in", dataset)), db_url=db_url, cwd=tmp_path
        ).returncode
        == 0
    )

    exported = tacit("export", str(tmp_path / "out"), "--as", "u2", db_url=db_url, cwd=tmp_path)

    assert exported.returncode == 0, exported.stderr
    notes = (tmp_path / "out" / "notes.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in notes] == ["n1"]


def user_row(db: Database, user_id: int) -> User:
    with db.session(write=False) as session:
        user = session.get(User, user_id)
        assert user is not None
        session.expunge(user)
        return user


def test_users_update_changes_only_what_is_given_and_audits_it(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    ana = make_user(db, "Ana Reyes", team="east", email="ana@tacit.example")

    result = tacit(
        "users", "update", "ana@tacit.example", "--role", "manager", "--team", "west",
        "--title", "support", db_url=db_url, cwd=tmp_path,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert f"updated user {ana.id}: Ana Reyes (manager, team west)" in result.stdout
    with db.session(write=False) as session:
        user = session.get(User, ana.id)
        assert user is not None and user.team is not None
        assert (user.role, user.team.name, user.title, user.email, user.is_active) == (
            Role.manager, "west", "support", "ana@tacit.example", True,
        )  # fmt: skip
        actions = session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert {"user.role_change", "user.team_change"} <= set(actions)
    teamless = tacit("users", "update", str(ana.id), "--no-team", db_url=db_url, cwd=tmp_path)
    assert teamless.returncode == 0, teamless.stderr
    assert f"updated user {ana.id}: Ana Reyes (manager)" in teamless.stdout
    assert user_row(db, ana.id).team_id is None


def test_users_deactivate_refuses_their_tokens_and_update_lets_them_back(
    db: Database, db_url: str, client: TestClient, tmp_path: Path
) -> None:
    ana = make_user(db, "Ana Reyes")

    off = tacit("users", "deactivate", str(ana.id), db_url=db_url, cwd=tmp_path)

    assert off.returncode == 0, off.stderr
    assert "deactivated user" in off.stdout and "deactivated)" in off.stdout
    assert client.get("/v1/me", headers=ana.headers).status_code == 403
    on = tacit("users", "update", str(ana.id), "--active", db_url=db_url, cwd=tmp_path)
    assert on.returncode == 0, on.stderr
    assert me(client, ana.token)["id"] == ana.id


def test_users_set_password_from_a_pipe(db: Database, db_url: str, tmp_path: Path) -> None:
    ana = make_user(db, "Ana Reyes", external_id="crm-7")

    result = tacit(
        "users", "set-password", "crm-7", db_url=db_url, cwd=tmp_path, stdin="a long passphrase\n"
    )

    assert result.returncode == 0, result.stderr
    assert "a long passphrase" not in result.stdout + result.stderr
    stored = user_row(db, ana.id).password_hash
    assert check_password("a long passphrase", stored)[0]
    assert not check_password("a long passphrase\n", stored)[0]


def test_users_commands_refuse_nothing_to_change_and_unknown_users(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    make_user(db, "Ana Reyes")

    nothing = tacit("users", "update", "ana.reyes@tacit.example", db_url=db_url, cwd=tmp_path)
    unknown = tacit("users", "deactivate", "nobody@tacit.example", db_url=db_url, cwd=tmp_path)
    empty = tacit(
        "users", "set-password", "ana.reyes@tacit.example", db_url=db_url, cwd=tmp_path, stdin=""
    )

    assert nothing.returncode == 2 and "give at least one of" in nothing.stderr
    assert_clean_failure(unknown, "nobody@tacit.example")
    assert_clean_failure(empty, "no password given")


# --- errors: one clear line, exit code 1, no traceback ------------------------------------


def test_token_for_unknown_user_fails_cleanly(db_url: str, tmp_path: Path) -> None:
    result = tacit(
        "tokens", "create", "--user", "nobody@tacit.example", db_url=db_url, cwd=tmp_path
    )

    assert_clean_failure(result, "nobody@tacit.example")
    assert len(error_lines(result)) == 1, result.stderr
    assert result.stdout == ""


def test_import_of_a_missing_directory_fails_cleanly(db_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"

    result = tacit("import", str(missing), db_url=db_url, cwd=tmp_path)

    assert_clean_failure(result, "not a directory")
    assert len(error_lines(result)) == 1, result.stderr


@pytest.mark.db("sqlite")
def test_error_message_shows_the_path_verbatim(db_url: str, tmp_path: Path) -> None:
    missing = tmp_path / "[bold]exports"  # brackets are legal in a path, not markup
    no_database = tmp_path / "[red]var" / "t.db"

    result = tacit("import", str(missing), db_url=db_url, cwd=tmp_path)
    refused = tacit("users", "list", db_url=f"sqlite:///{no_database}", cwd=tmp_path)

    assert_clean_failure(result, "[bold]exports")
    assert_clean_failure(refused, f"there is no database at {no_database};")


def test_import_with_problems_lists_them_and_writes_nothing(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    bad_note = DATASET["notes"][0] | {"id": "n2", "author_id": "u-missing"}
    source = write_dataset(tmp_path / "in", DATASET | {"notes": [*DATASET["notes"], bad_note]})
    with (source / "accounts.jsonl").open("a") as accounts:
        accounts.write("{not json\n")

    result = tacit("import", str(source), db_url=db_url, cwd=tmp_path)

    assert_clean_failure(result, "2 problem(s)", "accounts.jsonl line 2", "u-missing")
    assert count(db, "users") == 0


def test_prod_without_a_secret_key_refuses_to_start(db_url: str, tmp_path: Path) -> None:
    result = tacit("users", "list", db_url=db_url, cwd=tmp_path, TACIT_ENV="prod")

    assert_clean_failure(result, "TACIT_SECRET_KEY")
    assert result.stdout == ""


# --- accounts -------------------------------------------------------------------------------


def test_accounts_create_refuses_a_duplicate_and_merge_folds_one_in(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return tacit("accounts", *args, db_url=db_url, cwd=tmp_path)

    first = run("create", "Harbor Freightways", "--domain", "harbor.example")
    assert first.returncode == 0, first.stderr
    assert_clean_failure(run("create", "harbor freightways"), "already exists", "force")
    assert_clean_failure(run("create", "Harbor Co", "--domain", "harbor.example"), "domain")
    second = run("create", "HARBOR FREIGHTWAYS", "--domain", "hfw.example", "--force")
    assert second.returncode == 0, second.stderr
    with db.session(write=False) as session:
        into, merged = session.scalars(select(Account.id).order_by(Account.id)).all()

    merge = run("merge", str(into), str(merged), "--yes")

    assert merge.returncode == 0, merge.stderr
    assert f"merged account {merged} into {into}" in merge.stdout
    assert "harbor.example, hfw.example" in merge.stdout
    assert_clean_failure(
        run("merge", str(into), str(merged), "--yes"), f"no account with id {merged}"
    )
    with db.session(write=False) as session:
        assert session.scalars(select(Account.id)).all() == [into]
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "account.merge"))
    assert event is not None and event.actor_id is None  # the operator's shell


def test_calendar_worker_reads_feeds_and_stops_when_nothing_is_due(
    db: Database, db_url: str, tmp_path: Path
) -> None:
    result = tacit("calendar", "worker", "--until-empty", db_url=db_url, cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "calendar worker on" in result.stderr
    assert "queued or attempted 0 brief(s)" in result.stderr
