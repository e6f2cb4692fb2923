"""Between the new-goal form's flat fields and the goals API's nested JSON, both ways."""

from __future__ import annotations

from services.web.domain import smart_text
from services.web.domain.form_values import as_number
from services.web.domain.sentence import full_stop
from services.web.service_layer.lifecycle_form_handlers import (
    IDEMPOTENCY_KEY,
    field_errors,
    refusal_errors,
)

FIELDS = ("title", "description", "why", "kind", "parent_id", "start_date", "due_date",
          "visibility", "metric_unit", "metric_start", "metric_target", "metric_direction")
METRIC = {"metric_unit": "unit", "metric_start": "start", "metric_target": "target"}


def draft_from_form(form: dict[str, str]) -> dict:
    """The goal the form describes, as `POST /v1/goals` and `/v1/goals/assess` take it."""
    draft: dict = {name: form[name] for name in ("title", "description", "why", "parent_id")
                   if form.get(name)}
    for name in ("start_date", "due_date"):
        if form.get(name):
            draft[name] = form[name]
    if form.get("kind") == "team":
        draft["kind"] = "team"
    if form.get("visibility") in ("team", "private"):
        draft["visibility"] = form["visibility"]
    if any(form.get(name) for name in METRIC):
        draft["metric"] = {key: form.get(name, "") for name, key in METRIC.items()}
        draft["metric"]["current"] = form.get("metric_start") or "0"
        for key in ("start", "target", "current"):
            draft["metric"][key] = as_number(draft["metric"][key], float)
        if form.get("metric_direction"):
            draft["metric"]["direction"] = form["metric_direction"]
    return draft


def parent_choices(team_goals: list[dict]) -> list[dict]:
    """The goals a new goal can be aligned to, by title: `team_goals`, the draft or active
    team goals the member sees (goals refuses a personal one as a parent)."""
    return sorted(team_goals, key=lambda g: g["title"])


def checkin_from_form(form: dict[str, str]) -> dict:
    """The check-in form's filled-in fields, as `POST /v1/goals/{id}/checkins` takes them."""
    kinds = {"value": float, "delta": float, "confidence": int}
    return {name: as_number(value, kinds[name]) if name in kinds else value
            for name, value in form.items() if value != ""}


def checkin_errors(detail: str, api_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """A refused check-in's errors as the form shows them. Its key used with other values means
    the form was sent before (a save that timed out) and the first one was logged."""
    if IDEMPOTENCY_KEY in api_errors:
        return {"_": ["This form was already sent with other values, and that check-in was "
                      "saved. Reload the page to see it before checking in again."]}
    return api_errors or {"_": [checkin_refused(detail)]}


def checkin_refused(detail: str) -> str:
    """What the check-in form says of a refusal that names no field (the API's `detail`:
    "goal “Read” is dropped; only active goals take check-ins")."""
    return full_stop(f"Your check-in was not saved: {detail}")


def checkin_refusal_without_form(errors: dict[str, list[str]]) -> str:
    """A refused check-in's `errors` (`checkin_errors`) said in one line, for a page that no
    longer shows the form they belong to (My week, once the goal has left it): the reason the
    form would show above it, else its fields' reasons after "Your check-in was not saved"."""
    if errors.get("_"):
        return " ".join(errors["_"])
    return checkin_refused(" ".join(why for field in errors.values() for why in field))


KEY_REUSED = ("This form was already sent with other values, and that goal was created. See "
              "it on the board before creating it again.")


def form_errors(api_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The API's field names (`metric.target`) as the form's (`metric_target`), its SMART
    hints in words (`smart_text`). The form's key
    used with other values means it was sent before (a save that timed out) and the goal was
    created then."""
    if IDEMPOTENCY_KEY in api_errors:
        return {"_": [KEY_REUSED]}
    return field_errors(_current_as_start(api_errors), FIELDS)


def create_errors(detail: str, api_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """A refused new goal's errors as the form shows them (`form_errors`), the API's reason
    first above the form unless every message has its field (`refusal_errors`)."""
    if IDEMPOTENCY_KEY in api_errors:
        return {"_": [smart_text.in_words(detail), KEY_REUSED]}
    return refusal_errors(detail, _current_as_start(api_errors), FIELDS)


def _current_as_start(api_errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """The API's errors with those of `metric.current` as Start's: the form sends its Start as
    the goal's current figure too (`draft_from_form`), so they are Start's, each said once."""
    current = api_errors.get("metric.current")
    if not current:
        return api_errors
    errors = {name: messages for name, messages in api_errors.items()
              if name != "metric.current"}
    start = errors.get("metric.start", [])
    errors["metric.start"] = start + [m for m in current if m not in start]
    return errors


def template_parameters(form: dict[str, str]) -> dict:
    """A template form's filled-in parameters; whole numbers as numbers (the API types them).
    `isdecimal`, not `isdigit`: a superscript "²" is a digit that `int` refuses."""
    return {name: int(value) if value.isdecimal() else value for name, value in form.items()
            if name not in ("csrf_token", "idempotency_key") and value != ""}
