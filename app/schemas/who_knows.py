"""Who knows about an account, a contact or a topic (``GET /v1/who-knows``, MCP ``who_knows``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.schemas.common import Ref, Schema


class Knower(Schema):
    user: Ref
    team: str | None
    notes: int = Field(description="Their credited notes on it that you may read.")
    meetings: int = Field(
        description="Of those, the notes that record meeting the contact asked about (or, "
        "without a contact, anyone at the account)."
    )
    helpful: int = Field(description="Helpful marks readers gave those notes.")
    last_observed_at: datetime = Field(description="When the newest of those was observed.")
    age_days: int = Field(description="Days since then.")
    score: float = Field(
        description="Each note weighted by recency (half-life one year), doubled for a "
        "meeting, plus half for each helpful mark."
    )
    why: str = Field(description="The counts behind the rank, in words.")


class WhoKnowsRead(Schema):
    account: Ref | None
    contact: Ref | None
    topic: str | None
    notes: int = Field(description="Notes by colleagues that were counted: ones you may read.")
    people: list[Knower] = Field(description="Most knowledgeable first; you are left out.")
