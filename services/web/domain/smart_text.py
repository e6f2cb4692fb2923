"""The goals API's SMART words as the forms say them.

A team that requires SMART goals refuses a goal that fails the check with the reason "this team
requires SMART goals: specific, measurable" and, per field, each failed criterion's hint under
its key: "specific: Too short: use at least 3 words …".
"""

from __future__ import annotations

CRITERIA = {"specific": "Specific", "measurable": "Measurable", "achievable": "Achievable",
            "relevant": "Relevant", "time_bound": "Time-bound"}
REQUIRED = "this team requires SMART goals: "


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
        return f"Not yet {_criterion(key)}. {hint}"
    return message


def _criterion(key: str) -> str:
    return CRITERIA.get(key, key.replace("_", " ")).lower()


def _listed(words: list[str]) -> str:
    """"specific", "specific and measurable", "specific, measurable and relevant"."""
    return " and ".join(filter(None, (", ".join(words[:-1]), words[-1])))
