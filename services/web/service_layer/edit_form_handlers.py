"""Between the Edit goal form's fields and `PATCH /v1/goals/{id}`, both ways."""

from __future__ import annotations

from services.web.domain.form_values import as_number

FIELDS = ("title", "description", "due_date", "metric_target")
AS_READ = ("version", "metric_unit", "metric_start", "metric_direction")  # hidden fields


def form_of(goal: dict, with_metric: bool) -> dict[str, str]:
    """The form filled in with the goal as read: what it changes, and the goal's version (sent
    back as If-Match). `with_metric`, on a metric goal, adds its target and, hidden, the metric's
    other parts (a PATCH sends the whole metric)."""
    form = {"title": goal["title"], "description": goal.get("description") or "",
            "due_date": goal.get("due_date") or "", "version": str(goal["version"])}
    metric = goal.get("metric")
    if with_metric and metric:
        form.update(metric_target=_typed(metric["target"]), metric_unit=metric["unit"],
                    metric_start=_typed(metric["start"]), metric_direction=metric["direction"])
    return form


def as_read_now(typed: dict[str, str], goal: dict, with_metric: bool) -> dict[str, str]:
    """What was typed, over the goal as it is now: sent again, it changes the goal as it is."""
    now = form_of(goal, with_metric)
    return {**now, **{name: typed[name] for name in FIELDS if name in typed and name in now}}


def typed(form: dict[str, str]) -> dict[str, str]:
    """The form's fields as typed (the target and the metric's parts only when it had them)."""
    return {name: form[name] for name in (*FIELDS, *AS_READ) if name in form}


def changes_from_form(form: dict[str, str]) -> dict:
    """The form as `PATCH /v1/goals/{id}` takes it: a line break is one character (a browser
    sends CRLF); a target, when the form had one, goes with the metric it belongs to."""
    changes: dict = {"title": form.get("title", "").strip(),
                     "description": form.get("description", "").replace("\r\n", "\n").strip(),
                     "due_date": form.get("due_date", "")}
    if "metric_target" in form:
        changes["metric"] = {"unit": form.get("metric_unit", ""),
                             "start": as_number(form.get("metric_start", ""), float),
                             "target": as_number(form["metric_target"].strip(), float),
                             "direction": form.get("metric_direction", "")}
    return changes


def _typed(value: float) -> str:
    """A number as a member would type it: every digit kept, no ".0" on a whole one."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
