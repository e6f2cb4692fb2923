"""Cursor (keyset) pagination: `?limit=&cursor=`, answered with `items` and `next_cursor`."""

from __future__ import annotations

import base64
import json

from marshmallow import Schema, fields, validate

from shared.domain import BadRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class InvalidCursor(BadRequest):
    pass


class PageArgs(Schema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT))
    cursor = fields.String(load_default=None)


def encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list | None:
    if cursor is None:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, TypeError) as exc:
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page") from exc
    if not isinstance(values, list) or len(values) != arity:
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page")
    return values


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
