"""Erasing a person, and the suppressions that keep them erased."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import ConfigDict, Field, StringConstraints

from app.schemas.common import Input, Schema

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class ContactErase(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"reason": "Erasure request from the person, ticket DP-118."}]
        }
    )

    reason: Reason = Field(
        description="Why (a request's reference, say); kept on the suppression, with the "
        "person's name and other forms taken out."
    )


class ContactErasureRead(Schema):
    contact_id: int
    account_id: int
    notes_redacted: int = Field(description="Notes kept with the person taken out of them.")
    notes_erased: int = Field(description="Notes only about the person, erased whole.")
    suppression_id: int = Field(description="What keeps them from being brought back.")


class SuppressionRead(Schema):
    """A suppression shows no name and no address: it holds none."""

    id: int
    account_id: int | None = Field(description="Their account; null once it was deleted.")
    reason: str
    created_at: datetime
