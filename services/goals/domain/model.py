"""Teams, members and goals as plain classes. No framework imports; rules live here."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime

from shared.domain import Aggregate, Unprocessable

MEMBER_STATES = ("active", "snoozed", "left")
GOAL_STATUSES = ("draft", "active", "achieved", "partial", "missed", "dropped")


def new_id() -> str:
    return str(uuid.uuid4())


class Team(Aggregate):
    def __init__(self, name: str, timezone: str, *, id: str | None = None,
                 require_smart: bool = False, created_at: datetime | None = None):
        self.id = id or new_id()
        self.name = name
        self.timezone = timezone
        self.require_smart = require_smart
        self.created_at = created_at

    def created(self) -> None:
        self.record("team.created", self.id, {"team_id": self.id, "name": self.name,
                                              "timezone": self.timezone}, subject=self.id)


class Member(Aggregate):
    def __init__(self, team_id: str, name: str, email: str, role: str, timezone: str, *,
                 id: str | None = None, slack_user_id: str | None = None,
                 state: str = "active", token_version: int = 1):
        self.id = id or new_id()
        self.team_id = team_id
        self.name = name
        self.email = email
        self.role = role
        self.timezone = timezone
        self.slack_user_id = slack_user_id
        self.state = state
        self.token_version = token_version

    def as_event_data(self) -> dict:
        return {
            "team_id": self.team_id, "member_id": self.id, "name": self.name,
            "email": self.email, "role": self.role, "timezone": self.timezone,
            "slack_user_id": self.slack_user_id, "state": self.state,
            "token_version": self.token_version,
        }

    def added(self) -> None:
        self.record("member.added", self.team_id, self.as_event_data(), subject=self.id)


@dataclass
class Metric:
    unit: str
    start: float
    target: float
    current: float
    direction: str = "increase"

    def __post_init__(self):
        if self.direction not in ("increase", "decrease"):
            raise Unprocessable("metric.direction must be increase or decrease",
                                errors={"metric.direction": ["Must be increase or decrease."]})

    @property
    def progress(self) -> float:
        """Fraction of the way from start to target, clamped to [0, 1]."""
        span = self.target - self.start
        if span == 0:
            return 1.0
        return max(0.0, min(1.0, (self.current - self.start) / span))

    @property
    def reached(self) -> bool:
        if self.direction == "increase":
            return self.current >= self.target
        return self.current <= self.target

    def as_dict(self) -> dict:
        return {"unit": self.unit, "start": self.start, "target": self.target,
                "current": self.current, "direction": self.direction}


class Goal(Aggregate):
    def __init__(self, team_id: str, owner_id: str, title: str, *, description: str = "",
                 why: str = "", start_date: date, due_date: date | None,
                 metric: Metric | None = None, status: str = "active", kind: str = "personal",
                 visibility: str = "team", parent_id: str | None = None, id: str | None = None):
        self.id = id or new_id()
        self.team_id = team_id
        self.owner_id = owner_id
        self.title = title
        self.description = description
        self.why = why
        self.start_date = start_date
        self.due_date = due_date
        self.metric = metric
        self.status = status
        self.kind = kind
        self.visibility = visibility
        self.parent_id = parent_id
        self.version = 1

    @property
    def progress(self) -> float:
        return self.metric.progress if self.metric else 0.0

    def as_event_data(self) -> dict:
        return {
            "goal_id": self.id, "team_id": self.team_id, "owner_id": self.owner_id,
            "title": self.title, "status": self.status, "visibility": self.visibility,
            "kind": self.kind, "start_date": self.start_date.isoformat(),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "metric": self.metric.as_dict() if self.metric else None,
            "parent_id": self.parent_id,
        }

    def created(self) -> None:
        self.record("goal.created", self.team_id, self.as_event_data(), subject=self.id)

    def record_progress(self, value: float, *, at: str, checkin_id: str | None = None) -> None:
        """A check-in moved the metric to `value`."""
        if self.metric is None:
            return
        previous = self.metric.current
        self.metric = Metric(self.metric.unit, self.metric.start, self.metric.target, value,
                             self.metric.direction)
        self.version += 1
        self.record("goal.progressed", self.team_id, {
            "goal_id": self.id, "team_id": self.team_id, "owner_id": self.owner_id,
            "previous": previous, "current": value, "progress": self.progress,
            "checkin_id": checkin_id, "at": at,
        }, subject=self.id)
