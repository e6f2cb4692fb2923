"""The check-in modal's submitted values, read from Slack's `view.state.values`, and checked.

Errors are keyed by the input's `block_id`, as Slack's `response_action: errors` wants them, so
each shows under its own field in the modal. A number is read by `read_number`, as the slash
command reads its value too.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from services.notifications.domain.slack_blocks import CONFIDENCE, NOTE, NOTE_LIMIT, VALUE
from shared.numbers import FIGURE_BOUND, figure, figure_range, with_hyphen_minus
from shared.storable import unstorable


@dataclass(frozen=True)
class CheckinForm:
    value: float | None  # None from the modal of a goal without a metric (it asks for none)
    confidence: int | None
    note: str


# 1,500: 1500 (a comma grouping thousands) or 1.5 (a decimal comma)? A point is always a
# decimal point, as in every number Goalkeeper writes (1,234.5), so 1.500 is 1.5.
AMBIGUOUS = re.compile(r"[+-]?[1-9][0-9]{0,2},[0-9]{3}")
GROUPED = re.compile(r"[+-]?[1-9][0-9]{0,2}(,[0-9]{3})+(\.[0-9]+)?")  # 1,500,000 or 1,234.5
DECIMAL_COMMA = re.compile(r"[+-]?[0-9]*,[0-9]+")  # 4,5


class NotANumber(ValueError):
    """`reason` follows the text as typed: "“1,500” could be 1500 or 1.5: …"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class OutOfRange(NotANumber):
    """A number, but beyond what a goal's figure can be (`FIGURE_BOUND`)."""


def read_number(raw: str) -> float:
    """A number as members type it: `12`, `4.5`, `1.234` (a point is always a decimal point),
    `4,5` (a decimal comma), `1,234.5` or `1,500,000` (commas grouping thousands). One to three
    digits, a single comma and three more (`1,500`) are refused, saying how to write each
    reading: that is 1500 to some and 1.5 to others, and logging the wrong one silently is
    worse than asking. An underscore is no part of a number here (`1_5` is not 15, as float()
    would read it). A minus may be typed as any of `shared.numbers.MINUS_SIGNS`: `−3` is -3."""
    text = with_hyphen_minus(raw.strip())
    if "_" in text:
        raise NotANumber("is not a number")
    if AMBIGUOUS.fullmatch(text):
        whole, decimal = text.replace(",", ""), figure(float(text.replace(",", ".")))
        raise NotANumber(f"could be {whole} or {decimal}: write {whole} without the comma, "
                         f"or {decimal} with a point")
    if GROUPED.fullmatch(text):
        text = text.replace(",", "")
    elif DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError as exc:
        raise NotANumber("is not a number") from exc
    if not math.isfinite(value):
        raise NotANumber("is not a usable number")
    if abs(value) > FIGURE_BOUND:
        raise OutOfRange("is beyond what a goal's figure can be ({} to {})".format(
            *figure_range()))
    return value


def too_long(note: str) -> str | None:
    """Why `note` is longer than a check-in from Slack takes (the modal's input holds
    `NOTE_LIMIT` characters; the slash command takes as many), or None."""
    if len(note) > NOTE_LIMIT:
        return f"Keep the note to {NOTE_LIMIT} characters (it has {len(note)})."
    return None


class InvalidForm(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _input(values: dict, block: str) -> dict:
    return (values.get(block) or {}).get(block) or {}


NOTE_WANTED = "Say what you did: this goal has no metric, so the note is the check-in."


def _value(values: dict, errors: dict[str, str]) -> float | None:
    raw = (_input(values, VALUE).get("value") or "").strip()
    if not raw:
        errors[VALUE] = "Enter the metric's value now, e.g. 12 or 4.5."
        return math.nan
    try:
        return read_number(raw)
    except NotANumber as exc:
        errors[VALUE] = f"“{raw[:40]}” {exc.reason}. Enter e.g. 12 or 4.5."
        return math.nan


def whole_form_field(values: dict) -> str:
    """The input a refusal of the whole form is shown under (Slack shows an error only under
    an input its modal has): the value's when the modal asked for one, else the note's."""
    return VALUE if VALUE in values else NOTE


def read_form(values: dict) -> CheckinForm:
    """The form's content, or InvalidForm with one message per faulty field. It reads what its
    modal asked (`slack_blocks.checkin_modal`): a value when it had the value field (a goal
    with a metric), else none and a note it requires."""
    errors: dict[str, str] = {}
    value = _value(values, errors) if VALUE in values else None
    selected = _input(values, CONFIDENCE).get("selected_option") or {}
    confidence = None
    if selected:
        try:
            confidence = int(selected.get("value", ""))
        except ValueError:
            confidence = 0
        if not 1 <= confidence <= 5:
            errors[CONFIDENCE] = "Pick a confidence from 1 to 5."
    note = _input(values, NOTE).get("value") or ""
    if VALUE not in values and not note.strip():
        errors[NOTE] = NOTE_WANTED
    elif reason := too_long(note):
        errors[NOTE] = reason
    elif reason := unstorable(note):
        errors[NOTE] = f"{reason[:-1]}: type the note again without it."
    if errors:
        raise InvalidForm(errors)
    return CheckinForm(value, confidence, note.strip())
