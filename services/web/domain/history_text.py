"""A goal's history entry as the goal page says it: in words, not the goals API's names.

The goals API keeps each entry as an action (`progressed`, `milestone_completed`, `dropped`)
and its changes as {field: [before, after]} under the API's field names (`metric.current`).
"""

from __future__ import annotations

from shared.numbers import figure

ACTIONS = {"activated": "activated", "achieved": "marked achieved",
           "partial": "closed as partly reached", "missed": "closed as missed",
           "dropped": "closed as dropped", "progressed": "checked in",
           "progress_rolled_up": "progress updated from its sub-goals",
           "timezone_changed": "time zone changed", "milestone_added": "milestone added",
           "milestone_completed": "milestone done", "milestone_reopened": "milestone reopened",
           "milestones_reordered": "milestones reordered", "pathway_added": "pathway added",
           "pathway_switched": "pathway switched"}
FIELDS = {"metric": "measure", "parent_id": "parent goal", "parent_weight": "weight in its parent",
          "due_date": "due date", "start_date": "start date", "why": "why it matters"}
SHOWN = {"metric.current": "value", "progress": "progress", "timezone": "time zone"}


def history_line(action: str, changes: dict) -> str:
    """The entry in words: "checked in: value 5 → 8", "milestone done: “Write the spec”",
    "updated: title, due date"."""
    words = ACTIONS.get(action, action.replace("_", " "))
    if action == "activated" and (changes.get("status") or ["draft"])[0] != "draft":
        words = "reopened"
    if "milestone" in changes or "pathway" in changes:
        before, after = changes.get("milestone") or changes["pathway"]
        return f"{words}: “{after if before is None else before}”"
    if action == "updated":
        return f"{words}: " + ", ".join(FIELDS.get(name, name.replace("_", " "))
                                          for name in changes)
    shown = [f"{SHOWN[name]} {_value(name, before)} → {_value(name, after)}"
             for name, (before, after) in changes.items() if name in SHOWN]
    return f"{words}: {', '.join(shown)}" if shown else words


def _value(name: str, value) -> str:
    if value is None:
        return "none"
    if name == "progress":
        return f"{round(float(value) * 100)}%"
    return figure(value) if isinstance(value, int | float) else str(value)
