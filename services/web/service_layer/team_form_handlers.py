"""Between the team settings form and the goals (team, cadence) and notifications (digest) APIs."""

from __future__ import annotations

from services.web.adapters.api_client import FormErrors, MemberApi, ServiceUnavailable
from services.web.domain.form_values import as_number
from services.web.domain.sentence import full_stop
from services.web.service_layer.lifecycle_form_handlers import (
    added_before,
    resent_with_other_values,
)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
FREQUENCIES = ("daily", "weekly", "biweekly", "monthly")


def form_from(team: dict, digest) -> dict:
    cadence = team.get("default_cadence") or {}
    form = {"require_smart": team.get("require_smart", False),
            "frequency": cadence.get("frequency", ""), "weekday": cadence.get("weekday"),
            "time": cadence.get("time", "09:00")}
    if digest:
        form.update(digest_enabled=digest["enabled"], digest_weekday=digest["weekday"],
                    digest_hour=digest["hour"])
    return form


def team_changes(form: dict) -> dict:
    cadence = None
    if form.get("frequency"):
        weekly = form["frequency"] in ("weekly", "biweekly")
        cadence = {"frequency": form["frequency"], "time": form.get("time") or "09:00",
                   "weekday": as_number(form.get("weekday") or "0", int) if weekly else None}
    return {"require_smart": form.get("require_smart") == "on", "default_cadence": cadence}


def save(api: MemberApi, team_id: str, form: dict) -> None:
    """Save the settings form all or nothing: the goals part (SMART requirement, cadence), then
    the digest when its part was on the page. The two live in two services, so a digest that
    notifications refuses (`FormErrors`) or cannot take (`ServiceUnavailable`) puts the goals
    part back as it was before raising: a refusal saves nothing."""
    if "digest_weekday" not in form:  # notifications was down when the page was drawn
        api.update_team(team_id, team_changes(form))
        return
    before = api.team(team_id)
    api.update_team(team_id, team_changes(form))
    try:
        api.set_digest_settings(team_id, digest_changes(form))
    except (FormErrors, ServiceUnavailable):
        api.update_team(team_id, {"require_smart": before["require_smart"],
                                  "default_cadence": before.get("default_cadence")})
        raise


def digest_changes(form: dict) -> dict:
    return {"enabled": form.get("digest_enabled") == "on",
            "weekday": as_number(form.get("digest_weekday") or "0", int),
            "hour": as_number(form.get("digest_hour") or "9", int)}


def form_errors(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    names = {"default_cadence.time": "time", "default_cadence.weekday": "weekday",
             "default_cadence.frequency": "frequency", "weekday": "digest_weekday",
             "hour": "digest_hour"}
    out: dict[str, list[str]] = {}
    for name, messages in errors.items():
        out.setdefault(names.get(name, "_"), []).extend(messages)
    return out


def change_errors(refused) -> list[str]:
    """What a refused change to a member says on that member's row: the API's reasons, field
    by field, or its summary, ended as a sentence, when it gave none."""
    return [m for messages in (refused.errors or {}).values() for m in messages] \
        or [full_stop(refused.detail)]


def add_member_refused(typed: dict, detail: str,
                       api_errors: dict[str, list[str]]) -> tuple[dict, dict[str, list[str]]]:
    """The Add member form as it shows again after a refusal, and its errors (a key used with
    other values: `resent_with_other_values`)."""
    return (resent_with_other_values(typed, api_errors, added_before("member", "they are"))
            or (typed, api_errors or {"_": [detail]}))


def channel_refused(typed_form: dict[str, str], detail: str,
                    api_errors: dict[str, list[str]]) -> tuple[dict, dict[str, list[str]]]:
    """The Add a channel form as it shows again after a refusal, and its errors (a key used
    with other values: `resent_with_other_values`)."""
    return (resent_with_other_values(typed_form, api_errors, added_before("channel"))
            or (typed_form, api_errors or {"_": [detail]}))
