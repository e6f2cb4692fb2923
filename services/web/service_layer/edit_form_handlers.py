"""Between the Edit goal form's fields and `PATCH /v1/goals/{id}`, both ways."""

from __future__ import annotations

from services.web.adapters.api_client import MemberApi, Stale
from services.web.domain.form_values import as_number

FIELDS = ("title", "description", "due_date", "metric_target")
METRIC_PARTS = ("metric_unit", "metric_start", "metric_direction")  # a PATCH sends them too
READ = "read_"  # the hidden field with a field's value as the form was drawn: read_title
AS_READ = ("version", *METRIC_PARTS, *(READ + name for name in FIELDS))  # hidden fields


def form_of(goal: dict, with_metric: bool) -> dict[str, str]:
    """The form filled in with the goal as read: what it changes, each also as read (hidden,
    `read_<field>`), and the goal's version (sent back as If-Match). `with_metric`, on a
    metric goal, adds its target and, hidden, the metric's other parts (a PATCH sends the
    whole metric)."""
    form = {"title": goal["title"], "description": goal.get("description") or "",
            "due_date": goal.get("due_date") or "", "version": str(goal["version"])}
    metric = goal.get("metric")
    if with_metric and metric:
        form.update(metric_target=_typed(metric["target"]), metric_unit=metric["unit"],
                    metric_start=_typed(metric["start"]), metric_direction=metric["direction"])
    return {**form, **{READ + name: form[name] for name in FIELDS if name in form}}


def as_read_now(typed: dict[str, str], goal: dict, with_metric: bool) -> dict[str, str]:
    """What was typed over the goal as it is now: a field the member changed keeps what they
    typed, one they left as drawn shows its value now. Sent again, it changes the goal as it is."""
    now = form_of(goal, with_metric)
    return {**now, **{name: typed[name] for name in FIELDS
                      if name in typed and name in now and _changed_by_member(typed, name)}}


def typed(form: dict[str, str]) -> dict[str, str]:
    """The form's fields as typed (the target and the metric's parts only when it had them)."""
    return {name: form[name] for name in (*FIELDS, *AS_READ) if name in form}


def save(api: MemberApi, goal_id: str, form: dict[str, str]) -> None:
    """Change the goal as the form says, if it is still at the form's version. When it is not
    (`Stale`, the API's 412) but everything the form edits still has the value the form was
    drawn from (a check-in moved the version), it is sent once more at the version now;
    otherwise, or if it moved again meanwhile, `Stale` is raised and nothing is saved. A form
    whose version is not a number (not one this app drew) is as stale as one drawn long ago."""
    changes = changes_from_form(form)
    version = form.get("version", "")
    try:
        if not (version.isascii() and version.isdigit()):
            raise Stale("the form does not say which version of the goal it was drawn from")
        api.edit_goal(goal_id, changes, version)
    except Stale:
        now = api.goal(goal_id)
        if not untouched(form, now):
            raise
        api.edit_goal(goal_id, changes, now["version"])


def untouched(form: dict[str, str], goal: dict) -> bool:
    """Whether `goal` as it is now has, for every field the form edits (and the metric's parts
    it sends back), the value the form was drawn from. A field without its as-read value
    counts as changed."""
    now = form_of(goal, with_metric=True)
    drawn = {name: form.get(READ + name) for name in FIELDS if name in form}
    drawn.update({name: form[name] for name in METRIC_PARTS if name in form})
    return all(value is not None and _one_line_break(value) == _one_line_break(now.get(name))
               for name, value in drawn.items())


def changes_from_form(form: dict[str, str]) -> dict:
    """The form as `PATCH /v1/goals/{id}` takes it: a line break is one character (a browser
    sends CRLF); a target, when the form had one, goes with the metric it belongs to."""
    changes: dict = {"title": form.get("title", "").strip(),
                     "description": _one_line_break(form.get("description", "")).strip(),
                     "due_date": form.get("due_date", "")}
    if "metric_target" in form:
        changes["metric"] = {"unit": form.get("metric_unit", ""),
                             "start": as_number(form.get("metric_start", ""), float),
                             "target": as_number(form["metric_target"].strip(), float),
                             "direction": form.get("metric_direction", "")}
    return changes


def _changed_by_member(form: dict[str, str], name: str) -> bool:
    """Whether the member typed something else than the field's value as drawn (a form drawn
    without it counts as changed)."""
    read = form.get(READ + name)
    return read is None or _one_line_break(form[name]) != _one_line_break(read)


def _one_line_break(text: str | None) -> str | None:
    """`text` with a browser's CRLF line breaks as the one character the API keeps."""
    return None if text is None else text.replace("\r\n", "\n")


def _typed(value: float) -> str:
    """A number as a member would type it: every digit kept, no ".0" on a whole one."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))
