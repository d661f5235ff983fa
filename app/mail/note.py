"""What a note made from an e-mail says: the subject, the cleaned text, the attachments."""

from __future__ import annotations

from collections.abc import Sequence

from app.mail.parse import Attachment, bare_subject

_SHOWN_ATTACHMENTS = 20
_TRUNCATED = "[…] (the message goes on; this is as much as a note holds)"


def note_body(subject: str, text: str, attachments: Sequence[Attachment], *, max_chars: int) -> str:
    """Subject line, text, then "Attachments: ..."; the text is shortened (at a paragraph or
    line break, and marked) when the whole would not fit in ``max_chars``."""
    head = bare_subject(subject) or "(no subject)"
    tail = attachment_summary(attachments)
    room = max_chars - len(head) - len(tail) - 4
    return "\n\n".join(part for part in (head, shorten(text, room), tail) if part)[:max_chars]


def shorten(text: str, room: int) -> str:
    """``text`` if it fits in ``room`` characters, else cut at a paragraph or line break and
    marked as cut."""
    if len(text) <= room:
        return text
    limit = room - len(_TRUNCATED) - 2
    if limit <= 0:
        return ""
    cut = text.rfind("\n\n", 0, limit)
    if cut < limit // 2:
        cut = text.rfind("\n", 0, limit)
    if cut < limit // 2:
        cut = limit
    return f"{text[:cut].rstrip()}\n\n{_TRUNCATED}"


def attachment_summary(attachments: Sequence[Attachment]) -> str:
    """ "Attachments: deck.pdf (application/pdf, 25.0 MB), ..." or "" without any."""
    if not attachments:
        return ""
    items = [
        f"{a.filename[:100]} ({a.content_type}, {human_size(a.size)})"
        for a in attachments[:_SHOWN_ATTACHMENTS]
    ]
    more = len(attachments) - _SHOWN_ATTACHMENTS
    return "Attachments: " + ", ".join(items) + (f", and {more} more" if more > 0 else "")


def human_size(size: int) -> str:
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{size / 1000:.0f} KB"
    return f"{size / 1_000_000:.1f} MB"
