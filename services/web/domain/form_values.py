"""A form's text as the JSON values the services' APIs take."""

from __future__ import annotations

import math
import re

from shared.numbers import with_hyphen_minus

# a number grouped in thousands, as the pages write it (`shared.numbers.figure`): 1,250 +1,000.5
GROUPED = re.compile(r"\s*[+-]?\d{1,3}(,\d{3})+(\.\d+)?\s*")


def as_number(text: str, kind: type[int] | type[float]) -> int | float | str:
    """A form's number as the JSON number the API takes (the API reads a body's numbers
    strictly); text that is not one is passed on as it is, for the API to refuse by name.
    Commas grouping thousands ("1,250") are read as the pages write them; any other comma
    ("1,5": 1.5 or 15?) is not a number. A minus may be typed as any of
    `shared.numbers.MINUS_SIGNS` (`−3`), as in Slack."""
    typed = with_hyphen_minus(text)
    try:
        number = kind(typed.replace(",", "") if GROUPED.fullmatch(typed) else typed)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


def takes_figure(unit: str, form: dict, errors: dict) -> bool:
    """Whether a check-in form asks its goal for a figure: a goal with a metric (its `unit`),
    or a figure typed or refused already (the goal got a metric since the form was drawn). A
    goal without a metric takes none: its milestones make its progress."""
    return bool(unit or any(form.get(name) or errors.get(name) for name in ("value", "delta")))
