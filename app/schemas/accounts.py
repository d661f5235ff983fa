from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import MISSING, AfterValidator, ConfigDict, Field, StringConstraints, model_validator

from app.db.models import BuyingRole
from app.schemas.common import Email, ExternalId, Id, Input, Name, OptionalText, Ref, Schema

_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def _domain(value: str) -> str:
    value = value.strip().lower().removeprefix("www.")
    if len(value) > 255 or not _DOMAIN.match(value):
        raise ValueError(f"{value!r} is not a domain name like harbor.example")
    return value


Domain = Annotated[str, AfterValidator(_domain)]
Alias = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class AccountCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "name": "Harbor Freightways",
                    "domains": ["harbor.example"],
                    "aliases": ["Harbor"],
                    "industry": "logistics",
                    "region": "EMEA",
                }
            ]
        }
    )

    name: Name
    domains: list[Domain] = Field(default_factory=list, max_length=50)
    aliases: list[Alias] = Field(default_factory=list, max_length=50)
    industry: OptionalText | None = None
    region: OptionalText | None = None
    external_id: ExternalId | None = None
    force: bool = Field(
        default=False,
        description=(
            "Create the account even though one with the same name exists (otherwise 409 "
            "naming it). A domain that belongs to another account is a 409 all the same."
        ),
    )


class AccountUpdate(Input):
    """A PATCH: only the fields sent change; null clears an optional field (domains and
    aliases too), and a name cannot be null."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"region": "North America", "aliases": ["Harbor", "HFW"]}]}
    )

    name: Name | MISSING = MISSING
    domains: list[Domain] | None = Field(default=None, max_length=50)
    aliases: list[Alias] | None = Field(default=None, max_length=50)
    industry: OptionalText | None = None
    region: OptionalText | None = None
    external_id: ExternalId | None = None


class AccountMerge(Input):
    """The duplicate account to fold into the one in the path."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"account_id": 2}]})

    account_id: Id = Field(
        description="The account to fold into this one: it moves here, then is deleted."
    )


class AccountRead(Schema):
    id: int
    name: str
    domains: list[str]
    aliases: list[str]
    industry: str | None
    region: str | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class ContactCreate(Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "account": "harbor.example",
                    "name": "Meg Ortiz",
                    "title": "CFO",
                    "email": "meg@harbor.example",
                    "buying_role": "economic",
                }
            ]
        }
    )

    account_id: Id | None = None
    account: str | None = Field(
        default=None, max_length=320, description="Account by name, domain, alias or e-mail."
    )
    name: Name
    title: OptionalText | None = None
    email: Email | None = None
    buying_role: BuyingRole = BuyingRole.unknown
    reports_to_id: Id | None = None
    external_id: ExternalId | None = None

    @model_validator(mode="after")
    def _one_account(self) -> ContactCreate:
        if (self.account_id is None) == (self.account is None):
            raise ValueError("give exactly one of account_id and account")
        return self


class ContactUpdate(Input):
    """A PATCH: only the fields sent change; null clears an optional field. A contact always
    has a name and a buying role ("unknown" is the cleared role), so neither may be null."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"title": "Chief Financial Officer", "buying_role": "economic"}]
        }
    )

    name: Name | MISSING = MISSING
    title: OptionalText | None = None
    email: Email | None = None
    buying_role: BuyingRole | MISSING = MISSING
    reports_to_id: Id | None = None
    external_id: ExternalId | None = None


class ContactRead(Schema):
    id: int
    account: Ref
    name: str
    title: str | None
    email: str | None
    buying_role: BuyingRole
    reports_to_id: int | None
    external_id: str | None
    created_at: datetime
    updated_at: datetime
