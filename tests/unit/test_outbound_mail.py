"""``TACIT_SMTP_URL`` read into a server to send to (``app.outbound.mail``), and the setting's
own check of it."""

from __future__ import annotations

from email.message import EmailMessage

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.outbound.mail import MailError, SmtpServer, send, smtp_server


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://relay.internal", SmtpServer("smtp", "relay.internal", 25, None, None)),
        ("smtp://relay.internal:2525", SmtpServer("smtp", "relay.internal", 2525, None, None)),
        (
            "smtp+starttls://tacit%40corp.example:p%3Ass@mail.corp.example",
            SmtpServer("smtp+starttls", "mail.corp.example", 587, "tacit@corp.example", "p:ss"),
        ),
        (
            "smtps://tacit:secret@smtp.example:465",
            SmtpServer("smtps", "smtp.example", 465, "tacit", "secret"),
        ),
    ],
)
def test_schemes_ports_and_credentials(url: str, expected: SmtpServer) -> None:
    assert smtp_server(url) == expected


def test_the_password_stays_out_of_its_repr() -> None:
    server = smtp_server("smtps://tacit:Hunter2-secret@smtp.example")

    assert "Hunter2" not in repr(server) and "smtp.example:465" in repr(server)


@pytest.mark.parametrize("url", ["http://smtp.example", "smtp://", "smtps:///x"])
def test_not_an_smtp_url(url: str) -> None:
    with pytest.raises(ValueError):
        smtp_server(url)


@pytest.mark.parametrize(
    "url", ["smtp://relay:25", "smtps://u:p@h:465", "smtp+starttls://u:p@h:587"]
)
def test_the_setting_takes_the_three_schemes(url: str) -> None:
    assert Settings(_env_file=None, smtp_url=url).smtp_url == url  # type: ignore[call-arg]


@pytest.mark.parametrize("url", ["http://relay", "smtp+ssl://h", "smtp://a b"])
def test_the_setting_refuses_others(url: str) -> None:
    with pytest.raises(ValidationError):
        Settings(_env_file=None, smtp_url=url)  # type: ignore[call-arg]


def test_a_refused_connection_is_a_mail_error_without_the_password() -> None:
    message = EmailMessage()
    message["Subject"] = "x"
    message.set_content("x")

    with pytest.raises(MailError) as caught:
        send(smtp_server("smtp://tacit:Hunter2@127.0.0.1:9"), message, timeout=5)

    assert "127.0.0.1:9" in str(caught.value) and "Hunter2" not in str(caught.value)
