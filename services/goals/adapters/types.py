"""Column types that store the goal's plan values (pathways and milestones) as one JSON document."""

from __future__ import annotations

from datetime import date

from sqlalchemy import JSON, TypeDecorator

from services.goals.domain.plans import Milestone, Pathway


class PathwaysJson(TypeDecorator):
    """tuple[Pathway, ...] <-> a JSON list; frozen values, so a change is a new tuple."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return [_pathway_doc(p) for p in value]

    def process_result_value(self, value, dialect):
        if value is None:
            return ()
        return tuple(_pathway(doc) for doc in value)

    def compare_values(self, x, y) -> bool:
        return x == y


def _pathway_doc(p: Pathway) -> dict:
    return {"id": p.id, "name": p.name, "description": p.description, "active": p.active,
            "switch_reason": p.switch_reason,
            "milestones": [_milestone_doc(m) for m in p.milestones]}


def _milestone_doc(m: Milestone) -> dict:
    return {"id": m.id, "title": m.title, "done": m.done, "done_at": m.done_at,
            "due_date": m.due_date.isoformat() if m.due_date else None}


def _pathway(doc: dict) -> Pathway:
    return Pathway(doc["id"], doc["name"], doc.get("description", ""), doc["active"],
                   tuple(_milestone(m) for m in doc["milestones"]), doc.get("switch_reason", ""))


def _milestone(doc: dict) -> Milestone:
    due = date.fromisoformat(doc["due_date"]) if doc.get("due_date") else None
    return Milestone(doc["id"], doc["title"], due, doc["done"], doc.get("done_at"))
