"""What the calendar tests share: an .ics feed served from this machine (honouring
If-None-Match), a real SMTP server (aiosmtpd) that keeps what it is sent, and feed text."""

from __future__ import annotations

import hashlib
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Feed:
    """The calendar served at ``url``; ``status`` other than 200 answers with that instead."""

    url: str = ""
    body: bytes = b""
    status: int = 200
    requests: list[dict[str, str]] = field(default_factory=list)
    not_modified: int = 0

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


@contextmanager
def serve_feed(path: str = "/private-7f3a9c2e/basic.ics") -> Iterator[Feed]:
    feed = Feed()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            feed.requests.append(dict(self.headers.items()))
            if self.path != path:
                self.send_response(404)
                self.end_headers()
                return
            if feed.status != 200:
                self.send_response(feed.status)
                self.send_header("content-length", "0")
                self.end_headers()
                return
            if self.headers.get("if-none-match") == feed.etag:
                feed.not_modified += 1
                self.send_response(304)
                self.send_header("etag", feed.etag)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("content-type", "text/calendar; charset=utf-8")
            self.send_header("etag", feed.etag)
            self.send_header("content-length", str(len(feed.body)))
            self.end_headers()
            self.wfile.write(feed.body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    feed.url = f"http://127.0.0.1:{server.server_address[1]}{path}"
    try:
        yield feed
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    port: int
    received: list[EmailMessage] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.received]


class _Keep:
    def __init__(self, box: Mailbox) -> None:
        self.box = box

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.box.received.append(parsed)
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[Mailbox]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    box = Mailbox(port)
    controller = Controller(_Keep(box), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y%m%dT%H%M%SZ")


def calendar(*events: list[str]) -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tacit tests//EN"]
    for event in events:
        lines += event
    lines.append("END:VCALENDAR")
    return ("\r\n".join(lines) + "\r\n").encode()


def text_of(message: EmailMessage) -> str:
    """The plain-text and HTML parts of an e-mail, one after the other."""
    parts = []
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        assert part is not None, f"no text/{kind} part"
        parts.append(part.get_content())
    return "\n".join(parts)
