"""Between the close and milestone forms' fields and the goals API's bodies, both ways."""

from __future__ import annotations

from services.web.domain import smart_text
from services.web.domain.sentence import full_stop
from services.web.domain.status_text import GOAL_STATUSES
from shared.goal_statuses import CLOSED

CLOSE_FIELDS = ("outcome", "retrospective", "replaced_by")
MILESTONE_FIELDS = ("title", "due_date")
IDEMPOTENCY_KEY = "Idempotency-Key"
OUTCOMES = tuple((status, GOAL_STATUSES[status]) for status in CLOSED)


def typed(form: dict[str, str], names: tuple[str, ...]) -> dict[str, str]:
    """What the member typed in the form's fields, as typed (kept when the API refuses it)."""
    return {name: form.get(name, "") for name in names}


def closing_from_form(form: dict[str, str]) -> dict:
    """The close form as `POST /v1/goals/{id}/close` takes it: an empty "replaced by" is none,
    and a line break is one character, as the textarea's `maxlength` counts it (a browser
    sends CRLF)."""
    retrospective = form["retrospective"].replace("\r\n", "\n").strip()
    return {"outcome": form["outcome"], "retrospective": retrospective,
            "replaced_by": form["replaced_by"] or None}


CLOSED_BEFORE = ("This form was already sent with other values, and the goal was closed with "
                 "those: its page shows them. Reopen the goal to close it otherwise.")


def close_refused(typed_form: dict[str, str], detail: str,
                  api_errors: dict[str, list[str]]) -> tuple[dict, dict[str, list[str]]]:
    """The close form as it shows again after a refusal, and its errors. A key used with other
    values: the goal was closed then, with what was sent first (`resent_with_other_values`);
    under a new key, a resend is refused by the goal's status rather than by its key."""
    return (resent_with_other_values(typed_form, api_errors, CLOSED_BEFORE)
            or (typed_form, refusal_errors(detail, api_errors, CLOSE_FIELDS)))


def milestone_from_form(form: dict[str, str]) -> dict:
    """The new-milestone form as `POST /v1/goals/{id}/milestones` takes it: no date is none."""
    return {"title": form["title"].strip(), "due_date": form["due_date"] or None}


def milestone_refused(typed_form: dict[str, str], detail: str,
                      api_errors: dict[str, list[str]]) -> tuple[dict, dict[str, list[str]]]:
    """The new-milestone form as it shows again after a refusal, and its errors (a key used
    with other values: `resent_with_other_values`)."""
    return (resent_with_other_values(typed_form, api_errors, added_before("milestone"))
            or (typed_form, refusal_errors(detail, api_errors, MILESTONE_FIELDS)))


def milestone_refusal_without_form(typed_form: dict[str, str],
                                   errors: dict[str, list[str]]) -> str:
    """A refused milestone's `errors` (`milestone_refused`) said in one line, for a goal page
    that no longer offers the form (the goal was closed meanwhile): "The milestone “Draft the
    plan” was not added: goal “Read” is dropped; reopen it before …"."""
    reasons = " ".join(why for messages in errors.values() for why in messages)
    return full_stop(f"The milestone “{typed_form['title'].strip()}” was not added: {reasons}")


def added_before(made: str, listed: str = "it is") -> str:
    """What an adding form says when it was sent before with other values and that `made`
    (milestone, member, channel) was added then, which the page lists."""
    return (f"This form was already sent with other values, and that {made} was added: {listed} "
            "in the list above. Send the form again to add this one as well.")


def resent_with_other_values(typed_form: dict[str, str], api_errors: dict[str, list[str]] | None,
                             sentence: str, field: str = "_"
                             ) -> tuple[dict, dict[str, list[str]]] | None:
    """A form refused because its key was used with other values: it was sent before (a save
    that timed out) and did then what `sentence` says, shown at `field` (above the form, "_",
    unless given). The form keeps what was typed under a new key, so sending it again is a new
    request; None for any other refusal."""
    if IDEMPOTENCY_KEY not in (api_errors or {}):
        return None
    return {**typed_form, "idempotency_key": ""}, {field: [sentence]}


def refusal_errors(detail: str, api_errors: dict[str, list[str]],
                   fields: tuple[str, ...]) -> dict[str, list[str]]:
    """A refusal as the form shows it: the API's messages beside the fields they name (a nested
    field, `metric.target`, is the form's `metric_target`), the rest (and the API's reason when
    it names no field) above the form; SMART words as `smart_text` says them."""
    errors = field_errors(api_errors, fields)
    reason = smart_text.in_words(detail)
    if (not errors or "_" in errors) and reason not in errors.get("_", []):
        errors.setdefault("_", []).insert(0, reason)
    return errors


def field_errors(api_errors: dict[str, list[str]],
                 fields: tuple[str, ...]) -> dict[str, list[str]]:
    """The API's messages by the form's field they name (`metric.target` is `metric_target`),
    under "_" when the form has no such field; SMART words as `smart_text` says them."""
    errors: dict[str, list[str]] = {}
    for name, messages in api_errors.items():
        field = name.replace(".", "_")
        errors.setdefault(field if field in fields else "_", []).extend(
            map(smart_text.in_words, messages))
    return errors
