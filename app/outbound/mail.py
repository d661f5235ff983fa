"""E-mail out, with the standard library's ``smtplib``, to the server ``TACIT_SMTP_URL`` names:

- ``smtp://host:25``: plain SMTP (a relay on the same network);
- ``smtp+starttls://user:pass@host:587``: submission, upgraded with STARTTLS, which is
  required: a server that does not offer it is an error, never a fallback to plain text;
- ``smtps://user:pass@host:465``: TLS from the first byte.

A user name and password in the URL are percent-decoded and used to log in."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


class MailError(Exception):
    """The message was not handed over; the text says why, without the password."""


@dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None = None

    def __repr__(self) -> str:  # never the password, in a log or a traceback
        return f"SmtpServer({self.scheme}://{self.host}:{self.port})"


def smtp_server(url: str) -> SmtpServer:
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise ValueError("the SMTP URL must be smtp://, smtp+starttls:// or smtps:// and a host")
    return SmtpServer(
        scheme=parts.scheme,
        host=parts.hostname,
        port=parts.port or DEFAULT_PORTS[parts.scheme],
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def send(server: SmtpServer, message: EmailMessage, *, timeout: float) -> None:
    """Hand ``message`` to ``server``; ``MailError`` if it was not accepted."""
    context = ssl.create_default_context()
    try:
        if server.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(
                server.host, server.port, timeout=timeout, context=context
            )
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            if server.scheme == "smtp+starttls":
                client.starttls(context=context)
            if server.username:
                client.login(server.username, server.password or "")
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        raise MailError(f"SMTP {server.host}:{server.port}: {type(exc).__name__}: {exc}") from None
