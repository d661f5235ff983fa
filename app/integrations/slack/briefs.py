"""Meeting briefs sent as Slack direct messages, with the bot token's Web API client (the
calendar worker is handed ``brief_sender`` by whoever starts it: ``tacit serve`` or ``tacit
calendar worker``)."""

from __future__ import annotations

from collections.abc import Callable

from app.config import Settings
from app.integrations.slack.messages import escape
from app.integrations.slack.replies import web_client


def brief_sender(settings: Settings) -> Callable[[str, str], None] | None:
    """Sends ``text`` to a Slack user as a direct message (a bot posting to a user id opens
    the DM); raises slack-sdk's ``SlackApiError`` when Slack refuses. None without a bot
    token: then briefs go by e-mail alone."""
    client = web_client(settings)
    if client is None:
        return None

    def send(slack_user_id: str, text: str) -> None:
        # Escaped: a note's text must not ping a channel or dress up a link.
        client.chat_postMessage(channel=slack_user_id, text=escape(text), unfurl_links=False)

    return send
