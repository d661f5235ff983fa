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
import stat
import subprocess
import sys
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from app.config import Settings
from app.db.engine import Database
from app.db.models import Note, Role
from tests.factories import (
    Person,
    embed_everything,
    make_account,
    make_contact,
    make_user,
    post_note,
)
from tests.integration.test_cli import DATASET, write_dataset

TACIT = Path(sys.executable).parent / "tacit"


@dataclass(frozen=True)
class World:
    url: str
    ada: Person
    bob: Person
    harbor: int
    coldwater: int
    tmp: Path

    def run(
        self,
        *args: str,
        login: bool = True,
        person: Person | None = None,
        stdin: str | int | None = None,
        **env: str,
    ) -> subprocess.CompletedProcess[str]:
        """``tacit ARGS`` as ``person`` (Ada by default; with ``--url``/``--token`` unless
        ``login`` is false), with no stray configuration and a local database it must not
        touch. ``stdin`` is text to pipe in or a file descriptor (a terminal)."""
        environ = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("TACIT_") and k not in ("VISUAL", "EDITOR")
        }
        environ |= {
            "TACIT_CONFIG": str(self.tmp / "no-config.toml"),
            "TACIT_DATABASE_URL": f"sqlite:///{self.tmp / 'local.db'}",
            "TACIT_ENV": "test",
            "COLUMNS": "200",
        } | env
        auth = ["--url", self.url, "--token", (person or self.ada).token] if login else []
        feed: dict[str, Any] = (
            {"input": stdin}
            if isinstance(stdin, str)
            else {"stdin": subprocess.DEVNULL if stdin is None else stdin}
        )
        return subprocess.run(
            [str(TACIT), *args, *auth],
            env=environ,
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **feed,
        )

    def api(self, person: Person | None = None) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers=(person or self.ada).headers, timeout=60)

    def post_note(
        self, body: str, *, account_id: int, author: Person | None = None, **fields: Any
    ) -> int:
        """A note written to the live server as ``author`` (Ada by default); its id."""
        with self.api(author) as api:
            return post_note(api, author or self.ada, account_id, body, **fields)

    def get_note(self, note_id: int) -> dict[str, Any]:
        with self.api() as api:
            response = api.get(f"/v1/notes/{note_id}")
        assert response.status_code == 200, response.text
        note: dict[str, Any] = response.json()
        return note


@pytest.fixture
def world(live_url: str, db: Database, tmp_path: Path) -> World:
    ada = make_user(db, "Ada Reyes", team="east")
    bob = make_user(db, "Bob Stone", team="east")
    harbor = make_account(
        db, "Harbor Freightways", domains=["harbor.example"], aliases=["Harbor Freight"]
    )
    coldwater = make_account(db, "Coldwater College", domains=["coldwater.example"])
    return World(live_url, ada, bob, harbor, coldwater, tmp_path)


def note_count(db: Database) -> int:
    with db.session(write=False) as session:
        return int(session.scalar(select(func.count()).select_from(Note)) or 0)


def assert_clean_failure(result: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit code 1, one line naming the problem, no traceback."""
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    for word in words:
        assert word in result.stderr, result.stderr


def created_id(result: subprocess.CompletedProcess[str]) -> int:
    assert result.returncode == 0, result.stderr
    found = re.search(r"created note (\d+) at ", result.stdout)
    assert found, result.stdout
    return int(found.group(1))


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


def closed_port_url() -> str:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


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


# --- search -------------------------------------------------------------------------------


def test_search_shows_a_table_of_hits(world: World) -> None:
    world.post_note(
        "Outage INC-40412 took down the depot scanners & <b>tills</b> for six hours.",
        account_id=world.harbor,
        observed_at="2026-03-02T09:00:00Z",
        visibility="company",
        author=world.bob,
    )
    world.post_note("Renewal talks start in May.", account_id=world.harbor)

    result = world.run("search", "INC-40412")

    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if "INC-40412" in line]
    assert len(rows) == 1, result.stdout
    for shown in ("1", "Harbor Freightways", "Bob Stone", "2026-03-02", "keyword", "& <b>tills"):
        assert shown in rows[0], rows[0]
    assert "<mark>" not in result.stdout and "&amp;" not in result.stdout
    assert "1 note in" in result.stdout
    assert "Renewal" not in result.stdout


def test_search_json_is_the_api_response(world: World) -> None:
    note = world.post_note("Outage INC-40412 at the depot.", account_id=world.harbor)

    result = world.run("search", "INC-40412", "--json")

    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert set(response) == {
        "answer", "hits", "weak", "groups", "took_ms", "search_id", "understood",
    }  # fmt: skip
    assert response["answer"] is None  # a ticket number asks nothing the influence map knows
    assert [h["note_id"] for h in response["hits"]] == [note]
    assert "<mark>40412</mark>" in response["hits"][0]["snippet"]  # unrendered


def test_search_filters_by_account_author_and_dates(world: World) -> None:
    at_harbor = world.post_note(
        "Budget freeze until June.", account_id=world.harbor, observed_at="2026-02-01T09:00:00Z"
    )
    world.post_note(
        "Budget freeze until June.", account_id=world.harbor, observed_at="2025-02-01T09:00:00Z"
    )
    world.post_note("Budget freeze until June.", account_id=world.coldwater)
    world.post_note("Budget freeze until June.", account_id=world.harbor, author=world.bob)

    result = world.run(
        "search",
        "budget freeze",
        "--account",
        "harbor.example",
        "--author",
        "Ada.Reyes@tacit.example",
        "--since",
        "2026-01-01",
        "--until",
        "2026-03-01",
        "--json",
    )

    assert result.returncode == 0, result.stderr
    assert [h["note_id"] for h in json.loads(result.stdout)["hits"]] == [at_harbor]


def test_search_prints_the_answer_above_the_hits(world: World, db: Database) -> None:
    make_contact(db, world.harbor, "Dana Whit", title="CFO", buying_role="economic")
    world.post_note("Budget talk with the CFO went well.", account_id=world.harbor)

    result = world.run("search", "who signs off at Harbor Freightways?")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Dana Whit (CFO) is the economic buyer at Harbor Freightways."
    assert lines[1] == "recorded on the contact"  # no note of hers read as evidence yet


def test_search_without_hits_says_so(world: World) -> None:
    result = world.run("search", "zeppelin")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "no notes match"


# --- brief --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Harbor:
    """Harbor's people and notes, as Ada may and may not read them, once embedded."""

    dana: int
    final_say: int  # names Dana, who is recorded as the economic buyer
    sailing: int  # personal context about Dana
    old: int  # past every shelf life
    march: int  # superseded by ``june``
    june: int
    bobs_private: int  # names Dana; only Bob may read it


def harbor_brief(world: World, db: Database, settings: Settings) -> Harbor:
    dana = make_contact(
        db,
        world.harbor,
        "Dana Whitfield",
        title="CFO",
        email="dana@harbor.example",
        buying_role="economic",
    )
    make_contact(db, world.harbor, "Raj Patel", title="IT lead", reports_to_id=dana)
    make_contact(db, world.coldwater, "Zoe Other", buying_role="coach")
    note = world.post_note
    final_say = note(
        "Dana Whitfield has final say on anything over $50k.",
        account_id=world.harbor,
        visibility="company",
    )
    sailing = note(
        "Dana loves sailing and her daughter plays competitive chess.",
        account_id=world.harbor,
        observed_at="2026-01-10T09:00:00Z",
    )
    old = note(
        "Harbor runs its own depot scanners.",
        account_id=world.harbor,
        observed_at="2020-01-01T09:00:00Z",
    )
    march = note("The renewal is due in March.", account_id=world.harbor)
    june = note("The renewal moved to June.", account_id=world.harbor, supersedes=[march])
    bobs_private = note(
        "Bob's private thought: Dana will resign before the renewal.",
        account_id=world.harbor,
        visibility="private",
        author=world.bob,
    )
    embed_everything(db, settings)
    return Harbor(
        dana,
        final_say,
        sailing,
        old,
        march,
        june,
        bobs_private,
    )


def section(text: str, title: str) -> str:
    """The indented lines under a heading of the brief."""
    lines = text.splitlines()
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith(" ")), None)
    return "\n".join(lines[start:end])


def test_brief_shows_the_servers_brief(world: World, db: Database, settings: Settings) -> None:
    harbor = harbor_brief(world, db, settings)

    result = world.run("brief", "harbor.example")

    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith(f"Harbor Freightways  (account {world.harbor})\n")
    assert "harbor.example · also Harbor Freight\n5 notes you can read" in text
    # Dana is the economic buyer, with the note that says so as evidence.
    influences = section(text, "Buying influences")
    dana = re.search(r"economic buyer\n +Dana Whitfield, CFO · confirmed · evidence: (.*)", text)
    assert dana and f"#{harbor.final_say}" in dana.group(1).split(", "), influences
    assert re.search(r"user buyer\n +no one known", influences), influences
    assert re.search(r"coach\n +no one known", influences), influences
    chart = section(text, "Reports-to chart")
    assert chart == ("  Dana Whitfield, CFO · economic buyer\n    └ Raj Patel, IT lead"), chart
    gaps = section(text, "Gaps").splitlines()
    assert "  - no user buyer known" in gaps and "  - no coach known" in gaps, gaps
    decision = section(text, "Decision process and budget")
    assert f"#{harbor.final_say} · Ada Reyes · today" in decision, text
    assert "Dana Whitfield has final say on anything over $50k." in decision
    assert "Dana loves sailing" in section(text, "Personal context"), text
    changed = section(text, "What changed recently")
    assert f"#{harbor.june} · Ada Reyes · today · team\n" in changed
    assert "    (replaces an older note)" in changed, changed
    stale = section(text, "Stale or contradicted (2)")
    assert stale.index(f"#{harbor.march} ·") < stale.index(f"#{harbor.old} ·"), stale
    assert f"    ! superseded: superseded by note #{harbor.june}\n" in stale, stale
    assert re.search(r"! stale: last observed or verified \d+ months ago", stale), stale
    assert section(text, "Whom to ask") == "  Ada Reyes · 5 notes · latest today"
    # Bob's private note is nowhere: not quoted, not evidence, not counted.
    assert "resign" not in text and "Bob" not in text and "Zoe Other" not in text
    assert not re.search(rf"#{harbor.bobs_private}\b", text), text


def test_brief_as_json_is_the_servers(world: World, db: Database, settings: Settings) -> None:
    harbor_brief(world, db, settings)

    result = world.run("brief", "Harbor Freightways", "--json")

    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    with world.api() as api:
        served = api.get(f"/v1/accounts/{world.harbor}/brief").json()
    assert printed.pop("generated_at") != served.pop("generated_at")
    assert printed == served


INVITATION = "\r\n".join(
    [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "METHOD:REQUEST",
        "BEGIN:VEVENT",
        "UID:renewal@tacit.example",
        "SUMMARY:Harbor renewal",
        "DTSTART:20261201T150000Z",
        "ORGANIZER;CN=Ada Reyes:mailto:ada.reyes@tacit.example",
        "ATTENDEE;CN=Ada Reyes:mailto:ada.reyes@tacit.example",
        'ATTENDEE;CN="Raj Patel":mailto:raj@harbor.example',
        "END:VEVENT",
        "END:VCALENDAR",
        "",
    ]
)


def test_meeting_brief_from_attendees_and_an_invitation(
    world: World, db: Database, settings: Settings
) -> None:
    harbor = harbor_brief(world, db, settings)
    invitation = world.tmp / "renewal.ics"
    invitation.write_text(INVITATION, encoding="utf-8")

    result = world.run(
        "brief", "--attendee", "Dana Whitfield <dana@harbor.example>", "--ics", str(invitation)
    )

    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("Meeting: Harbor renewal · 2026-12-01 15:00 UTC\nAttendees\n"), text
    attendees = section(text, "Attendees")
    assert "  Ada Reyes <ada.reyes@tacit.example> · colleague" in attendees
    dana = attendees[attendees.index("  Dana Whitfield <dana@harbor.example> · CFO") :]
    assert dana.startswith("  Dana Whitfield <dana@harbor.example> · CFO · economic buyer\n")
    personal = dana[dana.index("    Personal context") :]
    assert f"      #{harbor.sailing} · Ada Reyes ·" in personal
    assert "        Dana loves sailing" in personal
    assert "Dana Whitfield has final say" in dana[dana.index("    Other notes about them") :]
    assert "  Raj Patel <raj@harbor.example> · IT lead" in attendees
    assert f"Harbor Freightways  (account {world.harbor})" in text  # then the account brief
    assert "economic buyer\n    Dana Whitfield, CFO · confirmed" in text
    assert "resign" not in text and not re.search(rf"#{harbor.bobs_private}\b", text)

    piped = world.run("brief", "--ics", "-", "--json", stdin=INVITATION)
    assert piped.returncode == 0, piped.stderr
    meeting = json.loads(piped.stdout)
    assert meeting["meeting"]["summary"] == "Harbor renewal"
    assert meeting["account_brief"]["account"]["id"] == world.harbor
    assert [a["email"] for a in meeting["attendees"]][:2] == [
        "ada.reyes@tacit.example",
        "raj@harbor.example",
    ]


def test_meeting_without_a_known_account_says_why(world: World) -> None:
    result = world.run("brief", "--attendee", "Pat Doe <pat@nowhere.example>")

    assert result.returncode == 0, result.stderr
    assert "  Pat Doe <pat@nowhere.example> · not a contact we know" in result.stdout
    assert "No account brief: " in result.stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([], "give an ACCOUNT, or a meeting's attendees"),
        (["harbor.example", "--attendee", "dana@harbor.example"], "not both"),
    ],
    ids=["neither", "both"],
)
def test_brief_needs_an_account_or_a_meeting(world: World, args: list[str], words: str) -> None:
    result = world.run("brief", *args)

    assert result.returncode == 2, result
    assert words in " ".join(result.stderr.replace("│", " ").split()), result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreadable_invitation_is_one_line(world: World) -> None:
    result = world.run("brief", "--ics", str(world.tmp / "missing.ics"))

    assert_clean_failure(result, f"cannot read {world.tmp / 'missing.ics'}: No such file")


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
