"""Keyset (cursor) pagination: stable under inserts, constant cost at any depth."""

from __future__ import annotations

import base64
import binascii
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar, TypeVarTuple

from sqlalchemy import ColumnElement, Row, Select, TypeDecorator, and_, or_
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.errors import Invalid
from app.schemas.common import to_utc

T = TypeVar("T")
Ts = TypeVarTuple("Ts")
Order = Sequence[tuple[InstrumentedAttribute[Any], bool]]  # (column, descending)
_SQL_INT_MIN, _SQL_INT_MAX = -(2**63), 2**63 - 1  # SQLite's and PostgreSQL's widest integer
# Any sortable expression (a coalesce, a labelled subquery), for pages of rows.
ExprOrder = Sequence[tuple[ColumnElement[Any] | InstrumentedAttribute[Any], bool]]


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def encode_cursor(values: Sequence[Any]) -> str:
    raw = [{"t": v.isoformat()} if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")


def decode_cursor(cursor: str, size: int) -> list[Any]:
    """The ``size`` values of a cursor; a caller that does not pass them through
    ``after_cursor`` checks their types itself (a client can hand-edit a cursor)."""
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != size:
            raise ValueError
        values = [_time(v["t"]) if isinstance(v, dict) else v for v in raw]
        if any(isinstance(v, int) and not _SQL_INT_MIN <= v <= _SQL_INT_MAX for v in values):
            raise ValueError  # no database column holds it
        return values
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError) as exc:
        raise _bad_cursor() from exc


def _bad_cursor() -> Invalid:
    return Invalid("cursor is not one this server issued; start again without it")


def _time(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError  # this server writes aware times only
    return to_utc(value)


def _fits(value: Any, column: ColumnElement[Any] | InstrumentedAttribute[Any]) -> bool:
    """Whether a cursor value can be compared with ``column``: a hand-edited cursor of the
    wrong types would otherwise reach the database ("x" for a time, null for an id)."""
    sql_type: Any = column.type
    while isinstance(sql_type, TypeDecorator):  # UTCDateTime says "object"; its impl knows
        sql_type = sql_type.impl_instance
    try:
        kind = sql_type.python_type
    except NotImplementedError:
        return False
    if kind is object:
        return False  # nothing to check a value against: no cursor on such a column
    if kind is bool or isinstance(value, bool):
        return type(value) is kind
    if kind is float:
        return isinstance(value, int | float) and math.isfinite(value)
    if kind is str:
        return isinstance(value, str) and "\x00" not in value
    return isinstance(value, kind)


def _after(order: ExprOrder, values: Sequence[Any]) -> ColumnElement[bool]:
    column, descending = order[0]
    beyond: ColumnElement[bool] = column < values[0] if descending else column > values[0]
    if len(order) == 1:
        return beyond
    return or_(beyond, and_(column == values[0], _after(order[1:], values[1:])))


def after_cursor(order: ExprOrder, cursor: str) -> ColumnElement[bool]:
    """The rows that come after ``cursor`` in ``order``: a WHERE (or HAVING) condition."""
    values = decode_cursor(cursor, len(order))
    if not all(_fits(value, column) for value, (column, _) in zip(values, order, strict=True)):
        raise _bad_cursor()
    return _after(order, values)


def cut_page(rows: list[T], limit: int, key: Callable[[T], Sequence[Any]]) -> Page[T]:
    """A page of ``limit`` from up to ``limit + 1`` rows fetched in order; ``key`` gives the
    sort values of a row, which the next page's cursor carries."""
    if len(rows) <= limit:
        return Page(rows, None)
    return Page(rows[:limit], encode_cursor(key(rows[limit - 1])))


def _ordered(stmt: Select[*Ts], order: ExprOrder, cursor: str | None, limit: int) -> Select[*Ts]:
    if cursor:
        stmt = stmt.where(after_cursor(order, cursor))
    stmt = stmt.order_by(*(col.desc() if desc else col.asc() for col, desc in order))
    return stmt.limit(limit + 1)


def paginate(
    session: Session, stmt: Select[T], *, order: Order, limit: int, cursor: str | None
) -> Page[T]:
    rows = list(session.scalars(_ordered(stmt, order, cursor, limit)).unique())
    return cut_page(rows, limit, lambda last: [getattr(last, col.key) for col, _ in order])


def paginate_rows(
    session: Session,
    stmt: Select[*Ts],
    *,
    order: ExprOrder,
    limit: int,
    cursor: str | None,
    key: Callable[[Row[*Ts]], Sequence[Any]],
) -> Page[Row[*Ts]]:
    """``paginate`` for statements of several columns (an entity and what it is sorted by);
    ``key`` reads a row's values of ``order``."""
    rows = list(session.execute(_ordered(stmt, order, cursor, limit)).unique())
    return cut_page(rows, limit, key)
