"""A form's text as the JSON values the services' APIs take."""

from __future__ import annotations

import math


def as_number(text: str, kind: type[int] | type[float]) -> int | float | str:
    """A form's number as the JSON number the API takes (the API reads a body's numbers
    strictly); text that is not one is passed on as it is, for the API to refuse by name."""
    try:
        number = kind(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text
