"""Starting a sentence the web app shows with a reason from an API or of its own."""

from __future__ import annotations


def upper_first(text: str) -> str:
    """`text` with its first character in upper case and every other one as written: "goal
    “Ship Q3 Plan” is missed" -> "Goal “Ship Q3 Plan” is missed" (`str.capitalize` and Jinja's
    `capitalize` would lowercase the rest: "goal “ship q3 plan” is missed")."""
    return text[:1].upper() + text[1:]
