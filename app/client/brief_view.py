"""The account brief and the meeting brief as the server builds them
(``GET /v1/accounts/{id}/brief``, ``POST /v1/briefs/meeting``), shown on a terminal.

Pure functions of the API's JSON, so they are tested without a server. Every piece of text
from the server goes into ``rich.text.Text`` as plain text: a note that says ``[bold]`` shows
it literally."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.text import Text

from app.client.render import parse_time
from app.wording import age_in_words

BUYING_ROLES = {
    "economic": "economic buyer",
    "technical": "technical buyer",
    "user": "user buyer",
    "coach": "coach",
}
# The chart nests at most this deep; deeper reports are drawn at this depth.
MAX_DEPTH = 8
INDENT = 2

Json = dict[str, Any]


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def _heading(title: str) -> Text:
    return Text("\n" + title, style="bold underline")


class Indented:
    """Text indented by ``depth`` steps, its wrapped lines too, with no padding on the right
    (rich's ``Padding`` fills each line up to the widest, which piped output keeps)."""

    def __init__(self, depth: int, text: Text) -> None:
        self.depth, self.text = depth, text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        indent = INDENT * self.depth
        for line in self.text.wrap(console, max(8, options.max_width - indent)):
            line.rstrip()
            yield Text.assemble(" " * indent, line)


def _at(depth: int, text: Text) -> RenderableType:
    return Indented(depth, text)


def _dim(text: str) -> Text:
    return Text(text, style="dim italic")


def _person(person: Json) -> str:
    return str(person["name"]) + (f", {person['title']}" if person.get("title") else "")


def _evidence(ids: list[int]) -> str:
    return "evidence: " + ", ".join(f"#{i}" for i in ids) if ids else "no note says so yet"


# --- pieces -------------------------------------------------------------------------------


def account_heading(brief: Json, account: Json | None = None) -> Text:
    """The account's name and id; its domains (and, when the client resolved it, its aliases,
    industry and region); how many notes the reader may read."""
    account = account or {}
    heading = Text(brief["account"]["name"], style="bold")
    heading.append(f"  (account {brief['account']['id']})", style="dim")
    facts = [
        ", ".join(brief.get("domains") or account.get("domains") or []),
        ("also " + ", ".join(account["aliases"])) if account.get("aliases") else "",
        account.get("industry") or "",
        account.get("region") or "",
    ]
    if line := " · ".join(f for f in facts if f):
        heading.append("\n" + line)
    heading.append(
        f"\n{_plural(brief['notes'], 'note')} you can read · brief of {brief['generated_at'][:10]}"
    )
    return heading


def influence_lines(brief: Json) -> list[RenderableType]:
    """Each buying role, and under it who holds it: recorded on the contact (confirmed) or
    suggested by the notes, with the ids of the notes that say so."""
    by_role: dict[str, list[Json]] = defaultdict(list)
    for influence in brief["buying_influences"]:
        by_role[influence["role"]].append(influence)
    lines: list[RenderableType] = []
    shown: set[int] = set()  # a person with two roles: their record once
    for role, label in BUYING_ROLES.items():
        lines.append(_at(1, Text(label, style="bold")))
        for influence in by_role[role]:
            line = Text(_person(influence["contact"]))
            if influence["confirmed"]:
                line.append(" · confirmed", style="green")
            else:
                line.append(" · suggested, not confirmed", style="yellow")
            line.append(" · " + _evidence(influence["evidence"]))
            if influence.get("last_mentioned_at") is None:
                line.append(" · never mentioned", style="dim")
            lines.append(_at(2, line))
            if influence.get("record") and influence["contact"]["id"] not in shown:
                shown.add(influence["contact"]["id"])
                lines += [_at(3, r) for r in record_lines(influence["record"])]
        if not by_role[role]:
            lines.append(_at(2, _dim("no one known")))
    return lines


def record_lines(record: Json) -> list[Text]:
    """A contact's influence record in a line or two: degree, mode, rating and key win; hot
    and cold buttons; who covers them; what is stale or waiting for a decision."""
    confirmed = record["confirmed"]
    facts = []
    if len(confirmed["roles"]) > 1:
        facts.append("roles " + ", ".join(BUYING_ROLES[r] for r in confirmed["roles"]))
    if confirmed.get("degree"):
        facts.append(f"{confirmed['degree']} influence")
    if confirmed.get("mode"):
        mode = confirmed["mode"].replace("_", "-") + " mode"
        if confirmed.get("mode_reason"):
            mode += f" ({confirmed['mode_reason']})"
        facts.append(mode)
    if confirmed.get("rating") is not None:
        facts.append(f"rating {confirmed['rating']:+d}")
    if confirmed.get("key_win_result"):
        facts.append(f"wants: {confirmed['key_win_result']}")
    lines = [Text(" · ".join(facts))] if facts else []
    buttons = Text()
    if confirmed.get("hot_buttons"):
        buttons.append("hot: " + ", ".join(confirmed["hot_buttons"]), style="green")
    if confirmed.get("cold_buttons"):
        if buttons:
            buttons.append(" · ")
        buttons.append("cold: " + ", ".join(confirmed["cold_buttons"]), style="red")
    if buttons:
        lines.append(buttons)
    people = ", ".join(p["name"] for p in record.get("covered_by", [])[:3])
    cover = Text(f"covered by {people}" if people else "nobody has written about them")
    if record.get("last_met_at"):
        cover.append(f" · last met {record['last_met_at'][:10]}")
    else:
        cover.append(" · never met in the notes you can read", style="dim")
    if record.get("stale_fields"):
        cover.append(" · stale: " + ", ".join(record["stale_fields"]), style="yellow")
    if record.get("suggested_fields"):
        cover.append(" · to decide: " + ", ".join(record["suggested_fields"]), style="yellow")
    lines.append(cover)
    return lines


def red_flag_lines(flags: list[Json]) -> list[RenderableType]:
    if not flags:
        return [_at(1, _dim("none"))]
    return [_at(1, Text(f"! {f['message']}", style="red")) for f in flags]


def chart_lines(contacts: list[Json], chart: list[Json]) -> list[RenderableType]:
    """The reports-to chart, each contact under the one they report to, in the order and at
    the depths the server worked out (``chart``)."""
    if not chart:
        return [_at(1, _dim("no contacts recorded"))]
    by_id = {c["id"]: c for c in contacts}
    lines: list[RenderableType] = []
    for place in chart:
        contact, depth = by_id[place["contact_id"]], place["depth"]
        line = Text(("└ " if depth else "") + _person(contact))
        if contact["buying_role"] in BUYING_ROLES:
            line.append(f" · {BUYING_ROLES[contact['buying_role']]}")
        if contact.get("suggested_role") in BUYING_ROLES:
            line.append(f" · suggested {BUYING_ROLES[contact['suggested_role']]}", style="yellow")
        lines.append(_at(1 + min(depth, MAX_DEPTH), line))
    return lines


def note_lines(note: Json, depth: int = 1) -> list[RenderableType]:
    """A note as the brief quotes it: id, author, age and who may read it; the sentence or
    passage; and, when it is stale, superseded or flagged, why."""
    head = Text(f"#{note['id']}", style="bold")
    head.append(f" · {note['author']['name']} · {age_in_words(note['age_days'], short=True)}")
    if note.get("verified_at"):
        head.append(" (verified)")
    if note.get("visibility") in ("private", "team"):
        head.append(f" · {note['visibility']}", style="dim")
    if note.get("sensitive"):
        head.append(f" · sensitive: {', '.join(note['sensitive'])}", style="magenta")
    lines: list[RenderableType] = [_at(depth, head), _at(depth + 1, Text(note["text"]))]
    marks = [
        word
        for word, on in (
            ("superseded", note["superseded"]),
            ("flagged", note["flagged"]),
            ("stale", note["stale"]),
        )
        if on
    ]
    reason = note.get("reason")
    if marks:
        mark = Text("! " + ", ".join(marks), style="bold red")
        if reason:
            mark.append(f": {reason}", style="red")
        lines.append(_at(depth + 1, mark))
    elif reason:
        lines.append(_at(depth + 1, _dim(f"({reason})")))
    return lines


def _notes(notes: list[Json], empty: str, depth: int = 1) -> list[RenderableType]:
    if not notes:
        return [_at(depth, _dim(empty))]
    return [line for note in notes for line in note_lines(note, depth)]


def expert_lines(experts: list[Json], now: str) -> list[RenderableType]:
    """Whom to ask: who wrote the most, most recently, with how long ago as of ``now``."""
    if not experts:
        return [_at(1, _dim("no one has written about this account yet"))]
    moment = parse_time(now)
    return [
        _at(
            1,
            Text(
                f"{e['user']['name']} · {_plural(e['notes'], 'note')} · latest "
                + age_in_words((moment - parse_time(e["last_observed_at"])).days, short=True)
            ),
        )
        for e in experts
    ]


# --- the whole briefs -----------------------------------------------------------------------


def render_brief(brief: Json, account: Json | None = None) -> Group:
    """The account brief, top to bottom: who decides, how they relate, what is missing, what
    is known by topic, what changed, what to distrust, and whom to ask."""
    parts: list[RenderableType] = [account_heading(brief, account)]
    parts += [_heading("Buying influences"), *influence_lines(brief)]
    parts += [_heading("Red flags"), *red_flag_lines(brief.get("red_flags", []))]
    parts += [_heading("Reports-to chart"), *chart_lines(brief["contacts"], brief["chart"])]
    parts.append(_heading("Gaps"))
    parts += [_at(1, Text(f"- {g['message']}")) for g in brief["gaps"]] or [
        _at(1, _dim("none found"))
    ]
    for section in brief["sections"]:
        if notes := brief["topics"].get(section["name"]):
            parts += [_heading(section["title"]), *_notes(notes, "")]
    parts += [
        _heading("What changed recently"),
        *_notes(brief["changes"], "nothing new lately"),
    ]
    shown, count = brief["stale"], brief["stale_count"]
    parts += [
        _heading(f"Stale or contradicted ({count})"),
        *_notes(shown, "nothing: every note you can read is current"),
    ]
    if count > len(shown):
        parts.append(_at(1, _dim(f"... and {count - len(shown)} more")))
    parts += [_heading("Whom to ask"), *expert_lines(brief["experts"], brief["generated_at"])]
    return Group(*parts)


def _who(attendee: Json) -> str:
    name, email = attendee.get("name"), attendee.get("email")
    if name and email:
        return f"{name} <{email}>"
    return name or email or "someone"


def attendee_lines(attendee: Json) -> list[RenderableType]:
    line = Text(_who(attendee), style="bold")
    contact = attendee.get("contact")
    if attendee["colleague"]:
        line.append(" · colleague", style="dim")
        return [_at(1, line)]
    if contact is None:
        line.append(" · not a contact we know", style="dim")
        return [_at(1, line)]
    if contact.get("title"):
        line.append(f" · {contact['title']}")
    if contact["buying_role"] in BUYING_ROLES:
        line.append(f" · {BUYING_ROLES[contact['buying_role']]}")
    lines: list[RenderableType] = [_at(1, line), _at(2, Text("Personal context"))]
    lines += _notes(attendee["personal"], "none in the notes you can read", depth=3)
    if attendee["notes"]:
        lines += [_at(2, Text("Other notes about them")), *_notes(attendee["notes"], "", 3)]
    return lines


def render_meeting(result: Json) -> Group:
    """The meeting, each attendee with what is known about them personally, then the brief of
    the account most of them belong to."""
    parts: list[RenderableType] = []
    if meeting := result.get("meeting"):
        line = Text("Meeting: ", style="bold")
        line.append(meeting.get("summary") or "(no title)")
        if meeting.get("start"):
            line.append(f" · {meeting['start'][:16].replace('T', ' ')} UTC")
        parts.append(line)
    parts.append(Text("Attendees", style="bold underline"))
    for attendee in result["attendees"]:
        parts += attendee_lines(attendee)
    if result.get("account_brief"):
        parts += [Text(""), render_brief(result["account_brief"])]
    else:
        problem = result.get("account_problem") or "no attendee belongs to a known account"
        parts += [Text(""), _dim(f"No account brief: {problem}")]
    return Group(*parts)
