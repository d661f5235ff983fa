from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from pydantic import MISSING, ConfigDict, Field, StringConstraints, field_validator

from app.db.models import Role, TokenScope
from app.schemas.common import Email, ExternalId, Id, Input, Name, OptionalText, Schema

Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]
# Slack's ids: a user's is U... or W..., a workspace's T... (E... for an Enterprise Grid org).
SlackUserId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[UW][A-Z0-9]{2,31}$")
]
SlackTeamId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[TE][A-Z0-9]{2,31}$")
]


class TeamCreate(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "east"}]})

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class TeamRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": 1, "name": "east"}]})

    id: int
    name: str


class UserCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Ana Reyes",
                    "email": "ana.reyes@tacit.example",
                    "team": "east",
                    "role": "rep",
                    "title": "Account executive",
                }
            ]
        }
    )

    name: Name
    email: Email | None = None
    team: str | None = Field(
        default=None, max_length=100, description="Team name; created if it does not exist."
    )
    role: Role = Role.rep
    title: OptionalText | None = Field(default=None, description="Job title, e.g. support.")
    external_id: ExternalId | None = None
    password: Password | None = Field(default=None, description="For signing in on the web page.")


class UserUpdate(Input):
    """A PATCH: only the fields sent change; null clears the e-mail, team, title or password.
    A user always has a name, a role and an active flag, so those may not be null."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"team": "west", "role": "manager"}]})

    name: Name | MISSING = MISSING
    email: Email | None = None
    team: str | None = Field(default=None, max_length=100)
    role: Role | MISSING = MISSING
    title: OptionalText | None = None
    is_active: bool | MISSING = MISSING
    password: Password | None = None
    slack_user_id: SlackUserId | None = Field(
        default=None,
        description="Who the user is in Slack (U...), for the Slack app; null unlinks. Setting "
        "it clears slack_team_id unless that is sent too.",
    )
    slack_team_id: SlackTeamId | None = Field(
        default=None, description="The Slack workspace (T...) of slack_user_id; null: any."
    )


class UserRead(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": 3,
                    "name": "Ana Reyes",
                    "email": "ana.reyes@tacit.example",
                    "title": "Account executive",
                    "role": "rep",
                    "team": {"id": 1, "name": "east"},
                    # Not null: FastAPI leaves null values out of the schema's examples.
                    "external_id": "crm-0042",
                    "is_active": True,
                    "slack_user_id": "U024BE7LH",
                    "slack_team_id": "T024BE7LG",
                }
            ]
        }
    )

    id: int
    name: str
    email: str | None
    title: str | None
    role: Role
    team: TeamRead | None
    external_id: str | None
    is_active: bool
    slack_user_id: str | None
    slack_team_id: str | None


SCOPES_DESCRIPTION = (
    "What the token may be used for: `read` (GET, and POSTs that only read, such as search), "
    "`write` (every other change), `admin` (an admin's work: users, teams, the audit trail, "
    "erasures, others' tokens; only on an admin's token), `mail` (posting e-mail to "
    "`/v1/inbound/email`, for the mail gateway). A scope only narrows what the owner's role "
    "allows."
)


class TokenCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"name": "laptop", "expires_in_days": 90, "scopes": ["read", "write"]},
                {"name": "gateway", "user_id": 7, "scopes": ["mail"]},
            ]
        }
    )

    user_id: Id | None = Field(
        default=None, description="Whose token; admins may name another user. Default: yourself."
    )
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] = (
        "api"
    )
    expires_in_days: int | None = Field(default=None, ge=1, le=3650)
    scopes: list[TokenScope] | None = Field(
        default=None,
        min_length=1,
        max_length=len(TokenScope),
        description=SCOPES_DESCRIPTION
        + " Default: `read` and `write`. A token made with a token holds none its maker lacks.",
    )


_TOKEN_EXAMPLE: dict[str, Any] = {
    "id": 4,
    "user_id": 3,
    "name": "laptop",
    "prefix": "tacit_4kq",
    "created_at": "2026-12-01T09:30:00Z",
    "expires_at": "2027-03-01T09:30:00Z",
    "revoked_at": "2026-12-02T10:00:00Z",
    "last_used_at": "2026-12-01T17:05:00Z",
    "scopes": ["read", "write"],
}


class TokenRead(Schema):
    model_config = ConfigDict(json_schema_extra={"examples": [_TOKEN_EXAMPLE]})

    id: int
    user_id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None
    scopes: list[TokenScope] = Field(description=SCOPES_DESCRIPTION)

    @field_validator("scopes", mode="before")
    @classmethod
    def _sorted(cls, value: Iterable[TokenScope]) -> list[TokenScope]:
        return sorted(value)  # the stored set, in a stable order


class TokenCreated(TokenRead):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_TOKEN_EXAMPLE, "token": "tacit_4kq..."}]}
    )

    token: str = Field(description="The secret. Shown once; only its hash is stored.")
