"""``tacit users handover ID``: the handover report over the API, as a real process talking
HTTP to a real server, on each database."""

from __future__ import annotations

import json

from app.db.engine import Database
from app.db.models import Role
from tests.factories import make_user
from tests.integration.test_cli_client import World, assert_clean_failure
from tests.integration.test_cli_client import world as world  # the fixture


def test_users_handover_prints_the_report_to_the_manager_and_refuses_a_rep(
    world: World, db: Database
) -> None:
    mona = make_user(db, "Mona Diaz", team="east", role=Role.manager)
    world.post_note("Meg signs off on spend.", account_id=world.harbor, author=world.bob)
    world.post_note("Meg's private view.", account_id=world.harbor, author=world.bob,
                    visibility="private")  # fmt: skip
    shown = world.run("users", "handover", "bob.stone@tacit.example", person=mona)
    assert shown.returncode == 0, shown.stderr
    assert "Bob Stone: the only source on 1 account(s)" in shown.stdout
    assert "Harbor Freightways" in shown.stdout and "Meg" not in shown.stdout
    as_json = world.run("users", "handover", str(world.bob.id), "--json", person=mona)
    (row,) = json.loads(as_json.stdout)["accounts"]
    assert row["notes"] == {"private": 1, "team": 1, "company": 0}
    assert_clean_failure(world.run("users", "handover", str(world.bob.id)), "403")
