"""Field helpers for the request schemas: bounded, printable text; sane dates and numbers.

Bounds keep bad input a precise 422 instead of a database error (NUL bytes, overflows).
"""

from __future__ import annotations

import re
from datetime import date

from marshmallow import ValidationError, fields, validate

EARLIEST, LATEST = date(1970, 1, 1), date(2999, 12, 31)
MAX_ABS = 1e12
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
HHMM_RE = r"^([01]\d|2[0-3]):[0-5]\d$"


def printable(value: str) -> None:
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        raise ValidationError("Must not contain control characters.")


def Text(max_length: int, *, min_length: int = 0, **kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=[validate.Length(min_length, max_length), printable], **kwargs)


def Id(**kwargs) -> fields.String:  # noqa: N802
    return fields.String(validate=validate.Regexp(UUID_RE, error="Must be a goal or member id."),
                         **kwargs)


def Day(**kwargs) -> fields.Date:  # noqa: N802
    return fields.Date(validate=validate.Range(EARLIEST, LATEST), **kwargs)


def Number(**kwargs) -> fields.Float:  # noqa: N802
    return fields.Float(allow_nan=False, validate=validate.Range(-MAX_ABS, MAX_ABS), **kwargs)
