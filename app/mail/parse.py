"""A raw RFC 822 message read into what a note needs: the sender, the participants, the date,
the subject, the cleaned text and a list of the attachments (named, typed and sized, never kept).

Real mail is messy, so nothing here trusts its input: headers may be RFC 2047 encoded, raw
8-bit or malformed; bodies come in any charset, declared or not, correctly or not; HTML may be
the only body; attachments may be tens of megabytes (sized from their encoded length, not
decoded). The only message refused is one without a sender address.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses
from typing import Any

from app.errors import Invalid
from app.mail.clean import clean_text, normalize, render_forwarded
from app.mail.html import html_to_text
from app.schemas.common import to_utc

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z0-9-]{2,}$")
# The lookbehind starts a match only at the start of a run of address characters: without it,
# findall retries from every character of a long run without an "@" (quadratic).
_EMAIL_IN_TEXT = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.I)
_MESSAGE_ID = re.compile(r"<[^<>\s]{1,250}>")
_FORWARD_SUBJECT = re.compile(
    r"^\s*(?:(?:re|aw|sv|vs|antw)\s*:\s*)*(?:fwd?|fw|wg|tr|rv|enc|i)\s*:", re.IGNORECASE
)
_REPLY_PREFIXES = re.compile(
    r"^\s*(?:(?:re|fwd?|fw|aw|wg|tr|rv|sv|vs|antw|enc)\s*(?:\[\d+\])?\s*:\s*)+", re.IGNORECASE
)
# What browsers do (WHATWG Encoding): "iso-8859-1" mail is nearly always Windows-1252 (curly
# quotes in 0x80-0x9f), and a few legacy names have wider successors.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "iso_8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "ks_c_5601-1987": "cp949",
    "euc-kr": "cp949",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "x-sjis": "cp932",
    "windows-31j": "cp932",
    "tis-620": "cp874",
}
_UTF8_FIRST = frozenset({"", "utf-8", "utf8", "us-ascii", "ascii", "unknown-8bit", "x-unknown"})
_MAX_DEPTH = 3  # messages attached to messages attached to messages
_MAX_PARTICIPANTS = 100
_MAX_ATTACHMENTS = 200  # a list, not an archive: a note shows the first 20
_RAW_8BIT = re.compile("[\udc80-\udcff]")
_SURROGATES = re.compile("[\ud800-\udfff]")
_LINE_BREAKS = re.compile(r"\r?\n|\r")


@dataclass(frozen=True)
class Address:
    name: str
    email: str  # lower-cased


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True, kw_only=True)
class ParsedMail:
    message_id: str
    sender: Address
    to: tuple[Address, ...] = ()
    cc: tuple[Address, ...] = ()
    reply_to: tuple[Address, ...] = ()
    forwarded: tuple[Address, ...] = ()  # From/To/Cc of the forwarded originals
    subject: str = ""
    sent_at: datetime | None = None
    text: str = ""
    attachments: tuple[Attachment, ...] = ()

    @property
    def participants(self) -> list[Address]:
        """Everyone on the message but the sender, first mention first, each address once."""
        seen = {self.sender.email}
        people = []
        for address in (*self.to, *self.cc, *self.reply_to, *self.forwarded):
            if address.email not in seen:
                seen.add(address.email)
                people.append(address)
        return people[:_MAX_PARTICIPANTS]


@dataclass
class _Content:
    sections: list[str] = field(default_factory=list)
    forwarded: list[Address] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


def parse_mail(raw: bytes) -> ParsedMail:
    """Read a raw message; ``Invalid`` only if it has no usable sender address."""
    msg = BytesParser(policy=policy.default).parsebytes(raw)
    senders = _addresses(msg, "From") or _addresses(msg, "Sender")
    if not senders:
        raise Invalid("the message has no sender: its From header holds no e-mail address")
    subject = _header(msg, "Subject")
    content = _content(msg, subject, depth=0)
    return ParsedMail(
        message_id=_message_id(msg, raw),
        sender=senders[0],
        to=tuple(_addresses(msg, "To")),
        cc=tuple(_addresses(msg, "Cc")),
        reply_to=tuple(_addresses(msg, "Reply-To")),
        forwarded=tuple(content.forwarded),
        subject=subject,
        sent_at=_date(msg),
        text="\n\n".join(s for s in content.sections if s),
        attachments=tuple(content.attachments[:_MAX_ATTACHMENTS]),
    )


def is_forward_subject(subject: str) -> bool:
    return bool(_FORWARD_SUBJECT.match(subject))


def bare_subject(subject: str) -> str:
    """ "Re: Fwd: Renewal" → "Renewal"."""
    return _REPLY_PREFIXES.sub("", subject).strip()


# --- headers ------------------------------------------------------------------------------


def _header(msg: EmailMessage, name: str) -> str:
    """A header's decoded text ("" if absent), whatever state it is in."""
    values = _header_values(msg, name)
    return values[0] if values else ""


def _header_values(msg: EmailMessage, name: str) -> list[str]:
    values = []
    for key, raw in msg.raw_items():
        if key.lower() != name.lower():
            continue
        text = str(raw) if hasattr(raw, "name") else _LINE_BREAKS.sub("", str(raw))
        if _RAW_8BIT.search(text):
            # Undeclared 8-bit bytes: the header parser would read them as UTF-8 and replace
            # the rest (Latin-1 names); decode them here instead.
            text = _unescape_bytes(text)
        else:
            # The header parser has raised on some malformed input: then keep it raw.
            with contextlib.suppress(Exception):
                text = str(msg.policy.header_factory(key, text))  # type: ignore[attr-defined]
        values.append(" ".join(normalize(text).split()))
    return values


def _unescape_bytes(value: str) -> str:
    """Raw 8-bit bytes (surrogate escapes) as UTF-8, or as Windows-1252 when not UTF-8: text
    that any database can store."""
    if not _SURROGATES.search(value):
        return value
    try:
        raw = value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # surrogates that are not escaped bytes
        return value.encode("utf-8", "replace").decode("utf-8")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("cp1252", "replace")


def _addresses(msg: EmailMessage, name: str) -> list[Address]:
    return parse_addresses(" , ".join(_header_values(msg, name)))


def parse_addresses(value: str) -> list[Address]:
    """The e-mail addresses in a header value or a forwarded "To:" line, with their names;
    "Meg Ortiz [mailto:meg@harbor.example]" (older Outlook) included."""
    found: list[Address] = []
    for name, email in getaddresses([value]):
        email = email.strip().lower()
        if _EMAIL.match(email):
            found.append(Address(" ".join(normalize(name).split()), email))
    if not found:
        found = [Address("", m.lower()) for m in _EMAIL_IN_TEXT.findall(value)]
    unique: dict[str, Address] = {}
    for address in found:
        unique.setdefault(address.email, address)
    return list(unique.values())


def _message_id(msg: EmailMessage, raw: bytes) -> str:
    value = _header(msg, "Message-ID")
    if match := _MESSAGE_ID.search(value):
        return match[0]
    if value and " " not in value and len(value) <= 250:
        return f"<{value.strip('<>')}>"
    return derived_message_id(msg, raw)


def derived_message_id(msg: EmailMessage, raw: bytes) -> str:
    """For a message without a Message-ID: a hash of who, when, what and the body, which stays
    the same when a relay adds its own Received: or X- headers to a re-delivery."""
    digest = hashlib.sha256()
    for name in ("From", "To", "Cc", "Date", "Subject"):
        digest.update(_header(msg, name).encode() + b"\n")
    separator = re.search(rb"\r?\n\r?\n", raw)
    body = raw[separator.end() :] if separator else b""
    digest.update(body.replace(b"\r\n", b"\n"))
    return f"<{digest.hexdigest()}@derived.tacit>"


def _date(msg: EmailMessage) -> datetime | None:
    try:
        header: Any = msg.get("Date")
        value = header.datetime if header is not None else None
    except Exception:  # an unparseable date is no date: the note takes the time received
        return None
    if not isinstance(value, datetime):
        return None
    try:
        return to_utc(value)
    except ValueError:  # "1 Jan 0001 00:00 +0100" and the like: no date either
        return None


# --- body and parts -----------------------------------------------------------------------


def _content(msg: EmailMessage, subject: str, *, depth: int) -> _Content:
    content = _Content()
    plain, html = _body(msg, "plain"), _body(msg, "html")
    text = decode_text(plain) if plain is not None else ""
    if not text.strip() and html is not None:
        text = html_to_text(decode_text(html))
    elif plain is not None and _param(plain, "format") == "flowed":
        text = unflow(text, delsp=_param(plain, "delsp") == "yes")
    cleaned = clean_text(text, forwarded=is_forward_subject(subject))
    content.sections.append(cleaned.text)
    for _, value in cleaned.forwarded_headers:
        content.forwarded.extend(parse_addresses(value))
    for part, in_related in _leaves(msg, in_related=False):
        if part is plain or part is html:
            continue
        if part.get_content_type() == "message/rfc822":
            _attached_message(part, content, depth=depth)
        elif (attachment := _attachment(part, in_related=in_related)) is not None:
            content.attachments.append(attachment)
    return content


def _param(part: EmailMessage, name: str) -> str:
    value = part.get_param(name)
    return value.strip().lower() if isinstance(value, str) else ""


def _body(msg: EmailMessage, kind: str) -> EmailMessage | None:
    try:
        part = msg.get_body(preferencelist=(kind,))
    except Exception:  # a broken multipart structure has no body we can trust
        return None
    return part if isinstance(part, EmailMessage) else None


def _leaves(part: EmailMessage, *, in_related: bool) -> Iterator[tuple[EmailMessage, bool]]:
    """Every non-multipart part, and attached messages as one part (not descended into)."""
    if part.get_content_maintype() == "multipart":
        related = in_related or part.get_content_subtype() == "related"
        payload = part.get_payload()
        for child in payload if isinstance(payload, list) else []:
            if isinstance(child, EmailMessage):
                yield from _leaves(child, in_related=related)
    else:
        yield part, in_related


def _attached_message(part: EmailMessage, content: _Content, *, depth: int) -> None:
    """A message forwarded as an attachment: its text and people count like an inline
    forward's, and its own attachments are listed too."""
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    if not isinstance(inner, EmailMessage) or depth >= _MAX_DEPTH:
        content.attachments.append(
            Attachment(_filename(part, "message.eml"), "message/rfc822", len(str(payload)))
        )
        return
    subject = _header(inner, "Subject")
    nested = _content(inner, subject, depth=depth + 1)
    headers = [(name, _header(inner, name)) for name in ("From", "Date", "Subject", "To", "Cc")]
    body = "\n\n".join(s for s in nested.sections if s)
    content.sections.append(render_forwarded([(n, v) for n, v in headers if v], body))
    for name in ("From", "To", "Cc"):
        content.forwarded.extend(_addresses(inner, name))
    content.forwarded.extend(nested.forwarded)
    content.attachments.extend(nested.attachments)


def _attachment(part: EmailMessage, *, in_related: bool) -> Attachment | None:
    disposition = part.get_content_disposition()
    filename = part.get_filename()
    if disposition != "attachment":
        if in_related:
            return None  # an image of the HTML body (a signature logo), not an attachment
        if part.get_content_maintype() == "text" and not filename:
            return None  # another rendering of the body, or a fragment of it
    content_type = _unescape_bytes(part.get_content_type())[:255]
    return Attachment(_filename(part, "unnamed"), content_type, _encoded_size(part))


def _filename(part: EmailMessage, default: str) -> str:
    try:
        name = part.get_filename()
    except Exception:  # an unparseable RFC 2231 parameter
        name = None
    if name and "\ufffd" in name:  # undeclared 8-bit bytes, replaced by the header parser
        name = _raw_filename(part) or name
    return " ".join(normalize(_unescape_bytes(name or default)).split())[:255] or default


def _raw_filename(part: EmailMessage) -> str | None:
    legacy = Message()  # compat32 reads parameters as they are, without replacing bytes
    for key, raw in part.raw_items():
        if key.lower() in ("content-disposition", "content-type"):
            legacy[key] = _unescape_bytes(_LINE_BREAKS.sub("", str(raw)))
    name = legacy.get_filename()
    return name if isinstance(name, str) else None


def _encoded_size(part: EmailMessage) -> int:
    """The decoded size, counted from the encoded text for base64, so that a 25 MB attachment
    is never decoded just to be measured."""
    payload = part.get_payload()
    if not isinstance(payload, str):
        return 0
    if part.get("Content-Transfer-Encoding", "").strip().lower() == "base64":
        length = len(payload) - sum(payload.count(c) for c in "\r\n\t =")
        return max(0, length * 3 // 4)
    decoded = part.get_payload(decode=True)
    return len(decoded) if isinstance(decoded, bytes) else len(payload)


def decode_text(part: EmailMessage) -> str:
    """A text part's content in whatever charset it is, or claims to be, in."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # a transfer encoding too broken to undo
        payload = None
    if not isinstance(payload, bytes):
        payload = str(part.get_payload()).encode("utf-8", "surrogateescape")
    charset = (part.get_content_charset() or "").strip().lower()
    if charset in _UTF8_FIRST:
        try:
            return payload.decode("utf-8")
        except UnicodeDecodeError:
            return payload.decode("cp1252", "replace")
    try:
        return payload.decode(_CHARSET_ALIASES.get(charset, charset), "replace")
    except LookupError:  # an unknown charset, or a codec that is no text encoding ("base64")
        return payload.decode("utf-8", "replace")


def unflow(text: str, *, delsp: bool) -> str:
    """Undo RFC 3676 format=flowed: a line ending in a space continues on the next line."""
    lines: list[str] = []
    joining = False
    for line in text.replace("\r\n", "\n").split("\n"):
        if line == "-- ":  # the signature delimiter is never a continuation
            joining = False
        depth = _quote_depth(line)
        quote, rest = line[:depth], line[depth:]
        rest = rest.removeprefix(" ")  # space-stuffing
        if joining and lines and _quote_depth(lines[-1]) == depth:
            lines[-1] += rest
        else:
            lines.append(quote + (" " if quote and rest else "") + rest)
        joining = line.endswith(" ") and line.rstrip() != "--"
        if joining and delsp:
            lines[-1] = lines[-1][:-1]
    return "\n".join(lines)


def _quote_depth(line: str) -> int:
    return len(line) - len(line.lstrip(">"))
