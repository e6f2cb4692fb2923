"""A catalogue of goal templates from the practice, each turning parameters into a SMART draft.

A template's `build(params, today)` returns the fields of a goal: title, description, due date,
a metric or milestones, and a cadence. Parameters are validated by the entrypoint's schema,
strings to the `max_length` their parameter declares (a parameter that becomes the metric's
unit is no longer than a unit may be).
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Parameter:
    name: str
    type: str  # integer | string | date
    description: str
    default: object = None
    max_length: int = 100  # a string's, in characters



@dataclass(frozen=True)
class Template:
    key: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    build: Callable[[dict, date], dict]

    def refusal(self, errors: dict[str, list[str]]) -> str:
        """Why its values were refused, as a member reads it: each parameter by its label
        (the one its form shows), in the template's order: "Some values were not accepted.
        How many: Not a valid integer. Last day: Must be after today." `errors` are keyed
        `parameters.<name>`, as the API gives them; a name it does not take stays a name."""
        labels = {f"parameters.{p.name}": p.description for p in self.parameters}
        order = list(labels)
        keys = sorted(errors, key=lambda k: order.index(k) if k in labels else len(order))
        said = " ".join(f"{labels.get(k) or k.removeprefix('parameters.')}: "
                        f"{' '.join(errors[k])}" for k in keys)
        return f"Some values were not accepted. {said}"


def _metric(unit: str, target: float) -> dict:
    return {"unit": unit, "start": 0.0, "target": float(target), "current": 0.0,
            "direction": "increase"}


def _weekly() -> dict:
    return {"frequency": "weekly", "weekday": 0, "day_of_month": None, "time": "09:00"}


def _apply_roles(p: dict, today: date) -> dict:
    weeks = max(1, -(-((p["until"] - today).days + 1) // 7))
    return {"title": f"Apply to {p['n']} roles each week until {p['until'].isoformat()}",
            "description": f"{p['n']} applications a week for {weeks} weeks.",
            "due_date": p["until"], "metric": _metric("applications", p["n"] * weeks),
            "cadence": _weekly()}


def _interviews(p: dict, today: date) -> dict:
    last_day = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if last_day <= today:
        last_day = today + timedelta(days=1)
    return {"title": f"Hold {p['n']} informational interviews this month",
            "description": "Talk to people doing the work you want to do next.",
            "due_date": last_day, "metric": _metric("interviews", p["n"]), "cadence": _weekly()}


def _course(p: dict, today: date) -> dict:
    return {"title": f"Finish the {p['course']} course by {p['by'].isoformat()}",
            "description": f"Complete all {p['modules']} modules.", "due_date": p["by"],
            "metric": _metric("modules", p["modules"]), "cadence": _weekly()}


def _certification(p: dict, today: date) -> dict:
    span = (p["by"] - today).days
    steps = ["Book the exam date", "Finish the study plan", "Pass a practice exam",
             f"Pass the {p['certification']} exam"]
    due = [today + timedelta(days=max(1, span * (i + 1) // len(steps))) for i in range(4)]
    return {"title": f"Earn the {p['certification']} certification",
            "description": "Study, practise, then sit the exam.", "due_date": p["by"],
            "milestones": [{"title": t, "due_date": d} for t, d in zip(steps, due, strict=True)],
            "cadence": _weekly()}


def _publish(p: dict, today: date) -> dict:
    return {"title": f"Publish {p['n']} {p['kind']} by {p['by'].isoformat()}",
            "description": "Make the work visible: posts, talks, demos or papers.",
            "due_date": p["by"], "metric": _metric(p["kind"], p["n"]), "cadence": _weekly()}


UNIT_LENGTH = 50  # a metric's unit, as the API takes it and the database keeps it
N = Parameter("n", "integer", "How many")
TEMPLATES = {t.key: t for t in (
    Template("apply-to-roles", "Apply to N roles each week until DATE",
             "A steady job search.", (N, Parameter("until", "date", "Last day")), _apply_roles),
    Template("informational-interviews", "Hold N informational interviews this month",
             "Learn a field from the people in it.", (N,), _interviews),
    Template("finish-course", "Finish the X course by DATE", "Complete a course.",
             (Parameter("course", "string", "The course"), Parameter("by", "date", "Due date"),
              Parameter("modules", "integer", "Modules in the course", 10)), _course),
    Template("earn-certification", "Earn the Y certification", "Study for and pass an exam.",
             (Parameter("certification", "string", "The certification"),
              Parameter("by", "date", "Exam deadline")), _certification),
    Template("publish-work", "Publish N pieces of work", "Show your work in public.",
             (N, Parameter("by", "date", "Due date"),
              Parameter("kind", "string", "What you publish", "pieces of work",
                        max_length=UNIT_LENGTH)), _publish),
)}
