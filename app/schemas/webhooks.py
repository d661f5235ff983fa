"""Webhooks: what a user sends to create or change one, and what the API shows of them and of
their deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import MISSING, AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from app.db.models import DeliveryStatus, WebhookStatus
from app.db.outbox import EventType
from app.schemas.common import Input, Schema

MAX_WEBHOOKS_PER_USER = 20


def _distinct(types: list[EventType]) -> list[EventType]:
    return list(dict.fromkeys(types))


Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
EventTypes = Annotated[
    list[EventType],
    Field(
        min_length=1,
        max_length=50,
        description="The event types to send (see the README's Events); at least one.",
    ),
    AfterValidator(_distinct),
]


class WebhookCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "url": "https://crm.example.com/hooks/tacit",
                    "events": ["note.created", "note.updated"],
                }
            ]
        }
    )

    url: Url = Field(
        description="Where to POST: https, to a public address (http and private addresses "
        "only with TACIT_WEBHOOK_ALLOW_PRIVATE). No redirects are followed."
    )
    events: EventTypes


class WebhookUpdate(Input):
    """A PATCH: only the fields sent change. ``status: active`` enables a disabled webhook
    again (its failure count starts over); ``disabled`` stops it. None may be null."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"status": "disabled"}]})

    url: Url | MISSING = MISSING
    events: EventTypes | MISSING = MISSING
    status: WebhookStatus | MISSING = MISSING

    @model_validator(mode="after")
    def _something(self) -> WebhookUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send url, events or status")
        return self


class WebhookRead(Schema):
    id: int
    user_id: int = Field(description="The owner: what is sent is what they may read.")
    url: str
    events: list[str]
    status: WebhookStatus
    disabled_reason: str | None = Field(description="Why it is disabled, in words.")
    disabled_at: datetime | None
    consecutive_failures: int = Field(
        description="Deliveries in a row that failed for good (after 24 hours of retries)."
    )
    created_at: datetime
    updated_at: datetime


class WebhookCreated(WebhookRead):
    secret: str = Field(
        description="The signing secret (whsec_...), for the receiver's Standard Webhooks "
        "library. Shown once."
    )


class WebhookDeliveryRead(Schema):
    id: int
    message_id: str = Field(description="The webhook-id header: the same on every retry.")
    event_id: int
    event_type: str
    status: DeliveryStatus
    attempts: int
    last_status_code: int | None
    last_error: str | None
    response_excerpt: str | None = Field(description="The start of the receiver's last answer.")
    first_attempt_at: datetime | None
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime


class WebhookTestResult(Schema):
    message_id: str
    type: Literal["webhook.test"] = "webhook.test"
    delivered: bool = Field(description="Whether the receiver answered with a 2xx.")
    status_code: int | None
    response_excerpt: str | None
    error: str | None


class WebhookMessage(Schema):
    """What a webhook is sent, per the Standard Webhooks spec."""

    type: str = Field(description="The event type, e.g. note.created; webhook.test for a test.")
    timestamp: datetime = Field(description="When the event happened.")
    data: dict[str, Any] = Field(
        description="The subject, rendered for the webhook's owner when sent (see the README)."
    )
