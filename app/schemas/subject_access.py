"""Subject access: everything held about a contact, as the API returns it and the archive
holds it (``subject-access.json``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from app.db.models import BuyingRole, Visibility
from app.schemas.common import Ref, Schema

FoundBy = Literal["linked", "mentioned", "named"]


class SubjectContact(Schema):
    """The contact record, every field."""

    id: int
    account: Ref
    name: str
    title: str | None
    email: str | None
    buying_role: BuyingRole
    reports_to: Ref | None
    direct_reports: list[Ref]
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class SubjectRevision(Schema):
    version: int
    account_id: int
    body: str
    visibility: Visibility
    observed_at: datetime
    contact_ids: list[int]
    edited_by: Ref | None
    created_at: datetime


class SubjectFlag(Schema):
    id: int
    kind: str
    reason: str
    flagged_by: Ref | None
    created_at: datetime
    resolved_at: datetime | None


class SubjectRetention(Schema):
    """An admin kept this note past the retention period of personal context."""

    kept_by: Ref | None
    kept_at: datetime
    review_after: datetime
    reason: str


class SubjectNote(Schema):
    """A note held about the person, whoever may read it, with where it came from."""

    id: int
    account: Ref
    author: Ref
    visibility: Visibility
    source: str = Field(description="How it came in: api, web, email, import ...")
    external_id: str | None
    message_id: str | None = Field(description="The e-mail it was captured from.")
    observed_at: datetime = Field(description="When the fact was learned.")
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None = Field(description="Deleted (hidden) notes are still held.")
    version: int
    topics: list[str]
    personal_context: bool
    found_by: list[FoundBy] = Field(
        description="`linked` to the contact, now or in an earlier version; `mentioned`: a "
        "sentence attributed to them when indexed; `named`: its text or a revision names them."
    )
    passages: list[str] = Field(description="The sentences that name them.")
    body: str
    revisions: list[SubjectRevision] = Field(description="The versions naming or linking them.")
    flags: list[SubjectFlag] = Field(description="Readers' flags whose reason names them.")
    retention: SubjectRetention | None


class SubjectRoleDecision(Schema):
    role: BuyingRole
    decision: Literal["confirmed", "rejected"]
    decided_by: Ref | None
    evidence: list[int] = Field(description="Note ids.")
    at: datetime


class SubjectInfluenceCitation(Schema):
    note_id: int
    sentence: str


class SubjectInfluenceDecision(Schema):
    """A person's answer about one value of the contact's influence record."""

    objective: str | None
    field: str
    value: str | int
    decision: Literal["confirmed", "edited", "removed", "rejected"]
    reason: str | None
    decided_by: Ref | None
    at: datetime
    citations: list[SubjectInfluenceCitation]


class SubjectInfluenceRecord(Schema):
    """The contact's influence record (docs/influence.md), for one sales objective or none."""

    objective: str | None
    roles: list[str]
    degree: str | None
    mode: str | None
    mode_reason: str | None
    rating: int | None
    key_win_result: str | None
    hot_buttons: list[str]
    cold_buttons: list[str]
    created_at: datetime
    updated_at: datetime


class SubjectRoleSuggestion(Schema):
    role: BuyingRole
    evidence: list[int] = Field(description="Note ids whose sentences suggest it, newest first.")


class SubjectRead(Schema):
    note_id: int
    reader: Ref | None
    at: datetime
    kind: Literal["opened", "shown"]
    via: str = Field(description="api, web, brief, meeting or search.")
    personal_context: bool


class SubjectSearch(Schema):
    id: int
    searched_by: Ref | None
    query: str
    at: datetime


class SubjectEmail(Schema):
    id: int
    sender: Ref | None
    message_id: str
    participant: dict[str, str] | None = Field(description="Their entry among the participants.")
    subject: str
    text: str | None = Field(
        description="Held only while the message is unfiled; once filed it is the note's."
    )
    names_them: bool = Field(description="The subject or the held text names them.")
    sent_at: datetime | None
    received_at: datetime
    note_id: int | None


class SubjectAuditEvent(Schema):
    action: str
    at: datetime
    actor: Ref | None
    details: dict[str, Any]


class SubjectAccessRead(Schema):
    """Everything Tacit holds about one contact, of every author and visibility."""

    generated_at: datetime
    generated_by: Ref | None = Field(description="The admin who asked; null for the operator.")
    naming_rule: str = Field(description="When a text counts as naming the person.")
    contact: SubjectContact
    notes: list[SubjectNote]
    role_decisions: list[SubjectRoleDecision]
    role_suggestions: list[SubjectRoleSuggestion]
    influence_records: list[SubjectInfluenceRecord] = Field(default_factory=list)
    influence_decisions: list[SubjectInfluenceDecision] = Field(default_factory=list)
    reads: list[SubjectRead] = Field(
        description="Who opened or was shown a note of this dossier, and when."
    )
    searches: list[SubjectSearch] = Field(description="Searches whose question names them.")
    emails: list[SubjectEmail] = Field(
        description="Captured e-mail they took part in, or whose held text names them."
    )
    audit: list[SubjectAuditEvent] = Field(description="Audited changes of the contact record.")
