"""How the client shows what the server returns: search hits as a table (stacked when the
terminal is narrow), snippets with their matches highlighted, ages in words (by the web page's
rules, ``app.wording``). Pure functions of the API's JSON, so they are tested without a
server."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from app.wording import age_in_words

MARK_STYLE = "bold black on yellow"
_MARK = re.compile(r"(</?mark>)")


def snippet_text(snippet: str, *, style: str = MARK_STYLE) -> Text:
    """The server's snippet (HTML-escaped, matches in ``<mark>``) as rich text: the marks
    become highlighted spans and the entities their characters. The tags are split off before
    unescaping, so a note that itself says ``<mark>`` shows it literally."""
    text = Text()
    marked = False
    for part in _MARK.split(snippet):
        if part in ("<mark>", "</mark>"):
            marked = part == "<mark>"
        elif part:
            text.append(html.unescape(part), style=style if marked else "")
    return text


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def observed(value: str, age_days: int) -> str:
    return f"{value[:10]} ({age_in_words(age_days, short=True)})"


_BASIS = {
    "confirmed": "confirmed",
    "recorded": "recorded on the contact",
    "suggested": "suggested by notes, not confirmed",
    "notes": "counted from notes you may read",
}


def search_answer(answer: dict[str, Any]) -> Group:
    """The server's direct answer: the fact in bold, how it is known and how fresh, then each
    evidence note's id, author, date and sentence."""
    lines = [Text(answer["text"], style="bold")]
    how = _BASIS.get(answer["basis"], answer["basis"])
    if answer.get("as_of"):
        how += f" · as of {observed(answer['as_of'], answer['age_days'] or 0)}"
    lines.append(Text(how, style="dim"))
    for known in answer.get("colleagues", []):
        lines.append(Text(f"  {known['user']['name']}: {known['why']}"))
    for item in answer["evidence"]:
        line = Text(f"  #{item['note_id']} ", style="dim")
        line.append(
            f"{item['author']['name']}, {observed(item['observed_at'], item['age_days'])}: "
        )
        line.append(item["passage"])
        lines.append(line)
    return Group(*lines)


CLOSEST = 3  # the weak hits shown when nothing is a confident match


def shown_hits(response: dict[str, Any]) -> list[dict[str, Any]]:
    """The hits worth showing: the confident ones, or, with none, the closest few. For a
    list, grouped: each group's hits together, in the groups' order."""
    hits = response["hits"]
    shown = [h for h in hits if not h.get("weak")] or hits[:CLOSEST]
    order = {g["key"]: i for i, g in enumerate(response.get("groups") or [])}
    if order:
        shown = sorted(shown, key=lambda h: order.get(h.get("group") or "", len(order)))
    return shown


# Below this many columns the table leaves the snippet too narrow to read: each hit is then
# stacked, its facts on one line and the snippet wrapped under them at the full width.
WIDE_COLUMNS = 120


def _snippet(hit: dict[str, Any]) -> Text:
    text = snippet_text(hit["snippet"])
    similar = len(hit.get("similar") or [])
    if similar:
        text.append(f" (and {similar} similar note{'s' if similar != 1 else ''})", "dim")
    return text


def _ranks(response: dict[str, Any]) -> dict[int, int]:
    """Each hit's rank in the server's order (by object), whatever order it is shown in."""
    return {id(h): i for i, h in enumerate(response["hits"], start=1)}


def search_hits(response: dict[str, Any], *, width: int) -> RenderableType:
    """The hits as a table on a wide terminal, stacked on a narrow one."""
    return search_table(response) if width >= WIDE_COLUMNS else search_stacked(response)


def search_stacked(response: dict[str, Any]) -> Group:
    """Each hit as a line of facts (rank and note id first, so that a narrow terminal cuts the
    account or author name, never the id) and its snippet wrapped under it, indented."""
    rank = _ranks(response)
    rows: list[RenderableType] = []
    for hit in shown_hits(response):
        head = Text(no_wrap=True, overflow="ellipsis", style="dim" if hit.get("weak") else "")
        head.append(f"{rank[id(hit)]:>2}. ", style="bold")
        head.append(f"#{hit['note_id']}", style="bold cyan")
        facts = (
            hit["account"]["name"],
            hit["author"]["name"],
            observed(hit["observed_at"], hit["age_days"]),
            "weak" if hit.get("weak") else hit["matched"],
        )
        head.append("  " + " · ".join(facts))
        rows += [head, Padding(_snippet(hit), (0, 0, 1, 5))]
    return Group(*rows)


def search_table(response: dict[str, Any]) -> Table:
    grouped = bool(response.get("groups"))
    table = Table("#", "id", "account", "author", "observed", "match", "snippet", expand=True)
    table.columns[0].justify = "right"
    table.columns[1].justify = "right"
    for column in table.columns[1:6]:
        column.no_wrap = True
    table.columns[6].ratio = 1
    shown = shown_hits(response)
    rank = _ranks(response)
    for i, hit in enumerate(shown):
        next_group = shown[i + 1].get("group") if i + 1 < len(shown) else None
        first_of_group = i == 0 or shown[i - 1].get("group") != hit.get("group")
        table.add_row(
            str(rank[id(hit)]),
            str(hit["note_id"]),
            hit["account"]["name"] if not grouped or first_of_group else "",
            hit["author"]["name"],
            observed(hit["observed_at"], hit["age_days"]),
            "weak" if hit.get("weak") else hit["matched"],
            _snippet(hit),
            style="dim" if hit.get("weak") else None,
            end_section=grouped and next_group != hit.get("group"),
        )
    return table


def search_caption(response: dict[str, Any]) -> str:
    hits = response["hits"]
    scope = [a["name"] for a in response.get("understood", {}).get("accounts", [])]
    where = f"; at {', '.join(scope)}" if scope else ""
    took = f"in {response['took_ms']:.0f} ms"
    if response.get("weak"):
        return f"no confident match {took}{where}; the closest notes are shown"
    confident = sum(1 for h in hits if not h.get("weak"))
    groups = response.get("groups") or []
    words = f"{confident} note{'s' if confident != 1 else ''}"
    if groups:
        kind = "accounts" if groups[0]["per"] == "account" else "incidents"
        words += f" from {len(groups)} {kind if len(groups) != 1 else kind[:-1]}"
    weaker = len(hits) - confident
    more = f" ({weaker} weaker not shown)" if weaker else ""
    return f"{words} {took}{where}{more}"
