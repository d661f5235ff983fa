"""One note in a terminal (``tacit show``): who wrote it about whom, who may read it, how fresh
it is, then its markdown rendered. A pure function of the API's JSON and the time, so it is
tested without a server."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.rule import Rule
from rich.text import Text

from app.client.render import observed, parse_time

Json = dict[str, Any]

# Who reads a note of each visibility, in the README's words.
READERS = {
    "private": "the author only",
    "team": "the author's team",
    "company": "everyone",
}


def days_between(earlier: str, now: datetime) -> int:
    return max(0, (now - parse_time(earlier)).days)


def freshness(note: Json, now: datetime) -> Text:
    """Superseded, stale or fresh, then verified: the facts a reader weighs a note by."""
    line = Text()
    if note.get("superseded_by_id"):
        line.append(f"superseded by note {note['superseded_by_id']}", style="yellow")
    elif note.get("stale"):
        line.append("stale: past its shelf life or flagged for review", style="yellow")
    elif note.get("stale_after"):
        line.append(f"fresh until {note['stale_after'][:10]}")
    else:
        line.append("fresh")
    if note.get("verified_at"):
        line.append(
            f" · verified {observed(note['verified_at'], days_between(note['verified_at'], now))}"
        )
    return line


def _field(label: str, value: str | Text) -> Text:
    line = Text(f"{label:<12}", style="dim")
    line.append(value)
    return line


def render_note(note: Json, *, now: datetime) -> Group:
    """The heading, the facts about the note one per line, a rule, then the body as markdown
    (headings, lists and emphasis as a terminal can show them; HTML tags are dropped, never
    interpreted)."""
    heading = Text(f"note {note['id']}", style="bold")
    heading.append(f" · {note['account']['name']}")
    lines: list[RenderableType] = [heading]
    age = days_between(note["observed_at"], now)
    lines.append(_field("author", note["author"]["name"]))
    lines.append(_field("observed", observed(note["observed_at"], age)))
    contacts = ", ".join(c["name"] for c in note.get("contacts") or [])
    lines.append(_field("contacts", contacts or "none"))
    visibility = note["visibility"]
    lines.append(_field("visibility", f"{visibility} ({READERS.get(visibility, visibility)})"))
    lines.append(_field("freshness", freshness(note, now)))
    if note.get("sensitive"):
        lines.append(_field("sensitive", ", ".join(str(s) for s in note["sensitive"])))
    if note.get("topics"):
        lines.append(_field("topics", ", ".join(note["topics"])))
    source = note["source"] + (f" ({note['source_url']})" if note.get("source_url") else "")
    lines.append(_field("source", source))
    if note.get("external_id"):
        lines.append(_field("external id", note["external_id"]))
    lines.append(Rule(style="dim"))
    lines.append(Markdown(note["body"]))
    return Group(*lines)
