"""``tacit search`` and ``tacit brief`` as a real process against a live server, on each
database: the tables, the JSON, the answer above the hits, and meeting briefs."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.config import Settings
from app.db.engine import Database
from tests.cli_world import (
    World,
    assert_clean_failure,
    make_world,
)
from tests.factories import (
    embed_everything,
    make_contact,
)


@pytest.fixture
def world(live_url: str, db: Database, tmp_path: Path) -> World:
    return make_world(live_url, db, tmp_path)


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
