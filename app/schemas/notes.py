from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    MISSING,
    AliasChoices,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from app.db.models import Visibility
from app.schemas.common import (
    MAX_CONTACTS_PER_NOTE,
    MAX_NOTE_CHARS,
    ExternalId,
    Id,
    Input,
    Ref,
    Schema,
    UTCInput,
)

Body = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_NOTE_CHARS)
]
Source = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_-]{0,31}$")]
Section = Literal[
    "decision_process",
    "personal",
    "relationship",
    "objections",
    "competitors",
    "logistics",
    "deal_status",
    "company",
]
# The names app.privacy detects, written out so that the API lists them (schemas import
# nothing above them; tests/unit/test_sensitive_settings.py keeps the two lists equal).
SensitiveCategory = Literal[
    "health",
    "religion",
    "politics",
    "sexual_orientation",
    "ethnicity",
    "trade_union",
    "criminal",
    "family",
    "financial_distress",
]
# A note from before detection existed holds null until `tacit migrate` checks it.
Sensitive = Annotated[list[SensitiveCategory], BeforeValidator(lambda found: found or [])]
ContactIds = Annotated[list[Id], Field(max_length=MAX_CONTACTS_PER_NOTE)]
AccountRef = Annotated[
    str | None,
    Field(default=None, max_length=320, description="Account by name, domain, alias or e-mail."),
]


class NoteCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "body": "Meg (CFO) has final say on anything over $50k.",
                    "account": "harbor.example",
                    "visibility": "team",
                }
            ]
        }
    )

    body: Body = Field(description="Markdown, the canonical form.")
    account_id: Id | None = None
    account: AccountRef = None
    contact_ids: ContactIds = Field(default_factory=list)
    visibility: Visibility | None = Field(
        default=None,
        description="private: you only; team: your team; company: everyone. When not given: "
        "team, or private when the text states a sensitive fact (see `sensitive`).",
    )
    observed_at: UTCInput | None = Field(
        default=None, description="When the fact was observed; default now. No offset means UTC."
    )
    source: Source = "api"
    external_id: ExternalId | None = None
    supersedes: list[Id] = Field(
        default_factory=list,
        max_length=20,
        description="Older notes of the same account this one replaces; they stay, marked.",
    )

    @model_validator(mode="after")
    def _one_account(self) -> NoteCreate:
        if (self.account_id is None) == (self.account is None):
            raise ValueError("give exactly one of account_id and account")
        return self


class NoteUpdate(Input):
    """A PATCH: only the fields sent change. A note always has a body, visibility, time and
    list of contacts, so none of them may be null (``[]`` clears the contacts)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"body": "Meg (CFO) has final say on anything over $75k since the spring reorg."}
            ]
        }
    )

    body: Body | MISSING = MISSING
    account_id: Id | None = None
    account: AccountRef = None
    contact_ids: ContactIds | MISSING = MISSING
    visibility: Visibility | MISSING = MISSING
    observed_at: UTCInput | MISSING = MISSING

    @model_validator(mode="after")
    def _something(self) -> NoteUpdate:
        if not self.model_fields_set:
            raise ValueError("nothing to change: send at least one field")
        if self.account_id is not None and self.account is not None:
            raise ValueError("give at most one of account_id and account")
        return self


class NoteRead(Schema):
    id: int
    external_id: str | None
    account: Ref
    author: Ref
    contacts: list[Ref]
    body: str
    visibility: Visibility
    sensitive: Sensitive = Field(
        default_factory=list,
        description="The sensitive facts the text states about a person (special categories "
        "of personal data, and family or financial distress where enabled); empty when none.",
    )
    observed_at: datetime
    source: str
    source_url: str | None = Field(
        default=None,
        description="Where the note came from, when that is a page: the permalink of the Slack "
        "message it was saved from.",
    )
    version: int
    created_at: datetime
    updated_at: datetime
    topics: list[Section] = Field(
        # From a note, its sections; from a NoteRead's own dump (CapturedNote), "topics".
        validation_alias=AliasChoices("sections", "topics"),
        description="The brief's sections the note is about: the author's, else classified.",
    )
    topics_corrected: bool
    verified_at: datetime | None
    verified_by_id: int | None
    superseded_by_id: int | None
    stale: bool = Field(description="Past its shelf life, or flagged by a newer note.")
    stale_after: datetime | None


class NoteWarning(Schema):
    code: Literal["sensitive_not_private"] = Field(
        description="sensitive_not_private: the note states a sensitive fact and more people "
        "than its author can read it."
    )
    categories: list[SensitiveCategory]
    message: str = Field(description="What to tell the writer, in words.")


class NoteSaved(NoteRead):
    """The note as a write left it, and what its writer should know about it."""

    warnings: list[NoteWarning] = Field(
        description="Kept as asked, but worth a second look: e.g. a sensitive fact that more "
        "people than its author can read. Empty when none."
    )


class NoteCheck(Input):
    """A note's text and visibility as a writer has them so far, before saving."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"body": "Meg is back from sick leave next week.", "visibility": "team"}]
        }
    )

    body: Body
    visibility: Visibility | None = Field(
        default=None, description="As for `POST /v1/notes`: none means not chosen yet."
    )


class NoteChecked(Schema):
    """What saving that text would do."""

    sensitive: list[SensitiveCategory]
    visibility: Visibility = Field(description="The visibility the note would get.")
    warnings: list[NoteWarning]


class TopicsUpdate(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"topics": ["decision_process"]}]})

    topics: list[Section] = Field(
        max_length=8, description="The right sections; an empty list returns to the classifier."
    )


class SupersedeRequest(Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"by": 43}]})

    by: Id = Field(description="The newer note that replaces this one.")


class NoteRevisionRead(Schema):
    version: int
    account_id: int
    body: str
    visibility: Visibility
    observed_at: datetime
    contact_ids: list[int]
    edited_by_id: int
    created_at: datetime
