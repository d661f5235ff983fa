"""An e-mail's text cut down to what its sender knows.

Quoted replies go (``>`` blocks under "On ... wrote:", Outlook's "-----Original Message-----" and
"From: / Sent:" blocks: older mail in the thread), and so do signatures and legal footers. A
forwarded message is the opposite of a quote: it is usually the very knowledge being captured,
so its text is kept, and its From/To/Cc lines are returned, because they name the customer's
people that the forwarding message itself (sent to a colleague or to Tacit) does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

# Beyond this the note is truncated anyway; a bound keeps pathological input fast.
MAX_TEXT_CHARS = 1_000_000

_FORWARD_MARKER = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transf[ée]r[ée]"
    r"|mensaje reenviado|messaggio inoltrato)\s*-*"
    r"|begin forwarded message\s*:"
    r"|-{2,}\s*forwarded by .{1,200}-{2,}"
    r")\s*$",
    re.IGNORECASE,
)
# Marker lines ("---------- Forwarded message ----------") are short. Longer lines are not
# matched at all: the patterns' runs of optional spaces and dashes backtrack quadratically on a
# long line that starts like a marker.
_MARKER_MAX_CHARS = 300
_ORIGINAL_MESSAGE = re.compile(
    r"^\s*-{2,}\s*(?:original message|urspr[üu]ngliche nachricht|message d'origine"
    r"|mensaje original|messaggio originale)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION = re.compile(
    r"^\s*(?:on\b.{0,300}\bwrote|am\b.{0,300}\bschrieb.{0,100}|le\b.{0,300}\ba [ée]crit"
    r"|el\b.{0,300}\bescribi[óo]|il\b.{0,300}\bha scritto)\s*:\s*$",
    re.IGNORECASE,
)
_ATTRIBUTION_START = re.compile(r"^\s*(?:on|am|le|el|il)\s", re.IGNORECASE)
_QUOTED = re.compile(r"^\s*>")
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
# The value is stripped in code: a lazy "(.*?)\s*$" retries the trailing spaces from every
# character of a long line.
_HEADER_LINE = re.compile(r"^\s*\*?([^\W\d_][\w -]{0,20}?)\s*:\*?(.*)$")
_HEADER_NAMES = {
    "from": "From",
    "von": "From",
    "de": "From",
    "da": "From",
    "sent": "Date",
    "date": "Date",
    "datum": "Date",
    "gesendet": "Date",
    "envoyé": "Date",
    "enviado": "Date",
    "inviato": "Date",
    "fecha": "Date",
    "data": "Date",
    "to": "To",
    "an": "To",
    "à": "To",
    "a": "To",
    "para": "To",
    "cc": "Cc",
    "kopie": "Cc",
    "subject": "Subject",
    "betreff": "Subject",
    "objet": "Subject",
    "asunto": "Subject",
    "oggetto": "Subject",
    "reply-to": "Reply-To",
}
_SHOWN_HEADERS = ("From", "Date", "Subject", "To", "Cc")

_SIGNATURE_DELIMITER = re.compile(r"^--\s*$")
_DEVICE_LINE = re.compile(
    r"^\s*(?:sent from my \w.{0,40}|sent from (?:outlook|mail|yahoo mail|gmail)\b.{0,40}"
    r"|get outlook for \w.{0,20}|envoy[ée] de mon \w.{0,30}|von meinem \w.{0,30}gesendet"
    r"|enviado desde mi \w.{0,30})$",
    re.IGNORECASE,
)
_SIGN_OFF = re.compile(
    r"^\s*(?:thanks|thank you|many thanks|thanks again|thanks so much|thx|ty|cheers|best"
    r"|best regards|kind regards|warm regards|warmest regards|regards|warmly|sincerely"
    r"|yours|yours truly|yours sincerely|all the best|best wishes|talk soon|speak soon|br|rgds"
    r"|mit freundlichen gr[üu](?:ß|ss)en|(?:viele |beste )?gr[üu](?:ß|ss)e"
    r"|cordialement|bien [àa] vous|saludos|un saludo|cordiali saluti)[\s,.!-]*$",
    re.IGNORECASE,
)
_NAME_BLOCK_LINES = 6
_NAME_BLOCK_WIDTH = 80
_NOISE_LINE = re.compile(
    r"\bunsubscribe\b|\bmanage (?:your )?(?:e-?mail |subscription |notification )?preferences\b"
    r"|\byou (?:are receiving|received) this (?:e-?mail|message)\b"
    r"|\bview (?:this (?:e-?mail|message) )?in (?:your |a )?browser\b"
    r"|\bplease consider the environment before printing\b",
    re.IGNORECASE,
)
_LEGAL = re.compile(
    r"intended recipient|received this (?:e-?mail|message|communication|transmission)"
    r" in error|confidentiality notice|privileged (?:and|&) confidential"
    r"|(?:e-?mail|message|communication)(?: and any (?:attachments?|files?))?"
    r"[^.]{0,60}\b(?:is|are) (?:strictly )?(?:confidential|privileged)"
    r"|^\W*(?:disclaimer|legal notice|confidential(?:ity)?)\s*:",
    re.IGNORECASE,
)
_BANNER = re.compile(
    r"^\W*(?:caution|warning|external(?: e-?mail| sender)?|attention)\W.{0,200}"
    r"\b(?:outside|external)\b",
    re.IGNORECASE,
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_RUN = re.compile(r"\n{3,}")


@dataclass
class Section:
    """A run of the message's own text, or a forwarded message (with its header lines)."""

    headers: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    is_forward: bool = False


@dataclass(frozen=True)
class CleanText:
    text: str
    forwarded_headers: list[tuple[str, str]]  # (From/To/Cc/Reply-To, value) of forwarded mail


def normalize(text: str) -> str:
    """One kind of line break, no invisible or control characters (PostgreSQL refuses NUL)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = _INVISIBLE.sub("", text)
    return _CONTROL.sub("", text)


def clean_text(text: str, *, forwarded: bool = False) -> CleanText:
    """The knowledge in a message body. ``forwarded`` (from a "Fwd:"/"FW:" subject) lets the
    first Outlook-style header block count as the forwarded original rather than a quote."""
    lines = _unquote_forwards(normalize(text[:MAX_TEXT_CHARS]).split("\n"))
    sections = _sections(lines, outlook_forward=forwarded)
    rendered = [_render(section) for section in sections]
    headers = [
        (name, value)
        for section in sections
        for name, value in section.headers
        if name in ("From", "To", "Cc", "Reply-To")
    ]
    return CleanText("\n\n".join(part for part in rendered if part), headers)


def render_forwarded(headers: list[tuple[str, str]], body: str) -> str:
    """A forwarded message as the note shows it: a marker, its headers, its cleaned text."""
    return _render(Section(headers=headers, lines=body.split("\n"), is_forward=True))


def _unquote_forwards(lines: list[str]) -> list[str]:
    """Apple Mail (and HTML blockquotes) quote a forwarded message with ``>``: that quoted block
    is the forward itself, so take one level of quoting off it."""
    out = list(lines)
    i = 0
    while i < len(out):
        if _QUOTED.match(out[i]) and _is_marker(_FORWARD_MARKER, _unquote(out[i])):
            j = i
            while j < len(out) and (_QUOTED.match(out[j]) or not out[j].strip()):
                out[j] = _unquote(out[j])
                j += 1
            i = j
        else:
            i += 1
    return out


def _unquote(line: str) -> str:
    return re.sub(r"^\s*> ?", "", line, count=1)


def _sections(lines: list[str], *, outlook_forward: bool) -> list[Section]:
    sections = [Section()]
    i = 0
    while i < len(lines):
        line = lines[i]
        first_forward = outlook_forward and len(sections) == 1
        forward = _is_marker(_FORWARD_MARKER, line)
        if forward or (first_forward and _is_marker(_ORIGINAL_MESSAGE, line)):
            headers, i = _header_block(lines, i + 1)
            sections.append(Section(headers=headers, is_forward=True))
            continue
        outlook = _outlook_block_at(lines, i)
        if outlook is not None and first_forward:
            headers, i = _header_block(lines, outlook)
            sections.append(Section(headers=headers, is_forward=True))
            continue
        if outlook is not None or _is_marker(_ORIGINAL_MESSAGE, line):
            break  # older mail in the thread, not quoted with ">": the rest is history
        attribution = _attribution_at(lines, i)
        if attribution is not None:
            # Indexes, not a slice: copying the rest of the message per attribution line
            # would be quadratic.
            following = next(
                (lines[k] for k in range(attribution, len(lines)) if lines[k].strip()), ""
            )
            if not _QUOTED.match(following):
                break
            i = attribution  # the quoted lines that follow are skipped one by one
            continue
        if not _QUOTED.match(line):
            sections[-1].lines.append(line)
        i += 1
    return sections


def _is_marker(pattern: re.Pattern[str], line: str) -> bool:
    return len(line) <= _MARKER_MAX_CHARS and pattern.match(line) is not None


def _attribution_at(lines: list[str], i: int) -> int | None:
    """The index after an "On <date>, <person> wrote:" line (wrapped over up to 3 lines)."""
    if not _ATTRIBUTION_START.match(lines[i]):
        return None
    joined = ""
    for j in range(i, min(i + 3, len(lines))):
        joined = f"{joined} {lines[j].strip()}".strip()
        if _ATTRIBUTION.match(joined):
            return j + 1
        if not lines[j].strip():
            return None
    return None


def _outlook_block_at(lines: list[str], i: int) -> int | None:
    """Where an Outlook header block ("From: ... Sent: ... To: ... Subject: ...") starts, if
    one starts at line ``i`` (optionally under a line of underscores)."""
    start = i + 1 if _UNDERSCORES.match(lines[i]) else i
    while start < len(lines) and start > i and not lines[start].strip():
        start += 1
    if start >= len(lines):
        return None
    first = _HEADER_LINE.match(lines[start])
    if not first or _HEADER_NAMES.get(first[1].casefold()) != "From":
        return None
    for line in lines[start + 1 : start + 5]:
        match = _HEADER_LINE.match(line)
        if match and _HEADER_NAMES.get(match[1].casefold()) == "Date":
            return start
    return None


def _header_block(lines: list[str], start: int) -> tuple[list[tuple[str, str]], int]:
    """The header lines of a forwarded message (From:, Date:, To: ...) and where its body
    starts."""
    j = start
    while j < len(lines) and j < start + 2 and not lines[j].strip():
        j += 1
    # Each header's value as its lines, joined at the end: appending to a growing string per
    # continuation line is quadratic.
    headers: list[tuple[str, list[str]]] = []
    while j < len(lines):
        match = _HEADER_LINE.match(lines[j])
        name = _HEADER_NAMES.get(match[1].casefold()) if match else None
        if match and name:
            headers.append((name, [match[2].strip()]))
        elif headers and lines[j].strip() and (lines[j][0].isspace() or "@" in lines[j]):
            headers[-1][1].append(lines[j].strip())
        else:
            break
        j += 1
    return [(name, " ".join(parts)) for name, parts in headers], j


def _render(section: Section) -> str:
    body = "\n".join(_clean_lines(section.lines)).strip("\n")
    if not section.is_forward:
        return body
    shown = [f"{name}: {value}" for name, value in section.headers if name in _SHOWN_HEADERS]
    head = "\n".join(["---------- Forwarded message ----------", *shown])
    return f"{head}\n\n{body}" if body else head


def _clean_lines(lines: list[str]) -> list[str]:
    kept = [
        line.rstrip()
        for line in lines
        if not _DEVICE_LINE.match(line) and not _NOISE_LINE.search(line)
    ]
    kept = _drop_legal(kept)
    kept = _drop_signature(kept)
    text = _BLANK_RUN.sub("\n\n", "\n".join(kept)).strip("\n")
    return text.split("\n") if text else []


def _paragraphs(lines: list[str]) -> list[tuple[int, int]]:
    spans, start = [], None
    for i, line in enumerate([*lines, ""]):
        if line.strip() and start is None:
            start = i
        elif not line.strip() and start is not None:
            spans.append((start, i))
            start = None
    return spans


def _drop_legal(lines: list[str]) -> list[str]:
    """Drop external-sender banners, and a legal footer with everything after it."""
    spans = _paragraphs(lines)
    dropped: set[int] = set()
    for index, (start, end) in enumerate(spans):
        paragraph = " ".join(line.strip() for line in lines[start:end])
        if _BANNER.match(paragraph) and index == 0:
            dropped.update(range(start, end))
        elif _LEGAL.search(paragraph):
            if index == 0:  # a notice at the top: drop it, keep what follows
                dropped.update(range(start, end))
            else:  # footers run on ("Any views expressed are the author's...")
                return [line for i, line in enumerate(lines[:start]) if i not in dropped]
    return [line for i, line in enumerate(lines) if i not in dropped]


def _drop_signature(lines: list[str]) -> list[str]:
    """Cut at the "-- " delimiter, or at a sign-off ("Best," "Thanks!") followed only by a
    short name block (name, title, company, phone)."""
    for i, line in enumerate(lines):
        if _SIGNATURE_DELIMITER.match(line):
            return lines[:i]
    filled = [i for i, line in enumerate(lines) if line.strip()]
    # Only a sign-off among the last few filled lines can have a short enough name block after
    # it, so only those are tried: trying every line (slicing the rest each time) was
    # quadratic. Not the first line: "Thanks! Meg confirmed the budget." is a message.
    first = max(1, len(filled) - _NAME_BLOCK_LINES - 1)
    for position in range(first, len(filled)):
        i, tail = filled[position], filled[position + 1 :]
        if (
            len(tail) <= _NAME_BLOCK_LINES
            and _SIGN_OFF.match(lines[i])
            and all(len(lines[j].strip()) <= _NAME_BLOCK_WIDTH for j in tail)
            and (not tail or _looks_like_a_name(lines[tail[0]]))
        ):
            return lines[:i]
    return lines


def _looks_like_a_name(line: str) -> bool:
    """ "Priya", "Priya Raman", "P. Raman", "-Meg": short, and not a sentence."""
    words = line.strip().lstrip("-\u2013\u2014 ").split()
    return 0 < len(words) <= 4 and not re.search(r"\w{2}[.?!:;,]$", line.strip())
