"""The "Save to Tacit" form (a modal): the message as the note's text, the account (suggested
as the person types, from ``block_suggestion`` requests) and who may read it.

Where the message is (channel, timestamp, permalink) and where to confirm (the shortcut's
``response_url``) travel in the view's ``private_metadata``, which Slack returns, signed, with
the submission."""

from __future__ import annotations

import html
import re

from pydantic import BaseModel, ConfigDict
from slack_sdk.models.blocks import (
    ContextBlock,
    ExternalDataSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    StaticSelectElement,
)
from slack_sdk.models.views import View

from app.db.models import Account, Visibility
from app.integrations.slack.messages import escape, link

CALLBACK_ID = "save_to_tacit"  # the message shortcut's, and the form's
ACCOUNT, VISIBILITY, BODY = "account", "visibility", "body"
TEXT_CHARS = 3000  # the most a plain-text input holds
DEFAULT = "default"  # no choice: the team, or only the author for a sensitive fact
CHOICES = {
    DEFAULT: "My team (only me if it is sensitive)",
    Visibility.private.value: "Only me",
    Visibility.team.value: "My team",
    Visibility.company.value: "Everyone",
}
# Slack's markup in a message's text: <@U123>, <#C123|name>, <!here>, <https://x|label>.
_MARKUP = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")


class SaveMetadata(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    channel_id: str
    ts: str
    permalink: str | None
    response_url: str


def plain_text(text: str) -> str:
    """A message's text as a note holds it: Slack's markup read out, its escapes undone."""

    def read(match: re.Match[str]) -> str:
        sigil, target, label = match.groups()
        if sigil == "@":
            return f"@{label or target}"
        if sigil == "#":
            return f"#{label or target}"
        if sigil == "!":
            return f"@{label or target.split('^')[0]}"
        return f"{label} ({target})" if label and label != target else target

    return html.unescape(_MARKUP.sub(read, text)).strip()


def visibility_of(choice: str) -> Visibility | None:
    """The form's choice; None: the writer left it to the rule."""
    return None if choice in ("", DEFAULT) else Visibility(choice)


def form(*, text: str, channel_name: str, metadata: SaveMetadata) -> View:
    body = plain_text(text)
    where = f"#{channel_name}" if channel_name else "Slack"
    source = link(metadata.permalink, "this message") if metadata.permalink else "a message"
    about = f"From {source} in {escape(where)}."
    if len(body) > TEXT_CHARS:
        about += f" Only its first {TEXT_CHARS:,} characters fit here; the link keeps the rest."
    options = [Option(value=value, text=label) for value, label in CHOICES.items()]
    return View(
        type="modal",
        callback_id=CALLBACK_ID,
        title="Save to Tacit",
        submit="Save",
        close="Cancel",
        private_metadata=metadata.model_dump_json(),
        blocks=[
            InputBlock(
                block_id=ACCOUNT,
                label="Account",
                element=ExternalDataSelectElement(
                    action_id=ACCOUNT, placeholder="Type an account's name", min_query_length=1
                ),
            ),
            InputBlock(
                block_id=VISIBILITY,
                label="Who may read it",
                element=StaticSelectElement(
                    action_id=VISIBILITY, options=options, initial_option=options[0]
                ),
            ),
            InputBlock(
                block_id=BODY,
                label="Note",
                element=PlainTextInputElement(
                    action_id=BODY,
                    multiline=True,
                    initial_value=body[:TEXT_CHARS],
                    max_length=TEXT_CHARS,
                ),
            ),
            ContextBlock(elements=[MarkdownTextObject(text=about)]),
        ],
    )


def account_options(accounts: list[Account]) -> dict[str, object]:
    """The answer to a ``block_suggestion``: accounts as options."""
    options = [Option(value=str(a.id), text=a.name[:75]) for a in accounts]
    return {"options": [option.to_dict("block") for option in options]}
