"""What the command-line client shows: the account and meeting briefs, and search results
(the answer above the hits, weak hits, lists grouped by account), rendered as text."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from app.client.brief_view import render_brief, render_meeting
from app.schemas.brief import AccountBrief, MeetingBriefRead

# --- briefs -------------------------------------------------------------------------------

NOW = "2026-11-23T12:00:00Z"


def brief_note(note_id: int, text: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": note_id,
        "external_id": None,
        "author": {"id": 1, "name": "Ada Reyes", "external_id": None},
        "observed_at": "2026-11-20T09:00:00Z",
        "verified_at": None,
        "age_days": 3,
        "visibility": "company",
        "text": text,
        "stale": False,
        "superseded": False,
        "flagged": False,
        "reason": None,
    } | fields


def contact(contact_id: int, name: str, **fields: Any) -> dict[str, Any]:
    return {
        "id": contact_id,
        "external_id": None,
        "name": name,
        "title": None,
        "buying_role": "unknown",
        "suggested_role": None,
        "reports_to_id": None,
    } | fields


def sample_brief() -> dict[str, Any]:
    """A brief as the server sends it (checked against the server's schema)."""
    dana = contact(1, "Dana Whitfield", title="CFO", buying_role="economic")
    raj = contact(2, "Raj Patel", title="IT lead", reports_to_id=1, suggested_role="technical")
    lee = contact(3, "Lee [b]Moss[/b]", reports_to_id=2)
    loop = [contact(4, "Ann Loop", reports_to_id=5), contact(5, "Bo Loop", reports_to_id=4)]
    person = {k: v for k, v in dana.items() if k in ("id", "external_id", "name", "title")}
    brief = {
        "account": {"id": 7, "name": "Harbor Freightways", "external_id": None},
        "domains": ["harbor.example"],
        "generated_at": NOW,
        "notes": 1,
        "sections": [
            {"name": name, "title": title, "shelf_life_days": 180}
            for name, title in (
                ("decision_process", "Decision process and budget"),
                ("personal", "Personal context"),
                ("competitors", "Competitors"),
            )
        ],
        "contacts": [dana, raj, lee, *loop],
        # As app.domain.org_chart draws it: Lee under Raj under Dana; the loop cut at Ann.
        "chart": [
            {"contact_id": i, "depth": depth}
            for i, depth in ((1, 0), (2, 1), (3, 2), (4, 0), (5, 1))
        ],
        "buying_influences": [
            {
                "role": "economic",
                "contact": person,
                "evidence": [11, 12],
                "confirmed": True,
                "last_mentioned_at": "2026-11-20T09:00:00Z",
            },
            {
                "role": "technical",
                "contact": {**person, "id": 2, "name": "Raj Patel", "title": "IT lead"},
                "evidence": [13],
                "confirmed": False,
                "last_mentioned_at": None,
            },
        ],
        "gaps": [
            {"kind": "missing_role", "message": "no coach known", "role": "coach"},
            {
                "kind": "unconfirmed_role",
                "message": "technical buyer suggested, not confirmed: Raj Patel",
                "role": "technical",
            },
        ],
        "topics": {
            "decision_process": [
                brief_note(11, "Dana has final say on anything over $50k. " + "More. " * 20)
            ],
            "personal": [],
            "competitors": [
                brief_note(
                    14,
                    "They use [red]Acme[/red] today.",
                    age_days=800,
                    visibility="team",
                    stale=True,
                    reason="last observed or verified 26 months ago",
                )
            ],
        },
        "changes": [brief_note(12, "The renewal moved to June.", reason="replaces an older note")],
        "stale": [
            brief_note(
                15,
                "The renewal is due in March.",
                superseded=True,
                flagged=True,
                verified_at="2026-11-01T09:00:00Z",
                reason="superseded by note #12",
            )
        ],
        "stale_count": 4,
        "experts": [
            {
                "user": {"id": 1, "name": "Ada Reyes", "external_id": None},
                "notes": 1,
                "last_observed_at": "2026-10-20T09:00:00Z",
                "score": 0.9,
            }
        ],
    }
    for gap in brief["gaps"]:
        gap.setdefault("contact_id", None)
    AccountBrief.model_validate(brief)
    return brief


def shown(renderable: Any, width: int = 60) -> str:
    console = Console(width=width, record=True, file=io.StringIO(), color_system=None)
    console.print(renderable)
    return console.export_text()


def test_the_brief_reads_top_to_bottom() -> None:
    text = shown(render_brief(sample_brief(), {"aliases": ["Harbor Freight"], "region": "EU"}))

    assert text.startswith(
        "Harbor Freightways  (account 7)\n"
        "harbor.example · also Harbor Freight · EU\n"
        "1 note you can read · brief of 2026-11-23\n"
        "\nBuying influences\n"
        "  economic buyer\n"
        "    Dana Whitfield, CFO · confirmed · evidence: #11, #12\n"
        "  technical buyer\n"
        "    Raj Patel, IT lead · suggested, not confirmed ·\n"  # wrapped, indented
        "    evidence: #13 · never mentioned\n"
        "  user buyer\n"
        "    no one known\n"
        "  coach\n"
        "    no one known\n"
        "\nRed flags\n"
        "  none\n"
        "\nReports-to chart\n"
        "  Dana Whitfield, CFO · economic buyer\n"
        "    └ Raj Patel, IT lead · suggested technical buyer\n"
        "      └ Lee [b]Moss[/b]\n"  # names are text, never markup
        "  Ann Loop\n"  # a reporting loop is drawn once, from anywhere
        "    └ Bo Loop\n"
        "\nGaps\n"
        "  - no coach known\n"
        "  - technical buyer suggested, not confirmed: Raj Patel\n"
        "\nDecision process and budget\n"
        "  #11 · Ada Reyes · 3 d ago\n"
        "    Dana has final say on anything over $50k. More. More.\n"
        "    More. More. More. More. More. More. More. More. More.\n"
        "    More. More. More. More. More. More. More. More. More.\n"
    ), text
    assert "Personal context" not in text  # an empty section is left out
    assert (
        "\nCompetitors\n"
        "  #14 · Ada Reyes · 2 y ago · team\n"
        "    They use [red]Acme[/red] today.\n"
        "    ! stale: last observed or verified 26 months ago\n"
        "\nWhat changed recently\n"
        "  #12 · Ada Reyes · 3 d ago\n"
        "    The renewal moved to June.\n"
        "    (replaces an older note)\n"
        "\nStale or contradicted (4)\n"
        "  #15 · Ada Reyes · 3 d ago (verified)\n"
        "    The renewal is due in March.\n"
        "    ! superseded, flagged: superseded by note #12\n"
        "  ... and 3 more\n"
        "\nWhom to ask\n"
        "  Ada Reyes · 1 note · latest 34 d ago\n"
    ) in text, text
    assert all(line == line.rstrip() for line in text.splitlines())


def test_the_brief_shows_each_influence_record_compactly_and_the_red_flags() -> None:
    brief = sample_brief()
    record = {
        "confirmed": {
            "roles": ["economic", "coach"],
            "degree": "high",
            "mode": "even_keel",
            "mode_reason": "happy with spreadsheets",
            "rating": -3,
            "key_win_result": "a board win",
            "hot_buttons": ["frameworks"],
            "cold_buttons": ["[b]late calls[/b]"],
        },
        "stale_fields": ["mode"],
        "suggested_fields": ["hot_buttons"],
        "covered_by": [{"id": 1, "name": "Ada Reyes", "external_id": None}],
        "last_met_at": "2026-10-20T09:00:00Z",
    }
    brief["buying_influences"][0]["record"] = record
    brief["buying_influences"].append(brief["buying_influences"][0] | {"role": "coach"})
    brief["red_flags"] = [
        {"code": "hostile_rating", "message": "Dana Whitfield rates us -3", "role": "economic",
         "contact_ids": [1]},
    ]  # fmt: skip
    AccountBrief.model_validate(brief)

    text = shown(render_brief(brief), width=200)

    assert (
        "    Dana Whitfield, CFO · confirmed · evidence: #11, #12\n"
        "      roles economic buyer, coach · high influence · even-keel mode (happy with "
        "spreadsheets) · rating -3 · wants: a board win\n"
        "      hot: frameworks · cold: [b]late calls[/b]\n"
        "      covered by Ada Reyes · last met 2026-10-20 · stale: mode · to decide: hot_buttons\n"
    ) in text, text
    assert text.count("covered by Ada Reyes") == 1  # under the first of their roles only
    assert "\nRed flags\n  ! Dana Whitfield rates us -3\n" in text, text


def test_an_empty_brief_says_so_in_each_part() -> None:
    brief = sample_brief() | {
        "notes": 0,
        "contacts": [],
        "chart": [],
        "buying_influences": [],
        "gaps": [],
        "topics": {},
        "changes": [],
        "stale": [],
        "stale_count": 0,
        "experts": [],
    }

    text = shown(render_brief(brief), width=100)

    for words in (
        "0 notes you can read",
        "Reports-to chart\n  no contacts recorded",
        "Gaps\n  none found",
        "What changed recently\n  nothing new lately",
        "Stale or contradicted (0)\n  nothing: every note you can read is current",
        "Whom to ask\n  no one has written about this account yet",
    ):
        assert words in text, text


def test_the_meeting_brief_shows_each_attendee_then_the_account() -> None:
    brief = sample_brief()
    dana = contact(1, "Dana Whitfield", title="CFO", buying_role="economic")
    result = {
        "meeting": {"summary": "Harbor renewal", "start": "2026-12-01T15:00:00Z"},
        "attendees": [
            {
                "email": "dana@harbor.example",
                "name": "Dana Whitfield",
                "colleague": False,
                "contact": dana,
                "personal": [brief_note(16, "Dana loves sailing.")],
                "notes": [brief_note(11, "Dana has final say.")],
            },
            {
                "email": "raj@harbor.example",
                "name": "Raj Patel",
                "colleague": False,
                "contact": contact(2, "Raj Patel"),
                "personal": [],
                "notes": [],
            },
            {
                "email": "ada@tacit.example",
                "name": "Ada Reyes",
                "colleague": True,
                "contact": None,
                "personal": [],
                "notes": [],
            },
            {
                "email": "pat@nowhere.example",
                "name": None,
                "colleague": False,
                "contact": None,
                "personal": [],
                "notes": [],
            },
        ],
        "account_brief": brief,
        "account_problem": None,
    }
    MeetingBriefRead.model_validate(result)

    text = shown(render_meeting(result), width=100)

    assert text.startswith(
        "Meeting: Harbor renewal · 2026-12-01 15:00 UTC\n"
        "Attendees\n"
        "  Dana Whitfield <dana@harbor.example> · CFO · economic buyer\n"
        "    Personal context\n"
        "      #16 · Ada Reyes · 3 d ago\n"
        "        Dana loves sailing.\n"
        "    Other notes about them\n"
        "      #11 · Ada Reyes · 3 d ago\n"
        "        Dana has final say.\n"
        "  Raj Patel <raj@harbor.example>\n"
        "    Personal context\n"
        "      none in the notes you can read\n"
        "  Ada Reyes <ada@tacit.example> · colleague\n"
        "  pat@nowhere.example · not a contact we know\n"
        "\n"
        "Harbor Freightways  (account 7)\n"
    ), text

    alone = result | {"meeting": None, "account_brief": None, "account_problem": "no domain"}
    text = shown(render_meeting(alone), width=100)
    assert text.startswith("Attendees\n") and text.endswith("\nNo account brief: no domain\n")


def test_the_answer_is_printed_above_the_hits() -> None:
    from rich.console import Console

    from app.client.render import search_answer

    answer = {
        "text": "Jill Oyelaran (CFO) is the economic buyer at Bramblewood Bank.",
        "basis": "confirmed",
        "as_of": "2026-10-01T12:00:00Z",
        "age_days": 3,
        "colleagues": [],
        "evidence": [
            {
                "note_id": 12,
                "author": {"id": 1, "name": "Alice Moreau", "external_id": None},
                "observed_at": "2026-10-01T12:00:00Z",
                "age_days": 3,
                "passage": "Jill has final say on anything over $25k.",
            }
        ],
    }
    console = Console(width=200, record=True)
    console.print(search_answer(answer))
    shown = console.export_text()
    assert shown.splitlines()[0] == answer["text"]
    assert "confirmed · as of 2026-10-01 (3 d ago)" in shown
    assert "#12 Alice Moreau, 2026-10-01 (3 d ago): Jill has final say on anything over $25k." in (
        shown
    )


def _hit(note_id: int, account: str, *, weak: bool = False, **more: Any) -> dict[str, Any]:
    return {
        "note_id": note_id,
        "account": {"id": len(account), "name": account, "external_id": None},
        "author": {"id": 1, "name": "Alice Moreau", "external_id": None},
        "observed_at": "2026-10-01T12:00:00Z",
        "age_days": 3,
        "matched": "meaning",
        "snippet": f"note {note_id} text",
        "weak": weak,
        "confidence": 0.2 if weak else 0.8,
        "similar": [],
        "group": None,
        **more,
    }


def _shown(table: Any) -> str:
    from rich.console import Console

    console = Console(width=200, record=True)
    console.print(table)
    return console.export_text()


def test_no_confident_match_shows_the_closest_three_and_says_so() -> None:
    from app.client.render import search_caption, search_table

    response = {
        "hits": [_hit(i, "Harbor", weak=True) for i in range(1, 8)],
        "weak": True,
        "groups": [],
        "took_ms": 12.0,
    }
    shown = _shown(search_table(response))
    assert [f"note {i} text" in shown for i in range(1, 8)] == [True] * 3 + [False] * 4
    assert "weak" in shown
    assert search_caption(response).startswith("no confident match in 12 ms")


def test_weaker_hits_are_left_out_and_counted() -> None:
    from app.client.render import search_caption, search_table

    hits = [_hit(1, "Harbor"), _hit(2, "Harbor", similar=[5, 6]), _hit(3, "Harbor", weak=True)]
    response = {"hits": hits, "weak": False, "groups": [], "took_ms": 9.0}
    shown = _shown(search_table(response))
    assert "note 3 text" not in shown
    assert "note 2 text (and 2 similar notes)" in shown
    assert search_caption(response) == "2 notes in 9 ms (1 weaker not shown)"


def test_a_list_is_shown_grouped_by_account() -> None:
    from app.client.render import search_caption, search_table

    hits = [
        _hit(1, "Harbor", group="account:1"),
        _hit(2, "Vantor", group="account:2"),
        _hit(3, "Harbor", group="account:1"),
    ]
    groups = [
        {"key": "account:1", "per": "account", "account": hits[0]["account"], "note_ids": [1, 3]},
        {"key": "account:2", "per": "account", "account": hits[1]["account"], "note_ids": [2]},
    ]
    response = {"hits": hits, "weak": False, "groups": groups, "took_ms": 9.0}
    lines = [line for line in _shown(search_table(response)).splitlines() if "text" in line]
    assert ["note 1" in lines[0], "note 3" in lines[1], "note 2" in lines[2]] == [True] * 3
    assert "Harbor" in lines[0] and "Harbor" not in lines[1] and "Vantor" in lines[2]
    assert search_caption(response) == "3 notes from 2 accounts in 9 ms"
