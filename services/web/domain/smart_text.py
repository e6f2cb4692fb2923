"""The goals API's SMART words as the forms say them.

A team that requires SMART goals refuses a goal that fails the check with the reason "this team
requires SMART goals: specific, measurable" and, per field, each failed criterion's hint under
its key: "specific: Too short: use at least 3 words …". A hint names the API's fields in
parentheses: "Say why this matters (why), or align it to a team goal (parent_id)."
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from services.web.domain.sentence import days_in_words

CRITERIA = {"specific": "Specific", "measurable": "Measurable", "achievable": "Achievable",
            "relevant": "Relevant", "time_bound": "Time-bound"}
REQUIRED = "this team requires SMART goals: "
FIELD_LABELS = {"why": "Why it matters", "parent_id": "Part of a team goal"}  # the form's


def hint_in_words(hint: str, say_day: Callable[[date], str] = date.isoformat) -> str:
    """A criterion's hint naming the New goal form's fields by their labels, not the API's
    names: "(parent_id)" -> "(“Part of a team goal”)", and its days as `say_day` writes
    them: "Due 2027-01-05, …" -> "Due Tue 05 Jan 2027, …"."""
    for name, label in FIELD_LABELS.items():
        hint = hint.replace(f"({name})", f"(“{label}”)")
    return days_in_words(hint, say_day)


def in_words(message: str) -> str:
    """A message of the goals API as a form says it: a failed criterion's hint as "Not yet
    specific. Too short: …", the SMART refusal as which criteria fail and where to look; any
    other message as it is."""
    if message.startswith(REQUIRED):
        failed = [_criterion(key) for key in message.removeprefix(REQUIRED).split(", ")]
        return (f"Your team requires SMART goals, and this goal is not yet "
                f"{_listed(failed)}: see the hints below.")
    key, colon, hint = message.partition(": ")
    if colon and key in CRITERIA:
        return f"Not yet {_criterion(key)}. {hint_in_words(hint)}"
    return message


def _criterion(key: str) -> str:
    return CRITERIA.get(key, key.replace("_", " ")).lower()


def _listed(words: list[str]) -> str:
    """"specific", "specific and measurable", "specific, measurable and relevant"."""
    return " and ".join(filter(None, (", ".join(words[:-1]), words[-1])))
