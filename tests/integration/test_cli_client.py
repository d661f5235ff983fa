"""``tacit`` as a client: a real process talking HTTP to a real server (uvicorn), on each
database. Writes notes, searches, briefs, logs in, moves data sets, and fails in one clear line.

The embedding worker is off, so search finds notes by keyword, which it does as soon as they
are written; the brief tests run it (the real model) for the topics and mentions briefs need.
"""

from __future__ import annotations

import json
import os
import pty
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from app.db.engine import Database
from tests.cli_world import (
    World,
    assert_clean_failure,
    closed_port_url,
    created_id,
    make_world,
    note_count,
)
from tests.factories import (
    make_contact,
)


@pytest.fixture
def world(live_url: str, db: Database, tmp_path: Path) -> World:
    return make_world(live_url, db, tmp_path)


# --- writing notes ------------------------------------------------------------------------


def test_note_names_its_account_by_domain(world: World) -> None:
    result = world.run("note", "Meg (CFO) has final say over $50k", "--account", "harbor.example")

    note = world.get_note(created_id(result))
    assert f"created note {note['id']} at Harbor Freightways (team)" in result.stdout
    assert (note["body"], note["account"]["id"], note["author"]["id"], note["source"]) == (
        "Meg (CFO) has final say over $50k",
        world.harbor,
        world.ada.id,
        "cli",
    )


def test_note_by_name_with_contacts_and_options_as_json(world: World, db: Database) -> None:
    meg = make_contact(db, world.harbor, "Meg Lee", email="meg@harbor.example")
    gus = make_contact(db, world.harbor, "Gus Coyle")
    make_contact(db, world.coldwater, "Meg Other", email="meg@coldwater.example")

    result = world.run(
        "note",
        "Meg and Gus split the budget",
        "--account",
        "harbor freightways",
        "--contact",
        "MEG@harbor.example",
        "-c",
        "gus",
        "--visibility",
        "company",
        "--observed",
        "2026-01-05",
        "--external-id",
        "crm-77",
        "--json",
    )

    assert result.returncode == 0, result.stderr
    note = json.loads(result.stdout)
    assert note.pop("warnings") == []  # a write's answer; the note read back has none
    assert note == world.get_note(note["id"])
    assert {c["id"] for c in note["contacts"]} == {meg, gus}
    assert (note["visibility"], note["observed_at"][:10], note["external_id"]) == (
        "company",
        "2026-01-05",
        "crm-77",
    )


@pytest.mark.parametrize("body_arg", [[], ["-"]], ids=["piped", "dash"])
def test_note_body_from_standard_input(world: World, body_arg: list[str]) -> None:
    text = "Prefers e-mail over calls.\n\nNever before 10am."

    result = world.run("note", *body_arg, "--account", "Harbor Freight", stdin=text + "\n")

    assert world.get_note(created_id(result))["body"] == text


def test_empty_standard_input_sends_nothing(world: World, db: Database) -> None:
    result = world.run("note", "--account", "harbor.example", stdin="  \n")

    assert_clean_failure(result, "the note is empty; nothing was sent")
    assert note_count(db) == 0


@contextmanager
def terminal() -> Iterator[int]:
    """A pseudo-terminal to be the command's standard input, as when a person types it."""
    primary, secondary = pty.openpty()
    try:
        yield secondary
    finally:
        os.close(primary)
        os.close(secondary)


def editor(tmp: Path, script: str) -> str:
    path = tmp / "fake-editor"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return str(path)


def test_note_written_in_the_editor_keeps_markdown_and_drops_the_template(
    world: World,
) -> None:
    write = editor(
        world.tmp,
        """{ printf '# Renewal\\n\\nMeg wants a 3-year term.\\n'; cat "$1"; } > "$1.new"
mv "$1.new" "$1\"""",
    )

    with terminal() as tty:
        result = world.run("note", "--account", "harbor.example", stdin=tty, EDITOR=write)

    assert world.get_note(created_id(result))["body"] == "# Renewal\n\nMeg wants a 3-year term."


def test_an_editor_left_empty_or_failing_sends_nothing(world: World, db: Database) -> None:
    with terminal() as tty:
        untouched = world.run(
            "note", "--account", "harbor.example", stdin=tty, EDITOR=editor(world.tmp, "true")
        )
        failed = world.run(
            "note", "--account", "harbor.example", stdin=tty, VISUAL=editor(world.tmp, "exit 3")
        )
        unknown = world.run("note", "--account", "Harbr", stdin=tty, EDITOR="/no/such/editor")

    assert_clean_failure(untouched, "the note is empty")
    assert_clean_failure(failed, "exited with status 3")
    # The account is checked before the editor opens, not after the note is written.
    assert_clean_failure(unknown, "unknown account 'Harbr'")
    assert note_count(db) == 0


def test_the_same_idempotency_key_makes_one_note(world: World, db: Database) -> None:
    args = ("note", "Gus signs over $25k", "--account", "harbor.example")

    first = world.run(*args, "--idempotency-key", "call-2026-03-01")
    again = world.run(*args, "--idempotency-key", "call-2026-03-01")

    note_id = created_id(first)
    assert again.returncode == 0, again.stderr
    assert f"note {note_id} at Harbor Freightways (team) was already created" in again.stdout
    assert note_count(db) == 1


@contextmanager
def dropping_proxy(upstream: str) -> Iterator[tuple[str, list[bytes]]]:
    """A proxy that forwards every request, but hangs up on the first instead of passing its
    answer back: the server wrote the note, the client never heard. Yields its URL and the
    requests it saw."""
    target = urlsplit(upstream)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)  # a blocked accept() would not notice the listener closing
    stop = threading.Event()
    seen: list[bytes] = []

    def read_request(conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        while length and len(body) < int(length.group(1)):
            body += conn.recv(65536)
        head, replaced = re.subn(rb"(?im)^connection:[^\r\n]*", b"Connection: close", head)
        if not replaced:
            head += b"\r\nConnection: close"
        return head + b"\r\n\r\n" + body

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            conn.settimeout(30)
            with conn:
                request = read_request(conn)
                if not request:
                    continue
                seen.append(request)
                with socket.create_connection((target.hostname, target.port)) as up:
                    up.sendall(request)
                    answer = b""
                    while chunk := up.recv(65536):
                        answer += chunk
                if len(seen) > 1:
                    conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        thread.join(timeout=10)
        listener.close()


def test_a_lost_answer_is_retried_without_a_second_note(world: World, db: Database) -> None:
    with dropping_proxy(world.url) as (proxy, seen):
        result = world.run(
            "note",
            "Depot scanners fail at 5am",
            "--account",
            "harbor.example",
            login=False,
            TACIT_URL=proxy,
            TACIT_TOKEN=world.ada.token,
        )

    note_id = created_id(result)
    assert note_count(db) == 1
    assert world.get_note(note_id)["body"] == "Depot scanners fail at 5am"
    keys = [m.group(1) for r in seen if (m := re.search(rb"(?im)^idempotency-key: *(\S+)", r))]
    assert len(seen) == 2 and len(keys) == 2 and keys[0] == keys[1], seen


# --- what goes wrong, in one line ---------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["note", "x", "--account", "Harbr Freightways"],
        ["search", "budget", "--account", "Harbr Freightways"],
        ["brief", "Harbr Freightways"],
    ],
    ids=["note", "search", "brief"],
)
def test_unknown_account_suggests_the_closest(
    world: World, db: Database, command: list[str]
) -> None:
    result = world.run(*command)

    assert_clean_failure(
        result, "unknown account 'Harbr Freightways'; did you mean: Harbor Freightways?"
    )
    assert result.stdout == ""
    assert note_count(db) == 0


def test_unknown_contact_names_the_candidates(world: World, db: Database) -> None:
    make_contact(db, world.harbor, "Meg Lee", email="meg@harbor.example")

    result = world.run("note", "x", "--account", "harbor.example", "--contact", "Megg Lee")

    assert_clean_failure(
        result, "unknown contact 'Megg Lee' at Harbor Freightways; did you mean: Meg Lee?"
    )
    assert note_count(db) == 0


@pytest.mark.parametrize(
    "command", [["note", "x", "--account", "harbor.example"], ["search", "x"], ["brief", "x"]]
)
def test_wrong_token(world: World, command: list[str]) -> None:
    result = world.run(*command, login=False, TACIT_URL=world.url, TACIT_TOKEN="tacit_wrong")

    assert_clean_failure(
        result, "the server refused the token (401)", "check TACIT_TOKEN or run `tacit login`"
    )


# The command fails before it reaches any server, so before any database: one kind is enough.
@pytest.mark.db("sqlite")
def test_unreachable_server(world: World) -> None:
    url = closed_port_url()

    result = world.run("search", "budget", login=False, TACIT_URL=url, TACIT_TOKEN="tacit_x")

    assert_clean_failure(result, f"cannot reach {url}: connection refused")


@pytest.mark.db("sqlite")  # fails before any request, as above
def test_no_server_configured(world: World) -> None:
    result = world.run("search", "budget", login=False)

    assert_clean_failure(result, "no server configured", "tacit login")


@pytest.mark.db("sqlite")  # a usage error, before any request
def test_bad_dates_are_usage_errors(world: World) -> None:
    result = world.run("search", "budget", "--since", "last tuesday")

    assert result.returncode == 2, result
    assert "not a date or time like 2026-03-01" in result.stderr
    assert "Traceback" not in result.stderr
