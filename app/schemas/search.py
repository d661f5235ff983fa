from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import ConfigDict, Field, StringConstraints

from app.schemas.brief import PersonRef
from app.schemas.common import Id, Input, Ref, Schema, UTCInput
from app.schemas.notes import Sensitive
from app.schemas.who_knows import Knower

MAX_RESULTS = 100  # enough for recall@100 on scripts/eval_external.py


class SearchQuery(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"q": "who signs off on spend at Harbor?", "limit": 10}]}
    )

    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    account_id: Id | None = None
    contact_id: Id | None = None
    author_id: Id | None = None
    since: UTCInput | None = Field(default=None, description="Observed at or after.")
    until: UTCInput | None = Field(default=None, description="Observed before.")
    limit: int = Field(default=10, ge=1, le=MAX_RESULTS)


class SearchHit(Schema):
    note_id: int
    external_id: str | None
    account: Ref
    author: Ref
    observed_at: datetime
    age_days: int = Field(description="Days since the fact was observed.")
    visibility: str
    sensitive: Sensitive = Field(
        default_factory=list, description="The sensitive facts the note states, as on it."
    )
    snippet: str = Field(description="The best passage, HTML-escaped, matches in <mark>.")
    score: float
    matched: Literal["keyword", "meaning", "both", "answer"] = Field(
        description="How the note was found; `answer`: only as evidence for the answer."
    )
    evidence: bool = Field(
        default=False, description="Evidence for the answer: such notes come first."
    )
    stale: bool = Field(description="Past its shelf life or flagged for review: ranked lower.")
    superseded: bool = Field(description="Replaced by a newer note: ranked lower.")
    confidence: float = Field(
        default=1.0,
        ge=0,
        le=1,
        description="The probability that the note answers the question, calibrated on "
        "labelled searches (scripts/calibrate_confidence.py).",
    )
    weak: bool = Field(
        default=False,
        description="Below the confidence of a match: shown as one of the closest notes, not "
        "as an answer.",
    )
    similar: list[int] = Field(
        default_factory=list,
        description="Notes you may read that restate this one (near-duplicates), folded into "
        "this hit: 'and N similar notes'.",
    )
    group: str | None = Field(
        default=None,
        description="For a question that asks for a list: the key of the hit's group in "
        "`groups` (an account, or an incident at one account).",
    )


class SearchGroup(Schema):
    """One item of a list: an account, or an incident at one account."""

    key: str
    per: Literal["account", "incident"]
    account: Ref
    note_ids: list[int] = Field(
        description="The notes of the group that the search found, best first: those in "
        "`hits`, and the further ones it found."
    )


class Understood(Schema):
    accounts: list[Ref]
    contacts: list[Ref]
    years: list[int]


class AnswerEvidence(Schema):
    note_id: int
    external_id: str | None
    author: Ref
    observed_at: datetime
    age_days: int
    visibility: str
    passage: str = Field(description="The sentence that bears the answer out, as written.")


class Answer(Schema):
    """A fact the buying-influence map knows, answering the question directly."""

    intent: Literal[
        "economic_buyer", "technical_buyer", "user_buyer", "coach", "hot_buttons",
        "cold_buttons", "who_knows",
    ]  # fmt: skip
    text: str = Field(description="The answer in a sentence.")
    basis: Literal["confirmed", "recorded", "suggested", "notes"] = Field(
        description="confirmed: a person confirmed it on the influence record; recorded: the "
        "contact's buying role, with no decision behind it (imported or set on the contact); "
        "suggested: read from notes you may read, not confirmed; notes: counted from notes "
        "(who knows)."
    )
    account: Ref
    people: list[PersonRef] = Field(description="The contacts the answer names.")
    colleagues: list[Knower] = Field(
        default_factory=list, description="Who knows: the colleagues to ask, best first."
    )
    facts: list[str] = Field(
        default_factory=list, description="Hot or cold buttons: the short phrases."
    )
    evidence: list[AnswerEvidence] = Field(description="Notes you may read, newest first.")
    confirmed_at: datetime | None = Field(description="When a person last confirmed it.")
    as_of: datetime | None = Field(
        description="How fresh: the newest evidence, or the confirmation if newer."
    )
    age_days: int | None


class SearchResponse(Schema):
    answer: Answer | None = Field(
        default=None,
        description="A direct answer when the question asks for something the buying-"
        "influence map knows (who signs off, the coach, what a person cares about or "
        "avoids, who knows them); null without a confident one.",
    )
    hits: list[SearchHit]
    weak: bool = Field(
        default=False,
        description="No hit is a confident match: the hits are only the closest notes.",
    )
    groups: list[SearchGroup] = Field(
        default_factory=list,
        description="For a question that asks for a list ('which accounts...', 'every...'): "
        "its items in order, one per account (or per incident at one account); each hit "
        "names its group. Empty for other questions.",
    )
    took_ms: float
    search_id: int | None
    understood: Understood


class Status(Schema):
    """Counted over the notes the caller may read."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "database": "sqlite",
                    "model": "sentence-transformers/all-MiniLM-L6-v2",
                    "backend": "torch",
                    "notes": 1240,
                    "embedded_notes": 1236,
                    "pending_jobs": 4,
                    "failed_jobs": 0,
                    "notes_per_second": 12.5,
                    "seconds_left": 0.3,
                }
            ]
        }
    )

    database: str
    model: str
    backend: str | None = Field(
        default=None, description="How the model runs: torch, onnx or onnx-int8."
    )
    notes: int
    embedded_notes: int
    pending_jobs: int
    failed_jobs: int
    notes_per_second: float | None = Field(
        default=None,
        description="Notes embedded per second over the last five minutes; null until two "
        "rounds of the workers have finished in them.",
    )
    seconds_left: float | None = Field(
        default=None,
        description="At that rate, until every note is embedded (0: none waits); null when "
        "there is no rate to go by.",
    )
