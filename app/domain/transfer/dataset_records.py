"""The data-set format read: a record model per kind, and ``read_records``, which turns a JSON
Lines file into records, each knowing its file and line, and every bad line into a problem."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator

from app.db.models import BuyingRole, Visibility
from app.domain.transfer.report import ImportFile, Problem
from app.schemas.common import MAX_NOTE_CHARS, NUL_REFUSED, UTCInput, has_nul


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)
    id: str = Field(min_length=1, max_length=255)
    _file: str = PrivateAttr(default="")
    _line: int = PrivateAttr(default=0)

    @property
    def file(self) -> str:
        return self._file

    @property
    def line(self) -> int:
        return self._line

    def problem(self, text: str, *, column: str | None = None) -> Problem:
        return Problem(self._file, self._line, text, column)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if has_nul(value):  # as for the API's input: PostgreSQL cannot store it
            raise ValueError(NUL_REFUSED)
        return value


R = TypeVar("R", bound=Record)


class UserRecord(Record):
    name: str = Field(min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=100)
    role: str = Field(default="rep", min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=320)


class AccountRecord(Record):
    name: str = Field(min_length=1, max_length=200)
    domain: str | None = Field(default=None, max_length=255)
    domains: list[str] = Field(default_factory=list)
    aliases: list[str] = Field(default_factory=list)
    industry: str | None = Field(default=None, max_length=100)
    region: str | None = Field(default=None, max_length=100)


class ContactRecord(Record):
    account_id: str
    name: str = Field(min_length=1, max_length=200)
    title: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=320)
    buying_role: BuyingRole = BuyingRole.unknown
    reports_to: str | None = None


class NoteRecord(Record):
    account_id: str
    author_id: str
    contact_ids: list[str] = Field(default_factory=list)
    created_at: UTCInput
    visibility: Visibility | None = None  # as for POST /v1/notes: chosen by its text
    body: str = Field(min_length=1, max_length=MAX_NOTE_CHARS)


@dataclass
class DataSet:
    users: list[UserRecord]
    accounts: list[AccountRecord]
    contacts: list[ContactRecord]
    notes: list[NoteRecord]


def read_records(file: ImportFile | None, model: type[R], problems: list[Problem]) -> list[R]:
    if file is None:
        return []
    records: list[R] = []
    seen: set[str] = set()
    lines = file.data.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if not raw.strip():
            continue
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")  # a UTF-8 byte-order mark
        try:
            record = model.model_validate(json.loads(raw.decode("utf-8")))
        except UnicodeDecodeError:
            problems.append(Problem(file.name, number, "not UTF-8 text"))
            continue
        except json.JSONDecodeError as exc:
            problems.append(Problem(file.name, number, f"not JSON ({exc.msg})"))
            continue
        except ValidationError as exc:
            for err in exc.errors():
                loc = ".".join(str(p) for p in err["loc"])
                text = err["msg"] if loc else f"record: {err['msg']}"
                problems.append(Problem(file.name, number, text, loc or None))
            continue
        if record.id in seen:
            problems.append(Problem(file.name, number, f"id {record.id!r} appears twice"))
            continue
        seen.add(record.id)
        record._file, record._line = file.name, number
        records.append(record)
    return records
