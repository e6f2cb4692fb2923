"""Check-ins and the read model of goals and members the checkins service keeps from events."""

from __future__ import annotations

import uuid
from datetime import datetime

from shared.domain import Aggregate, Unprocessable


class MemberView:
    """What checkins knows of a member, from `member.*` events."""

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


class GoalView:
    """What checkins knows of a goal, from `goal.*` events."""

    def __init__(self, goal_id: str, team_id: str, owner_id: str, title: str, *,
                 status: str = "active", visibility: str = "team", metric_unit: str | None = None):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.title = title
        self.status = status
        self.visibility = visibility
        self.metric_unit = metric_unit

    @property
    def has_metric(self) -> bool:
        return self.metric_unit is not None


class Checkin(Aggregate):
    def __init__(self, goal: GoalView, author_id: str, *, at: datetime, value: float | None = None,
                 delta: float | None = None, note: str = "", confidence: int | None = None,
                 blockers: str = "", source: str = "api", request_id: str | None = None,
                 id: str | None = None):
        if goal.has_metric and value is None and delta is None:
            raise Unprocessable("a check-in on a metric goal needs a value or a delta",
                                errors={"value": ["Give value or delta for a metric goal."]})
        if value is not None and delta is not None:
            raise Unprocessable("give either value or delta, not both",
                                errors={"delta": ["Cannot be combined with value."]})
        self.id = id or str(uuid.uuid4())
        self.goal_id = goal.goal_id
        self.team_id = goal.team_id
        self.author_id = author_id
        self.value = value
        self.delta = delta
        self.note = note
        self.confidence = confidence
        self.blockers = blockers
        self.source = source
        self.request_id = request_id
        self.created_at = at
        self.record("checkin.logged", self.team_id, self.event_data(), subject=self.goal_id)

    def event_data(self) -> dict:
        return {
            "checkin_id": self.id, "goal_id": self.goal_id, "team_id": self.team_id,
            "author_id": self.author_id, "value": self.value, "delta": self.delta,
            "note": self.note, "confidence": self.confidence, "blockers": self.blockers,
            "completed_milestones": [], "at": self.created_at.isoformat(),
            "source": self.source, "request_id": self.request_id,
        }
