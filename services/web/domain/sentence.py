"""Starting a sentence the web app shows with a reason from an API or of its own, and writing
the API's days in it as the pages write them."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def upper_first(text: str) -> str:
    """`text` with its first character in upper case and every other one as written: "goal
    “Ship Q3 Plan” is missed" -> "Goal “Ship Q3 Plan” is missed" (`str.capitalize` and Jinja's
    `capitalize` would lowercase the rest: "goal “ship q3 plan” is missed")."""
    return text[:1].upper() + text[1:]


SENTENCE_ENDS = (".", "?", "!", "…")


def full_stop(text: str) -> str:
    """`text` (a sentence the page shows, ending with an API's reason) ended as a sentence: a
    full stop, unless it already ends in one or in "?", "!" or "…" ("Is Max still on the
    team?" stays so, not "…team?.")."""
    return text if text.endswith(SENTENCE_ENDS) else f"{text}."


def days_in_words(text: str, say_day: Callable[[date], str]) -> str:
    """`text` (an API's reason) with its ISO days as `say_day` writes them: "Must be on or
    before the goal's due date, 2027-01-05." -> "…, Tue 05 Jan 2027."; digits shaped like a
    day that is none stay as written."""
    return ISO_DAY.sub(lambda day: _day(day.group(0), say_day), text)


def _day(text: str, say_day: Callable[[date], str]) -> str:
    try:
        return say_day(date.fromisoformat(text))
    except ValueError:
        return text
