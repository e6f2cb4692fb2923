"""Read models copied from other services' events: teams, members, goals, partners, activity."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime

from shared.availability import back_at, hears_from_us
from shared.goal_statuses import TAKES_CHECKINS


class TeamReplica:
    def __init__(self, team_id: str, name: str, timezone: str):
        self.team_id = team_id
        self.name = name
        self.timezone = timezone


class MemberReplica:
    def __init__(self, member_id: str, team_id: str, name: str, role: str, timezone: str, *,
                 state: str = "active", token_version: int = 1, slack_user_id: str | None = None,
                 email: str | None = None, snoozed_until: str | None = None):
        self.member_id = member_id
        self.team_id = team_id
        self.name = name
        self.role = role
        self.timezone = timezone
        self.state = state
        self.token_version = token_version
        self.slack_user_id = slack_user_id
        self.email = email
        self.snoozed_until = snoozed_until  # ISO day, the member's last one snoozed

    def gone_from(self, team_id: str) -> bool:
        """Whether the member left `team_id`, leaving the team or moving to another: nothing of
        it reaches them any more."""
        return self.state == "left" or self.team_id != team_id

    def available_at(self, now: datetime) -> bool:
        """Whether the member is told anything at `now`: not gone, not snoozed."""
        return hears_from_us(self.state, self.snoozed_until, self.timezone, now)

    def snooze_ends_at(self, now: datetime) -> datetime | None:
        """While the member's snooze silences them at `now`, the UTC moment it ends
        (`shared.availability.back_at`). None when no snooze silences them now (awake, gone,
        or the snooze is over)."""
        return back_at(self.state, self.snoozed_until, self.timezone, now)


class GoalReplica:
    """A goal as the goals service last published it. Its `progress` is always the goals
    service's figure (never computed here); `progressed_by` names the check-in that figure
    answered, when a `goal.progressed` said so."""

    def __init__(self, goal_id: str, team_id: str, owner_id: str, title: str, *,
                 visibility: str = "team", status: str = "active", progress: float = 0.0,
                 health: str | None = None, unit: str | None = None, kind: str = "personal"):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.title = title
        self.visibility = visibility
        self.kind = kind  # "personal" or "team"
        self.status = status
        self.progress = progress
        self.health = health
        self.unit = unit
        self.current: float | None = None  # the metric's value and target, as goals
        self.target: float | None = None   # last published them (for Slack's views)
        self.expected: float | None = None
        self.progressed_by: str | None = None

    @property
    def has_metric(self) -> bool:
        """A figure moves it (its unit is never empty); else milestones or notes do."""
        return self.unit is not None

    @classmethod
    def from_state(cls, data: dict) -> GoalReplica:
        goal = cls(data["goal_id"], data["team_id"], data["owner_id"], data["title"])
        goal.refresh(data)
        return goal

    def refresh(self, data: dict) -> None:
        """Apply a `goal.*` event carrying the goal's whole current state."""
        self.owner_id, self.title = data["owner_id"], data["title"]
        self.visibility, self.status = data.get("visibility", "team"), data["status"]
        self.kind = data.get("kind") or "personal"
        self.progress = data.get("progress") or 0.0
        if "health" in data:  # None once the goal is closed: it has no pace then
            self.health = data["health"]
        self.unit = (data.get("metric") or {}).get("unit")
        metric = data.get("metric") or {}
        self.current, self.target = metric.get("current"), metric.get("target")

    def progressed(self, progress: float, checkin_id: str | None) -> None:
        """Apply a `goal.progressed`: the goals service's new figure, and what moved it."""
        self.progress = progress
        if checkin_id is not None:
            self.progressed_by = checkin_id

    def progress_after(self, checkin_id: str) -> float | None:
        """The goals service's figure for the goal after `checkin_id`, if it has given one."""
        return self.progress if self.progressed_by == checkin_id else None

    @property
    def is_private(self) -> bool:
        return self.visibility == "private"

    def takes_checkins_from(self, member: MemberReplica,
                            owner_partners: Collection[str] = ()) -> bool:
        """The checkins service's rule: a goal's owner checks in on it, and so does any member
        of its team who sees a team goal (a private one is seen by the owner's partners and the
        leads); a member gone from its team (`MemberReplica.gone_from`: left, or moved) takes
        none and sees none. `owner_partners` is needed only for a private goal of someone
        else."""
        if member.gone_from(self.team_id):
            return False
        if member.member_id == self.owner_id:
            return True
        sees = not self.is_private or member.role == "lead" or member.member_id in owner_partners
        return self.kind == "team" and sees

    @property
    def is_open(self) -> bool:
        """Active: the only goals that take check-ins (a draft is not started yet; one achieved
        or closed as partly reached, missed or dropped is done)."""
        return self.status == TAKES_CHECKINS

    @property
    def short_ref(self) -> str:
        return self.goal_id[:8]


class Partnership:
    def __init__(self, partnership_id: str, team_id: str, member_ids: list[str]):
        self.partnership_id = partnership_id
        self.team_id = team_id
        self.member_ids = ",".join(member_ids)

    @property
    def members(self) -> list[str]:
        return self.member_ids.split(",")

    def partners_of(self, member_id: str) -> list[str]:
        members = self.members
        return [m for m in members if m != member_id] if member_id in members else []


class Activity:
    """A check-in, kudos or streak, counted by the weekly team digest. A streak's `amount` is
    its length and `frequency` what one period is (`streak.reached`'s, None in one published
    before checkins named it)."""

    def __init__(self, team_id: str, kind: str, member_id: str, at: datetime, *,
                 goal_id: str | None = None, amount: float = 1.0, id: str | None = None,
                 frequency: str | None = None):
        self.id = id or str(uuid.uuid4())
        self.team_id = team_id
        self.kind = kind
        self.member_id = member_id
        self.goal_id = goal_id
        self.amount = amount
        self.at = at
        self.frequency = frequency


class CheckinDue:
    """A goal's open check-in, from `checkin.reminder` / `checkin.missed`; gone once logged."""

    def __init__(self, goal_id: str, team_id: str, owner_id: str, due_at: datetime,
                 missed: bool = False):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.due_at = due_at
        self.missed = missed


class StreakReplica:
    """A goal's streak as checkins last announced it (`streak.reached`); a miss resets it.
    `frequency` is what one period is (None when the event did not say)."""

    def __init__(self, goal_id: str, team_id: str, owner_id: str, length: int, at: datetime,
                 frequency: str | None = None):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.length = length
        self.at = at
        self.frequency = frequency
