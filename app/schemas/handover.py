"""A departing colleague's handover report and the leaver's bulk share of private notes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import ConfigDict, Field

from app.schemas.common import Id, Input, Ref, Schema


class NoteCounts(Schema):
    private: int = 0
    team: int = 0
    company: int = 0


class AccountHandoverRead(Schema):
    account: Ref
    notes: NoteCounts = Field(description="Their live notes on it by visibility: counts only.")
    only_source: bool = Field(
        description="They are its only source: the bus factor over their notes and the "
        "shared notes of active colleagues you may read is 1, and they wrote the most."
    )
    stale_only_they_can_verify: int = Field(
        description="Their stale facts on it that nobody else can verify: private ones, and "
        "those no active colleague's note you may read has been observed since."
    )


class ContactRef(Schema):
    id: int
    name: str
    account_id: int


class HandoverRead(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "user": {"id": 7, "name": "Rita Rep", "external_id": None},
                    "is_active": True,
                    "accounts": [
                        {
                            "account": {"id": 3, "name": "Harbor Freightways", "external_id": None},
                            "notes": {"private": 2, "team": 5, "company": 1},
                            "only_source": True,
                            "stale_only_they_can_verify": 1,
                        }
                    ],
                    "only_source_accounts": 1,
                    "contacts_only_they_documented": [
                        {"id": 12, "name": "Meg Ortiz", "account_id": 3}
                    ],
                    "private_notes_on_departure": "keep",
                }
            ]
        }
    )

    user: Ref
    is_active: bool
    accounts: list[AccountHandoverRead] = Field(
        description="Every account they wrote on, their only-source accounts first."
    )
    only_source_accounts: int
    contacts_only_they_documented: list[ContactRef] = Field(
        description="Contacts their notes link or mention, and no active colleague's shared "
        "note you may read does."
    )
    private_notes_on_departure: Literal["keep", "team"] = Field(
        description="TACIT_PRIVATE_NOTES_ON_DEPARTURE: what deactivating them does to their "
        "private notes (keep: they stay private, readable by nobody; team: they become team "
        "notes of their team)."
    )


class HandoverShare(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"account_id": 3, "visibility": "team"}]}
    )

    account_id: Id
    visibility: Literal["team", "company"] = Field(
        description="Who reads your private notes on the account from now on."
    )


class HandoverShared(Schema):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"account_id": 3, "visibility": "team", "shared": 4}]}
    )

    account_id: int
    visibility: Literal["team", "company"]
    shared: int = Field(description="How many of your private notes on it were shared.")


class SuccessorSet(Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"account_id": 3, "successor_id": 9}]}
    )

    account_id: Id
    successor_id: Id = Field(description="The active user who takes the account over.")


class SuccessionRead(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account_id": 3,
                    "user_id": 7,
                    "successor_id": 9,
                    "named_at": "2026-12-06T09:00:00Z",
                    "brief": "sent",
                    "brief_url": "/v1/accounts/3/brief",
                }
            ]
        }
    )

    account_id: int
    user_id: int = Field(description="The colleague who is leaving.")
    successor_id: int
    named_at: datetime
    brief: Literal["pending", "sent", "failed"] = Field(
        description="The handover brief e-mailed to the successor: pending (waiting for the "
        "worker, or for TACIT_SMTP_URL), sent, or failed (no e-mail address reaches them).",
    )
    brief_url: str = Field(
        description="The successor's handover brief: the account brief, as they may read it."
    )


class HandoverAsked(Schema):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"user_id": 7, "asked_at": "2026-12-06T09:00:00Z", "email": "pending"}]
        }
    )

    user_id: int
    asked_at: datetime
    email: Literal["pending", "sent", "failed"] = Field(
        description="The e-mail asking them: pending (waiting for the worker, or for "
        "TACIT_SMTP_URL), sent, or failed (no e-mail address reaches them)."
    )
