"""Turn service-layer results into the dictionaries the response schemas dump, and ETags."""

from __future__ import annotations

from dataclasses import asdict

from services.goals.service_layer.goals import GoalRead


def present_goal(read: GoalRead) -> dict:
    goal = read.goal
    return {
        **{name: getattr(goal, name) for name in (
            "id", "team_id", "owner_id", "title", "description", "why", "kind", "visibility",
            "status", "start_date", "due_date", "horizon", "progress", "health", "expected",
            "days_of_safety", "next_health_check_at", "cadence", "parent_id", "parent_weight",
            "outcome", "retrospective", "replaced_by", "version", "created_at", "updated_at")},
        "metric": goal.metric.as_dict() if goal.metric else None,
        "milestones": [asdict(m) for m in goal.active_pathway.milestones],
        "pathways": [asdict(p) for p in goal.pathways],
        "smart": {name: asdict(verdict) for name, verdict in read.smart.items()},
    }


def etag(read: GoalRead) -> dict[str, str]:
    return {"ETag": f'"{read.goal.version}"'}
