"""What Tacit says in Slack, as Block Kit built with slack-sdk's models. Every answer is
ephemeral: only the person who asked sees it.

Whatever people wrote (notes, names, the question) is escaped for Slack's mrkdwn (``&``, ``<``,
``>``), so that a note can neither ping a channel (``<!channel>``) nor dress up a link."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from app.db.models import Note, Visibility
from app.domain.brief import Brief, NoteItem
from app.domain.retrieval import SearchResult
from app.domain.sensitivity import LABELS
from app.domain.slack import Saved
from app.taxonomy import SECTIONS
from app.wording import age_in_words

ITEM_CHARS = 280  # a brief's quoted passage, cut to fit a glance
PER_SECTION = 2
MAX_GAPS = 5
MAX_CHANGES = 3
AUDIENCE = {
    Visibility.private: "only the author",
    Visibility.team: "the author's team",
    Visibility.company: "everyone",
}
_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


@dataclass(frozen=True)
class Links:
    """Addresses of the web page's notes and accounts, from its public base URL."""

    base: str

    def note(self, note_id: int) -> str:
        return f"{self.base}/notes/{note_id}"

    def account(self, account_id: int) -> str:
        return f"{self.base}/accounts/{account_id}"

    def slack_link(self, token: str) -> str:
        return f"{self.base}/slack/link?token={token}"


def links_for(public_url: str | None, request_base: str) -> Links:
    """Links on ``TACIT_PUBLIC_URL``, else on the address Slack's request came to."""
    return Links((public_url or request_base).rstrip("/"))


@dataclass(frozen=True)
class Answer:
    """An ephemeral message: ``text`` is what notifications and screen readers get."""

    text: str
    blocks: Sequence[Block] = field(default_factory=tuple)

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"response_type": "ephemeral", "text": self.text}
        if self.blocks:
            body["blocks"] = [block.to_dict() for block in self.blocks]
        return body


def escape(text: str) -> str:
    """Text as mrkdwn shows it literally."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    return f"<{url}|{escape(label).replace('|', '¦')}>"


def cut(text: str, limit: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def _said(text: str) -> Answer:
    return Answer(text, [SectionBlock(text=MarkdownTextObject(text=escape(text)))])


# --- plain answers ------------------------------------------------------------------------------

HELP = (
    "Ask Tacit what colleagues know, from the notes you may read:\n"
    "• `/tacit who signs off on renewals at Harbor?`: the notes that answer it\n"
    "• `/tacit brief Harbor Freightways`: what to know before you talk to an account\n"
    "• `/tacit link`: link your Slack account to Tacit (once)\n"
    "Save a message as a note with its *Save to Tacit* shortcut (the message's ⋮ menu)."
)


def help_text() -> Answer:
    return Answer(HELP, [SectionBlock(text=MarkdownTextObject(text=HELP))])


def unlinked() -> Answer:
    return _said(
        "Your Slack account is not linked to Tacit yet, so Tacit cannot tell what you may "
        "read. Type /tacit link and open the link it gives you, signed in to Tacit (or ask a "
        "Tacit admin to set your Slack user id)."
    )


def looking(question: str) -> Answer:
    return _said(f"Looking for “{cut(question, 200)}”…")


def problem(detail: str) -> Answer:
    return _said(detail[:1].upper() + detail[1:])


def failed() -> Answer:
    return _said("Sorry, Tacit could not answer that just now; try again in a minute.")


def link_offer(url: str, *, minutes: int) -> Answer:
    text = (
        f"Open this link within {minutes} minutes, signed in to Tacit, to link your Slack "
        "account. It works once. Do not share it: whoever confirms it links their Tacit "
        "account to you."
    )
    return Answer(
        text, [SectionBlock(text=MarkdownTextObject(text=f"{escape(text)}\n{link(url, url)}"))]
    )


def already_linked(name: str) -> Answer:
    return _said(
        f"Your Slack account is linked to Tacit as {name}. To link another account, ask a "
        "Tacit admin to unlink this one first."
    )


# --- search -----------------------------------------------------------------------------------


def snippet(marked: str) -> str:
    """A search snippet (HTML-escaped, matches in ``<mark>``) as mrkdwn, matches in bold."""
    parts = _MARK.split(marked)  # even indexes: plain text, odd ones: a match
    return "".join(
        f"*{escape(html.unescape(part))}*" if i % 2 else escape(html.unescape(part))
        for i, part in enumerate(parts)
        if part
    )


def _about(note: Note, now: datetime) -> str:
    facts = [escape(note.author.name), age_in_words((now - note.observed_at).days)]
    facts.append(f"readable by {AUDIENCE[note.visibility]}")
    if note.sensitive:
        facts.append("⚠ states " + ", ".join(LABELS[c] for c in note.sensitive))
    if note.superseded_by_id is not None:
        facts.append("superseded by a newer note")
    elif note.stale:
        facts.append("may be out of date")
    return " · ".join(facts)


CLOSEST = 3  # the weak hits shown when nothing is a confident match


def search_answer(question: str, result: SearchResult, links: Links, *, now: datetime) -> Answer:
    asked = escape(cut(question, 200))
    if not result.hits:
        return _said(f"No notes you can read answer “{cut(question, 200)}”.")
    confident = [hit for hit in result.hits if not hit.weak]
    heading = f"Notes you can read on “{asked}”:"
    if not confident:  # only the closest few, said to be such (app.domain.results)
        heading = f"No confident match for “{asked}”. The closest notes you can read:"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=heading))]
    # Confident hits first, then the weaker ones said to be such; with none, the closest few.
    shown = confident + [h for h in result.hits if h.weak] if confident else result.hits[:CLOSEST]
    for hit in shown:
        note = hit.note
        title = link(links.note(note.id), f"{note.account.name}, note #{note.id}")
        about = ("weaker match · " if hit.weak and confident else "") + _about(note, now)
        blocks += [
            SectionBlock(text=MarkdownTextObject(text=f"*{title}*\n{snippet(hit.snippet)}")),
            ContextBlock(elements=[MarkdownTextObject(text=about)]),
        ]
    return Answer(f"{len(shown)} notes on “{cut(question, 200)}”", blocks)


# --- brief ------------------------------------------------------------------------------------


def _item(item: NoteItem, links: Links, now: datetime) -> str:
    note = item.note
    source = f"{note.author.name}, {age_in_words((now - note.observed_at).days)}"
    return f"• {escape(cut(item.text, ITEM_CHARS))} ({link(links.note(note.id), source)})"


def brief_answer(brief: Brief, links: Links) -> Answer:
    now, account = brief.generated_at, brief.account
    page = link(links.account(account.id), "Open the account page")
    blocks: list[Block] = [
        HeaderBlock(text=cut(f"Brief: {account.name}", 150)),
        SectionBlock(
            text=MarkdownTextObject(text=f"{page} · {brief.notes} notes you can read about it")
        ),
    ]
    if brief.gaps:
        gaps = "\n".join(f"• {escape(g.message)}" for g in brief.gaps[:MAX_GAPS])
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Gaps*\n{gaps}")))
    for section in SECTIONS:
        items = brief.topics.get(section.name, [])[:PER_SECTION]
        if items:
            lines = "\n".join(_item(i, links, now) for i in items)
            blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*{section.title}*\n{lines}")))
    if brief.changes:
        lines = "\n".join(_item(i, links, now) for i in brief.changes[:MAX_CHANGES])
        blocks.append(SectionBlock(text=MarkdownTextObject(text=f"*Recently learned*\n{lines}")))
    if brief.experts:
        ask = ", ".join(f"{escape(e.user.name)} ({e.notes} notes)" for e in brief.experts)
        blocks += [DividerBlock(), ContextBlock(elements=[MarkdownTextObject(text=f"Ask: {ask}")])]
    return Answer(f"Brief: {account.name} ({brief.notes} notes you can read)", blocks)


# --- a saved message --------------------------------------------------------------------------


def saved(result: Saved, links: Links) -> Answer:
    note = result.note
    if note is None:
        return _said("You saved this message to Tacit before; that note has since been deleted.")
    where = link(links.note(note.id), f"note #{note.id}")
    if not result.new:
        return _said_mrkdwn(f"You saved this message to Tacit before, as {where}.")
    lines = [
        f"Saved to Tacit as {where} on *{escape(note.account.name)}*, readable by "
        f"{AUDIENCE[note.visibility]}."
    ]
    if note.sensitive and note.visibility == Visibility.private:
        named = ", ".join(LABELS[c] for c in note.sensitive)
        lines.append(f"It states a sensitive fact about a person ({named}): only you can read it.")
    lines += [f"⚠ {escape(w.message)}" for w in result.warnings]
    return _said_mrkdwn("\n".join(lines))


def _said_mrkdwn(text: str) -> Answer:
    plain = re.sub(r"<[^|>]+\|([^>]*)>", r"\1", text).replace("*", "")
    return Answer(html.unescape(plain), [SectionBlock(text=MarkdownTextObject(text=text))])
