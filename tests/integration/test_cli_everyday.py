"""``tacit show``, ``tacit contacts`` and ``tacit search`` at a terminal's width: real processes
talking to a real server (the live world of ``test_cli_client``), on each database."""

from __future__ import annotations

import json

import pytest

from app.db.engine import Database
from tests.factories import make_contact
from tests.integration import test_cli_client
from tests.integration.test_cli_client import World, assert_clean_failure

world = test_cli_client.world  # the live server and its people, as the client tests have them

# --- show ---------------------------------------------------------------------------------


def test_show_prints_a_note_with_its_facts_and_markdown(world: World, db: Database) -> None:
    meg = make_contact(db, world.harbor, "Meg Ortiz", email="meg@harbor.example")
    note = world.post_note(
        "# Call recap\n\nMeg has **final say** over $50k.",
        account_id=world.harbor,
        contact_ids=[meg],
        visibility="company",
        observed_at="2026-03-02T09:00:00Z",
    )

    result = world.run("show", str(note), COLUMNS="80")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"note {note} · Harbor Freightways"
    for fact in (
        "author      Ada Reyes",
        "contacts    Meg Ortiz",
        "visibility  company (everyone)",
        "source      api",
    ):
        assert fact in lines, result.stdout
    assert any(line.startswith("observed    2026-03-02 (") for line in lines)
    assert any(line.startswith("freshness   ") for line in lines)
    assert "Call recap" in result.stdout and "# Call recap" not in result.stdout
    assert "**" not in result.stdout
    assert max(len(line) for line in lines) <= 80


def test_show_json_is_the_api_note(world: World) -> None:
    note = world.post_note("Prefers e-mail to calls.", account_id=world.harbor)

    result = world.run("show", str(note), "--json")

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == world.get_note(note)


def test_show_of_a_note_you_may_not_read_is_not_found(world: World) -> None:
    hidden = world.post_note(
        "Bob's own reminder.", account_id=world.harbor, visibility="private", author=world.bob
    )

    result = world.run("show", str(hidden))

    assert_clean_failure(result, "(404)")


# --- contacts -----------------------------------------------------------------------------


def test_contacts_create_list_show_and_update(world: World, db: Database) -> None:
    ruth = make_contact(db, world.harbor, "Ruth Vance", email="ruth@harbor.example")
    make_contact(db, world.coldwater, "Dean Cole")

    created = world.run(
        "contacts",
        "create",
        "Meg Ortiz",
        "--account",
        "Harbor Freight",
        "--title",
        "CFO",
        "--email",
        "meg@harbor.example",
        "--reports-to",
        "ruth",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    meg = json.loads(created.stdout)
    assert (meg["account"]["id"], meg["title"], meg["reports_to_id"]) == (
        world.harbor,
        "CFO",
        ruth,
    )

    listed = world.run("contacts", "list", "--account", "harbor.example", COLUMNS="100")
    assert listed.returncode == 0, listed.stderr
    assert "Meg Ortiz" in listed.stdout and "Ruth Vance" in listed.stdout
    assert "Dean Cole" not in listed.stdout

    shown = world.run("contacts", "show", "meg@harbor.example", COLUMNS="80")
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        f"Meg Ortiz (contact {meg['id']})",
        f"account     Harbor Freightways ({world.harbor})",
        "title       CFO",
        "e-mail      meg@harbor.example",
        "buying role unknown",
        f"reports to  Ruth Vance ({ruth})",
    ]

    renamed = world.run(
        "contacts", "update", "Meg", "--account", "harbor.example", "--title", "Chief Financial"
    )
    assert renamed.returncode == 0, renamed.stderr
    assert f"updated contact {meg['id']}: title" in renamed.stdout
    by_id = world.run("contacts", "show", str(meg["id"]), "--json")
    assert json.loads(by_id.stdout)["title"] == "Chief Financial"


def test_a_reps_buying_role_change_is_refused(world: World, db: Database) -> None:
    meg = make_contact(db, world.harbor, "Meg Ortiz", email="meg@harbor.example")

    refused = world.run("contacts", "update", str(meg), "--role", "economic")

    assert_clean_failure(refused, "(403)")


def test_contacts_say_which_contact_they_cannot_find(world: World, db: Database) -> None:
    make_contact(db, world.harbor, "Meg Ortiz", email="meg@harbor.example")

    unknown = world.run("contacts", "show", "Mag", "--account", "harbor.example")
    nameless = world.run("contacts", "show", "Meg")
    nothing = world.run("contacts", "update", "meg@harbor.example")

    assert_clean_failure(unknown, "unknown contact 'Mag' at Harbor Freightways", "Meg Ortiz")
    assert_clean_failure(nameless, "with --account")
    assert nothing.returncode == 2 and "give at least one of" in nothing.stderr


# --- search at a terminal's width ---------------------------------------------------------


@pytest.mark.parametrize("columns", [80, 160])
def test_search_fits_the_terminal_and_shows_note_ids(world: World, columns: int) -> None:
    ids = [
        world.post_note(
            f"Depot outage INC-40412 number {i}: the scanners and tills were down for six "
            "hours while procurement and legal argued over who pays for the replacement.",
            account_id=world.harbor,
            author=world.bob,
            visibility="company",
        )
        for i in range(3)
    ]

    result = world.run("search", "INC-40412", COLUMNS=str(columns))

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= columns, result.stdout
    for note_id in ids:
        assert f"#{note_id}" in result.stdout if columns < 120 else str(note_id) in result.stdout
    assert "3 notes in" in result.stdout
    assert ("┃ snippet" in result.stdout) == (columns >= 120)  # the wide table's header
