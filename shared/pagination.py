"""Cursor (keyset) pagination: `?limit=&cursor=`, answered with `items` and `next_cursor`."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

from marshmallow import Schema, fields, validate

from shared.domain import BadRequest
from shared.storable import unstorable

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
BAD_CURSOR = "cursor is not valid; pass next_cursor from a previous page"
LARGEST = 2**63 - 1  # the widest integer column either engine compares with


class InvalidCursor(BadRequest):
    pass


class PageArgs(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(load_default=None)


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list | None:
    """The `arity` values of a cursor: strings a database can store (`shared.storable`) and
    integers it can compare, whatever a client made of it (400 otherwise)."""
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError, RecursionError) as exc:  # lists nested past the stack
        raise InvalidCursor(BAD_CURSOR) from exc
    if not isinstance(values, list) or len(values) != arity or not all(map(_usable, values)):
        raise InvalidCursor(BAD_CURSOR)
    return values


def _usable(value) -> bool:
    if isinstance(value, str):
        return unstorable(value) is None
    return type(value) is int and -LARGEST <= value <= LARGEST


def cursor_moment(raw: object) -> datetime:
    """A cursor's moment: an ISO 8601 time with its UTC offset, as UTC (400 otherwise, one
    that UTC cannot hold, as 9999-12-31T23:59-14:00, included)."""
    try:
        moment = datetime.fromisoformat(raw)
        if moment.tzinfo is None:
            raise ValueError("a cursor's moment has its UTC offset")
        return moment.astimezone(UTC)
    except (TypeError, ValueError, OverflowError) as exc:
        raise InvalidCursor(BAD_CURSOR) from exc


def decode_moment_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    """A `(moment, id)` cursor: a time in ISO 8601 with its UTC offset (`cursor_moment`) and
    an id (400 otherwise)."""
    after = decode_cursor(cursor, 2)
    if after is None:
        return None
    moment, row_id = after
    if not isinstance(row_id, str):
        raise InvalidCursor(BAD_CURSOR)
    return cursor_moment(moment), row_id


def page_of(rows: list, limit: int, key) -> tuple[list, str | None]:
    """Split `limit + 1` fetched rows into a page and the cursor of the next one."""
    if len(rows) <= limit:
        return rows, None
    page = rows[:limit]
    return page, encode_cursor(list(key(page[-1])))


def page_schema(item_schema: type[Schema], name: str) -> type[Schema]:
    return type(
        name,
        (Schema,),
        {
            "items": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True),
        },
    )
