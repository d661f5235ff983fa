"""Keyset (cursor) pagination: stable under inserts, constant cost at any depth."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import Invalid

T = TypeVar("T")
Order = Sequence[tuple[InstrumentedAttribute[Any], bool]]  # (column, descending)


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != size:
            raise ValueError
        return [datetime.fromisoformat(v["t"]) if isinstance(v, dict) else v for v in raw]
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise Invalid("cursor is not one this server issued; start again without it") from exc


def _after(order: Order, values: Sequence[Any]) -> ColumnElement[bool]:
    column, descending = order[0]
    beyond: ColumnElement[bool] = column < values[0] if descending else column > values[0]
    if len(order) == 1:
        return beyond
    return or_(beyond, and_(column == values[0], _after(order[1:], values[1:])))


def paginate(
    session: Session, stmt: Select[T], *, order: Order, limit: int, cursor: str | None
) -> Page[T]:
    if cursor:
        stmt = stmt.where(_after(order, decode_cursor(cursor, len(order))))
    stmt = stmt.order_by(*(col.desc() if desc else col.asc() for col, desc in order))
    rows = list(session.scalars(stmt.limit(limit + 1)).unique())
    if len(rows) <= limit:
        return Page(rows, None)
    last = rows[limit - 1]
    return Page(rows[:limit], encode_cursor([getattr(last, col.key) for col, _ in order]))
