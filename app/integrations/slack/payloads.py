"""What Slack sends, as far as Tacit reads it: a slash command's form, and the JSON
``payload`` of an interaction (a message shortcut, a select menu's search, a form submitted).
Fields Tacit does not use are ignored; a payload missing one it does is a 400."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, StringConstraints, ValidationError

from app.domain.slack import SlackIdentity
from app.errors import BadRequest

# Slack's ids (users U..., W...; workspaces T..., E...; channels C..., D..., G...).
SlackId = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,32}$")]
Name = Annotated[str, StringConstraints(max_length=255)]
M = TypeVar("M", bound=BaseModel)


class Payload(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SlashCommand(Payload):
    team_id: SlackId
    team_domain: Name = ""
    user_id: SlackId
    user_name: Name = ""
    text: Annotated[str, StringConstraints(max_length=8000)] = ""
    response_url: str

    @property
    def who(self) -> SlackIdentity:
        return SlackIdentity(self.team_id, self.user_id)


class Team(Payload):
    id: SlackId
    domain: Name = ""


class User(Payload):
    id: SlackId
    team_id: SlackId | None = None
    name: Name = ""


class Interaction(Payload):
    type: str
    user: User
    team: Team | None = None  # null for some Enterprise Grid installs: the user's team counts

    @property
    def who(self) -> SlackIdentity:
        team = self.team.id if self.team is not None else self.user.team_id
        if team is None:
            raise BadRequest("the payload names no workspace (team.id or user.team_id)")
        return SlackIdentity(team, self.user.id)


class Channel(Payload):
    id: SlackId
    name: Name = ""


class Message(Payload):
    ts: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,12}\.[0-9]{1,8}$")]
    text: str = ""


class MessageAction(Interaction):
    """A message shortcut: "Save to Tacit" on a message."""

    type: Literal["message_action"]
    callback_id: str
    trigger_id: str
    response_url: str
    channel: Channel
    message: Message


class BlockSuggestion(Interaction):
    """An ``external_select`` asking for options as the user types."""

    type: Literal["block_suggestion"]
    action_id: str
    value: Annotated[str, StringConstraints(max_length=500)] = ""


class ViewState(Payload):
    # block_id -> action_id -> the element's state ({"value": ...} or {"selected_option": ...})
    values: dict[str, dict[str, dict[str, Any]]] = {}

    def text(self, block: str) -> str:
        return str(self._element(block).get("value") or "")

    def choice(self, block: str) -> str:
        option = self._element(block).get("selected_option") or {}
        return str(option.get("value") or "") if isinstance(option, dict) else ""

    def _element(self, block: str) -> dict[str, Any]:
        elements = self.values.get(block) or {}
        return next(iter(elements.values()), {})


class View(Payload):
    callback_id: str = ""
    private_metadata: Annotated[str, StringConstraints(max_length=3000)] = ""
    state: ViewState = ViewState()


class ViewSubmission(Interaction):
    type: Literal["view_submission"]
    view: View


def parse(model: type[M], data: dict[str, Any] | str) -> M:
    """``data`` as ``model``, or a 400 that says which field is wrong."""
    try:
        if isinstance(data, str):
            return model.model_validate_json(data)
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "payload"
        raise BadRequest(f"not a Slack payload Tacit reads: {where}: {first['msg']}") from None


def interaction_payload(text: str) -> dict[str, Any]:
    """The JSON in an interaction's ``payload`` form field."""
    try:
        data = json.loads(text)
    except ValueError:
        raise BadRequest("the payload field is not JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("the payload field is not a JSON object")
    return data
