"""A meeting brief (``app.domain.meeting``) as the e-mail sent before the meeting: plain text
and HTML with the same content, links to the web page. The text part is also the Slack
direct message.

What colleagues wrote (quoted from notes the recipient may read, each with its author and a
link) is kept apart from what Tacit suggests (buying roles the notes suggest but nobody
confirmed, and gaps): a suggestion is never dressed up as a fact."""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from app.db.models import MeetingOccurrence, Note
from app.domain.brief import ROLE_NAMES, Brief, NoteItem
from app.domain.meeting import MeetingBrief
from app.taxonomy import SECTIONS
from app.wording import age_in_words

PER_SECTION = 3
ITEM_CHARS = 400
UPDATED = "Updated: "


@dataclass(frozen=True)
class Part:
    """A heading and its lines; a line is (text, link or None)."""

    heading: str
    lines: list[tuple[str, str | None]]


@dataclass(frozen=True)
class Rendered:
    subject: str
    intro: list[str]
    facts: list[Part]
    suggestions: list[Part]

    def text(self) -> str:
        out = [self.subject, "", *self.intro]
        for title, parts in (
            ("FROM THE NOTES YOU MAY READ (what colleagues wrote)", self.facts),
            (
                "SUGGESTED, NOT CONFIRMED (what Tacit infers; check before relying on it)",
                self.suggestions,
            ),
        ):
            if not parts:
                continue
            out += ["", title]
            for part in parts:
                out += ["", part.heading]
                out += [f"- {line}" + (f" <{url}>" if url else "") for line, url in part.lines]
        return "\n".join(out) + "\n"

    def html(self) -> str:
        out = [f"<h2>{html.escape(self.subject)}</h2>"]
        out += [f"<p>{html.escape(line)}</p>" for line in self.intro]
        for title, parts in (
            ("From the notes you may read", self.facts),
            ("Suggested, not confirmed", self.suggestions),
        ):
            if not parts:
                continue
            out.append(f"<h3>{html.escape(title)}</h3>")
            for part in parts:
                items = "".join(
                    f"<li>{html.escape(line)}"
                    + (f' (<a href="{html.escape(url)}">open</a>)' if url else "")
                    + "</li>"
                    for line, url in part.lines
                )
                out.append(f"<h4>{html.escape(part.heading)}</h4><ul>{items}</ul>")
        return "<!doctype html><html><body>" + "".join(out) + "</body></html>"


def render(
    result: MeetingBrief,
    occurrence: MeetingOccurrence,
    *,
    update: bool,
    base_url: str,
    now: datetime,
) -> Rendered:
    title = occurrence.summary or "Meeting"
    when = f"{occurrence.starts_at:%a %d %b %Y, %H:%M} to {occurrence.ends_at:%H:%M} UTC"
    subject = f"{UPDATED if update else ''}Brief: {title}, {when}"
    intro = [f"When: {when}"]
    if update:
        intro.append("The meeting changed (time or attendees) since the last brief.")
    brief = result.brief
    if brief is not None:
        intro.append(f"Account: {brief.account.name} ({base_url}/accounts/{brief.account.id})")
    elif result.account_problem:
        intro.append(f"No account brief: {result.account_problem}")
    people = []
    for attendee in result.attendees:
        who = attendee.attendee.name or attendee.attendee.email or "?"
        if attendee.colleague:
            who += " (colleague)"
        elif attendee.contact is not None and attendee.contact.title:
            who += f", {attendee.contact.title}"
        people.append(who)
    intro.append("Who: " + "; ".join(people))

    facts: list[Part] = []
    for attendee in result.attendees:
        items = [*attendee.personal, *attendee.notes]
        if items:
            name = attendee.attendee.name or attendee.attendee.email or "?"
            facts.append(Part(name, [_item(i, base_url, now) for i in items]))
    if brief is not None:
        known, suggested = account_parts(brief, base_url, now)
        facts += known
    else:
        suggested = []
    return Rendered(subject, intro, facts, suggested)


def account_parts(brief: Brief, base_url: str, now: datetime) -> tuple[list[Part], list[Part]]:
    """An account brief's facts (confirmed buying roles, the best notes per section) and its
    suggestions (buying roles nobody confirmed, gaps), kept apart."""
    facts: list[Part] = []
    confirmed = [i for i in brief.buying_influences if i.confirmed]
    if confirmed:
        facts.append(
            Part(
                "Buying roles, confirmed",
                [(f"{i.contact.name}: {ROLE_NAMES[i.role]}", None) for i in confirmed],
            )
        )
    for section in SECTIONS:
        items = brief.topics.get(section.name, [])[:PER_SECTION]
        if items:
            facts.append(Part(section.title, [_item(i, base_url, now) for i in items]))
    suggestions: list[Part] = []
    suggested = [i for i in brief.buying_influences if not i.confirmed]
    if suggested:
        suggestions.append(
            Part(
                "Buying roles the notes suggest",
                [
                    (f"{i.contact.name}: {ROLE_NAMES[i.role]}? ({len(i.evidence)} notes)", None)
                    for i in suggested
                ],
            )
        )
    if brief.gaps:
        suggestions.append(Part("Gaps", [(g.message, None) for g in brief.gaps]))
    return facts, suggestions


def _item(item: NoteItem, base_url: str, now: datetime) -> tuple[str, str]:
    return note_line(item.note, base_url, now, text=item.text, stale=item.stale or item.superseded)


def note_line(
    note: Note, base_url: str, now: datetime, *, text: str | None = None, stale: bool = False
) -> tuple[str, str]:
    """A quoted note (``text``: the passage to quote, else its body), its author, age and
    link."""
    text = " ".join((text if text is not None else note.body).split())
    if len(text) > ITEM_CHARS:
        text = text[: ITEM_CHARS - 1].rstrip() + "…"
    age = age_in_words(max(0, (now - note.observed_at).days))
    flags = " (may be out of date)" if stale else ""
    return f"“{text}”, {note.author.name}, {age}{flags}", f"{base_url}/notes/{note.id}"


def message(
    rendered: Rendered, *, sender: str, recipient: str, delivery_id: int, kind: str = "brief"
) -> EmailMessage:
    """The e-mail: text and HTML alternatives. Its Message-ID is the delivery's, the same on
    every retry, so that a repeat after a crash can be recognised."""
    mail = EmailMessage()
    mail["Subject"] = rendered.subject
    mail["From"] = sender
    mail["To"] = recipient
    mail["Message-ID"] = f"<{kind}-{delivery_id}@tacit>"
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content(rendered.text())
    mail.add_alternative(rendered.html(), subtype="html")
    return mail
