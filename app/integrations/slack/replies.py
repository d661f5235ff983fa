"""Talking back to Slack, with slack-sdk's clients: answers posted to an interaction's
``response_url`` (``WebhookClient``), and Web API calls with the bot token (``WebClient``).

A ``response_url`` comes inside the request, so Tacit posts only to the hosts it is told are
Slack's (``TACIT_SLACK_RESPONSE_HOSTS``, ``hooks.slack.com``), over https: a request that
passed the signature check but named another host would otherwise make the server call
anywhere, inside its own network included. Plain http is allowed only to a loopback host, for a
test's receiver."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from app.config import Settings
from app.errors import BadRequest

log = logging.getLogger("tacit.slack")
TIMEOUT_SECONDS = 10
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class ResponseUrl:
    """A ``response_url`` checked against the allowed hosts: the only kind ``post`` takes."""

    url: str


def response_url(url: str, allowed_hosts: frozenset[str]) -> ResponseUrl:
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        raise BadRequest("response_url is not a URL") from None
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if host not in allowed_hosts or not secure or parts.username or parts.password:
        raise BadRequest(
            f"response_url must be an https address on {', '.join(sorted(allowed_hosts))}"
        )
    return ResponseUrl(url)


def post(target: ResponseUrl, body: dict[str, Any]) -> bool:
    """Post ``body`` (a message) to ``target``; whether Slack took it. A failure is logged, not
    raised: the asker has had their acknowledgement, and nobody else is waiting."""
    try:
        response = WebhookClient(target.url, timeout=TIMEOUT_SECONDS).send_dict(body)
    except Exception:
        log.exception("could not post an answer to Slack's response_url")
        return False
    if response.status_code != 200:
        log.warning("Slack refused an answer: %s %s", response.status_code, response.body)
        return False
    return True


def web_client(settings: Settings) -> WebClient | None:
    """A Web API client with the bot token, or None when no token is set."""
    token = settings.slack_bot_token
    if token is None:
        return None
    return WebClient(
        token=token.get_secret_value(), base_url=settings.slack_api_url, timeout=TIMEOUT_SECONDS
    )
