"""Read models copied from other services' events: teams, members, goals, partners, activity."""

from __future__ import annotations

import uuid
from datetime import datetime

CLOSED_GOAL_STATES = ("achieved", "closed", "draft")


class TeamReplica:
    def __init__(self, team_id: str, name: str, timezone: str):
        self.team_id = team_id
        self.name = name
        self.timezone = timezone


class MemberReplica:
    def __init__(self, member_id: str, team_id: str, name: str, role: str, timezone: str, *,
                 state: str = "active", token_version: int = 1, slack_user_id: str | None = None):
        self.member_id = member_id
        self.team_id = team_id
        self.name = name
        self.role = role
        self.timezone = timezone
        self.state = state
        self.token_version = token_version
        self.slack_user_id = slack_user_id


class GoalReplica:
    def __init__(self, goal_id: str, team_id: str, owner_id: str, title: str, *,
                 visibility: str = "team", status: str = "active", progress: float = 0.0,
                 health: str | None = None, metric: dict | None = None):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.title = title
        self.visibility = visibility
        self.status = status
        self.progress = progress
        self.health = health
        self.expected: float | None = None
        self.set_metric(metric)

    @classmethod
    def from_state(cls, data: dict) -> GoalReplica:
        goal = cls(data["goal_id"], data["team_id"], data["owner_id"], data["title"])
        goal.refresh(data)
        return goal

    def refresh(self, data: dict) -> None:
        """Apply a `goal.*` event carrying the goal's whole current state."""
        self.owner_id, self.title = data["owner_id"], data["title"]
        self.visibility, self.status = data.get("visibility", "team"), data["status"]
        self.progress = data.get("progress") or 0.0
        self.health = data.get("health") or self.health
        self.set_metric(data.get("metric"))

    def set_metric(self, metric: dict | None) -> None:
        metric = metric or {}
        self.unit = metric.get("unit")
        self.metric_start = metric.get("start")
        self.metric_target = metric.get("target")
        self.metric_current = metric.get("current")

    @property
    def is_private(self) -> bool:
        return self.visibility == "private"

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_GOAL_STATES

    @property
    def short_ref(self) -> str:
        return self.goal_id[:8]

    def progress_at(self, value: float | None, delta: float | None) -> float:
        """The progress a check-in of `value` (or `delta`) means for this goal's metric."""
        if self.metric_start is None or self.metric_target is None:
            return self.progress
        if value is None and delta is not None:
            value = (self.metric_current if self.metric_current is not None
                     else self.metric_start) + delta
        if value is None:
            return self.progress
        span = self.metric_target - self.metric_start
        if span == 0:
            return 1.0 if value == self.metric_target else 0.0
        return max(0.0, min(1.0, (value - self.metric_start) / span))

    def checked_in(self, value: float | None, delta: float | None) -> float:
        """Apply a check-in to the local metric; returns the new progress."""
        progress = self.progress_at(value, delta)
        if self.metric_start is not None:
            base = self.metric_current if self.metric_current is not None else self.metric_start
            self.metric_current = value if value is not None else base + (delta or 0)
            self.progress = progress
        return progress


class Partnership:
    def __init__(self, partnership_id: str, team_id: str, member_ids: list[str]):
        self.partnership_id = partnership_id
        self.team_id = team_id
        self.member_ids = ",".join(member_ids)

    def partners_of(self, member_id: str) -> list[str]:
        members = self.member_ids.split(",")
        return [m for m in members if m != member_id] if member_id in members else []


class Activity:
    """A check-in, kudos or streak, counted by the weekly team digest."""

    def __init__(self, team_id: str, kind: str, member_id: str, at: datetime, *,
                 goal_id: str | None = None, amount: float = 1.0, id: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.team_id = team_id
        self.kind = kind
        self.member_id = member_id
        self.goal_id = goal_id
        self.amount = amount
        self.at = at
