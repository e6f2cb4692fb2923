"""The check-in modal's submitted values, read from Slack's `view.state.values`, and checked.

Errors are keyed by the input's `block_id`, as Slack's `response_action: errors` wants them, so
each shows under its own field in the modal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.notifications.domain.slack_blocks import CONFIDENCE, NOTE, NOTE_LIMIT, VALUE


@dataclass(frozen=True)
class CheckinForm:
    value: float
    confidence: int | None
    note: str


class InvalidForm(Exception):
    def __init__(self, errors: dict[str, str]):
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def _input(values: dict, block: str) -> dict:
    return (values.get(block) or {}).get(block) or {}


def read_form(values: dict) -> CheckinForm:
    """The form's content, or InvalidForm with one message per faulty field."""
    errors: dict[str, str] = {}
    raw = (_input(values, VALUE).get("value") or "").strip()
    value = math.nan
    try:
        value = float(raw.replace(",", ".")) if raw else math.nan
    except ValueError:
        pass
    if not raw:
        errors[VALUE] = "Enter the metric's value now, e.g. 12 or 4.5."
    elif not math.isfinite(value):
        errors[VALUE] = f"“{raw[:40]}” is not a number. Enter e.g. 12 or 4.5."
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
    if len(note) > NOTE_LIMIT:
        errors[NOTE] = f"Keep the note under {NOTE_LIMIT} characters."
    if errors:
        raise InvalidForm(errors)
    return CheckinForm(value, confidence, note.strip())
