"""The influence map as the API reads and writes it: records, their fields' values (confirmed
or suggested, with evidence), coverage and red flags."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import MISSING, ConfigDict, Field, StringConstraints

from app.db.models import BuyingRole
from app.schemas.common import Id, Input, Ref, Schema

BuyingRoleName = Literal["economic", "technical", "user", "coach"]
Degree = Literal["high", "medium", "low"]
Mode = Literal["growth", "trouble", "even_keel", "overconfident"]
FieldName = Literal[
    "roles", "degree", "mode", "rating", "key_win_result", "hot_buttons", "cold_buttons"
]
RedFlagCode = Literal[
    "missing_role",
    "no_coach",
    "not_met",
    "hostile_rating",
    "complacent_economic_buyer",
    "new_player",
    "single_coverage",
]
Rating = Annotated[int, Field(ge=-5, le=5)]
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Words = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Objective = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
MAX_PHRASES = 20
MAX_EVIDENCE = 20


class Evidence(Schema):
    note_id: int
    sentence: str = Field(description="The sentence of the note the value rests on.")


class FieldValueRead(Schema):
    value: str | int
    status: Literal["confirmed", "suggested"]
    evidence: list[Evidence] = Field(
        description="Sentences of notes you may read: for a suggestion what it was read from, "
        "for a confirmed value what the person who decided cited."
    )
    decided_by: Ref | None = Field(description="Who confirmed or set it (null: suggested).")
    decided_at: datetime | None
    stale: bool = Field(description="Confirmed longer ago than its field's shelf life.")
    confidence: float | None = Field(description="A suggestion's confidence, 0..1.")
    reason: str | None = Field(description="The mode's reason.")


class InfluenceFields(Schema):
    """Per field, its confirmed values first, then the suggestions not yet decided."""

    roles: list[FieldValueRead]
    degree: list[FieldValueRead]
    mode: list[FieldValueRead]
    rating: list[FieldValueRead]
    key_win_result: list[FieldValueRead]
    hot_buttons: list[FieldValueRead]
    cold_buttons: list[FieldValueRead]


class InfluenceValues(Schema):
    """The confirmed values alone, in the record's shape."""

    roles: list[BuyingRoleName] = Field(description="The main role first.")
    degree: Degree | None
    mode: Mode | None
    mode_reason: str | None
    rating: int | None = Field(description="Their stance on us, -5..+5.")
    key_win_result: str | None = Field(description="What they personally want from the deal.")
    hot_buttons: list[str]
    cold_buttons: list[str]


class ColleagueCoverageRead(Schema):
    user: Ref
    notes: int = Field(description="Notes you may read that they wrote about the person.")
    meetings: int = Field(description="Of those, notes recording a meeting with the person.")
    last_written_at: datetime | None
    last_met_at: datetime | None


class CoverageRead(Schema):
    colleagues: list[ColleagueCoverageRead] = Field(description="Most meetings first.")
    notes: int
    last_written_at: datetime | None
    last_met_at: datetime | None


class InfluenceSummary(Schema):
    """A record as the brief shows it: the confirmed values, which fields are stale or have
    suggestions waiting, and who covers the person."""

    confirmed: InfluenceValues
    stale_fields: list[FieldName]
    suggested_fields: list[FieldName]
    covered_by: list[Ref] = Field(description="Colleagues who met or wrote about them.")
    last_met_at: datetime | None


class InfluenceContact(Schema):
    id: int
    account_id: int
    external_id: str | None
    name: str
    title: str | None
    buying_role: BuyingRole = Field(description="The main confirmed role, as on the contact.")


class InfluenceRead(Schema):
    contact: InfluenceContact
    objective: str | None = Field(description="The sales objective (null: in general).")
    confirmed: InfluenceValues
    fields: InfluenceFields
    stale_fields: list[FieldName]
    suggested_fields: list[FieldName]
    coverage: CoverageRead
    updated_at: datetime | None = Field(description="When the record last changed.")


class RedFlagRead(Schema):
    code: RedFlagCode
    message: str = Field(description="What is wrong, in words.")
    role: BuyingRoleName | None
    contact_ids: list[int] = Field(description="The contacts concerned.")


class AccountInfluenceMap(Schema):
    account: Ref
    generated_at: datetime
    reviewed_at: datetime | None = Field(
        description="The last review: an explicit one, or any confirmation or edit."
    )
    influences: list[InfluenceRead]
    red_flags: list[RedFlagRead]


class AccountRedFlags(Schema):
    account: Ref
    generated_at: datetime
    reviewed_at: datetime | None
    red_flags: list[RedFlagRead]


class EvidenceIn(Input):
    note_id: Id
    sentence: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)
    ] = Field(description="A sentence of that note, as written.")


class InfluenceDecisionCreate(Input):
    """Confirm a value of a field (a suggestion, or any value you vouch for), or reject a
    suggestion (it is not suggested again: to anyone when a manager or admin rejects it, to
    you alone otherwise)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "field": "roles",
                    "value": "economic",
                    "decision": "confirm",
                    "evidence": [
                        {
                            "note_id": 42,
                            "sentence": "Meg (CFO) has final say on anything over $50k.",
                        }
                    ],
                }
            ]
        }
    )

    field: FieldName
    value: Annotated[str, StringConstraints(max_length=1000)] | int
    decision: Literal["confirm", "reject"]
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=MAX_EVIDENCE)
    reason: Words | None = Field(default=None, description="A mode's reason.")


class InfluenceUpdate(Input):
    """A PATCH: only the fields sent change; null clears a field of one value, [] a list."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "roles": ["economic"],
                    "degree": "high",
                    "rating": 2,
                    "hot_buttons": ["predictable monthly costs"],
                }
            ]
        }
    )

    roles: list[BuyingRoleName] | MISSING = Field(default=MISSING, max_length=4)
    degree: Degree | None = None
    mode: Mode | None = None
    mode_reason: Words | None = None
    rating: Rating | None = None
    key_win_result: Words | None = None
    hot_buttons: list[Phrase] | MISSING = Field(default=MISSING, max_length=MAX_PHRASES)
    cold_buttons: list[Phrase] | MISSING = Field(default=MISSING, max_length=MAX_PHRASES)


class InfluenceReviewRead(Schema):
    account: Ref
    reviewed_at: datetime
    red_flags: list[RedFlagRead]
