"""The client's views of a note (``tacit show``), of search hits at any width, and of a
contact, from the API's JSON, without a server."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from rich.console import Console, RenderableType

from app.client.contacts import BuyingRole, contact_lines
from app.client.note_view import render_note
from app.client.render import WIDE_COLUMNS, search_hits
from app.db.models.columns import BuyingRole as ServerBuyingRole

NOW = datetime(2026, 10, 4, 12, tzinfo=UTC)


def shown(renderable: RenderableType, width: int) -> list[str]:
    console = Console(width=width, record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


def a_note(**fields: Any) -> dict[str, Any]:
    return {
        "id": 42,
        "external_id": None,
        "account": {"id": 3, "name": "Harbor Freightways", "external_id": None},
        "author": {"id": 1, "name": "Alice Moreau", "external_id": None},
        "contacts": [{"id": 7, "name": "Meg Ortiz", "external_id": None}],
        "body": "# Call recap\n\nMeg has **final say** over $50k.\n\n- renewal in May",
        "visibility": "team",
        "sensitive": [],
        "observed_at": "2026-10-01T09:00:00Z",
        "source": "cli",
        "source_url": None,
        "topics": ["decision"],
        "verified_at": None,
        "superseded_by_id": None,
        "stale": False,
        "stale_after": "2027-04-01T09:00:00Z",
        **fields,
    }


def test_a_note_shows_its_facts_then_its_markdown_rendered() -> None:
    lines = shown(render_note(a_note(), now=NOW), 80)
    text = "\n".join(lines)

    assert lines[0] == "note 42 · Harbor Freightways"
    for fact in (
        "author      Alice Moreau",
        "observed    2026-10-01 (3 d ago)",
        "contacts    Meg Ortiz",
        "visibility  team (the author's team)",
        "freshness   fresh until 2027-04-01",
        "topics      decision",
        "source      cli",
    ):
        assert fact in lines, text
    assert "Call recap" in text and "# Call recap" not in text  # a heading, not raw markdown
    assert "final say" in text and "**" not in text
    assert "• renewal in May" in text


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"superseded_by_id": 50, "stale": True}, "freshness   superseded by note 50"),
        ({"stale": True}, "freshness   stale: past its shelf life or flagged for review"),
        ({"stale_after": None}, "freshness   fresh"),
        (
            {"verified_at": "2026-09-04T10:00:00Z"},
            "freshness   fresh until 2027-04-01 · verified 2026-09-04 (30 d ago)",
        ),
    ],
)
def test_a_note_says_how_fresh_it_is(fields: dict[str, Any], expected: str) -> None:
    assert expected in shown(render_note(a_note(**fields), now=NOW), 100)


def test_a_private_sensitive_note_without_contacts_says_so() -> None:
    note = a_note(visibility="private", sensitive=["health"], contacts=[], external_id="crm-9")
    lines = shown(render_note(note, now=NOW), 80)

    for fact in (
        "visibility  private (the author only)",
        "sensitive   health",
        "contacts    none",
        "external id crm-9",
    ):
        assert fact in lines


def _hit(note_id: int, **more: Any) -> dict[str, Any]:
    return {
        "note_id": note_id,
        "account": {"id": 3, "name": "Harbor Freightways International Holdings"},
        "author": {"id": 1, "name": "Alexandra Moreau-Vandenberghe"},
        "observed_at": "2026-10-01T12:00:00Z",
        "age_days": 3,
        "matched": "both",
        "snippet": "Meg said the <mark>renewal</mark> needs sign-off from procurement "
        "and legal before the end of the quarter, and that the CFO wants three quotes. " * 2,
        "weak": False,
        "similar": [],
        "group": None,
        **more,
    }


@pytest.mark.parametrize("width", [80, 100, 160, 200])
def test_hits_fit_the_terminal_and_show_every_note_id(width: int) -> None:
    response = {"hits": [_hit(4711), _hit(12, similar=[13]), _hit(9, weak=True)]}

    lines = shown(search_hits(response, width=width), width)

    assert max(len(line) for line in lines) <= width
    text = "\n".join(lines)
    for note_id in ("4711", "12"):
        assert note_id in text
    assert "9" not in text.replace("2026", "")  # the weak hit is left out: two confident ones
    assert "renewal" in text and "(and 1 similar note)" in text
    assert ("snippet" in lines[1]) == (width >= WIDE_COLUMNS)  # the table's header


def test_stacked_hits_keep_rank_and_id_when_names_are_cut() -> None:
    lines = shown(search_hits({"hits": [_hit(4711), _hit(12)]}, width=80), 80)

    heads = [line for line in lines if line[:4].strip().endswith(".")]
    assert [h.split()[:2] for h in heads] == [["1.", "#4711"], ["2.", "#12"]]
    assert all(h.endswith("…") for h in heads)  # too long for 80 columns: cut, not wrapped
    assert all(line.startswith("     ") for line in lines if "renewal" in line)


def test_a_contact_shows_its_record() -> None:
    contact = {
        "id": 7,
        "account": {"id": 3, "name": "Harbor Freightways"},
        "name": "Meg Ortiz",
        "title": "CFO",
        "email": None,
        "buying_role": "economic",
        "reports_to_id": 2,
        "external_id": "crm-7",
    }

    lines = shown(contact_lines(contact, {"id": 2, "name": "Ruth Vance"}), 80)

    assert lines == [
        "Meg Ortiz (contact 7)",
        "account     Harbor Freightways (3)",
        "title       CFO",
        "e-mail      unknown",
        "buying role economic",
        "reports to  Ruth Vance (2)",
        "external id crm-7",
    ]


def test_the_clients_buying_roles_are_the_servers() -> None:
    assert [r.value for r in BuyingRole] == [r.value for r in ServerBuyingRole]
