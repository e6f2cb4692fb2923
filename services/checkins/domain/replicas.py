"""Replicas of the goals service's teams, members and goals, kept from `goals.events`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from services.checkins.domain.cadence import Cadence, Timetable, resolve
from shared.availability import back_at, hears_from_us
from shared.goal_statuses import TAKES_CHECKINS

DEFAULT_HOURS = ("09:00", "17:00")


class TeamView:
    def __init__(self, team_id: str, name: str, timezone: str, *,
                 default_cadence: dict | None = None):
        self.team_id = team_id
        self.name = name
        self.timezone = timezone
        self.default_cadence = default_cadence


class MemberView:
    """What checkins knows of a member, from `member.*` events."""

    def __init__(self, member_id: str, team_id: str, name: str, role: str, timezone: str, *,
                 state: str = "active", token_version: int = 1,
                 working_hours: dict | None = None, default_cadence: dict | None = None,
                 snoozed_until: str | None = None):
        self.member_id = member_id
        self.team_id = team_id
        self.name = name
        self.role = role
        self.timezone = timezone
        self.state = state
        self.token_version = token_version
        self.working_hours = working_hours
        self.default_cadence = default_cadence
        self.snoozed_until = snoozed_until

    @property
    def is_lead(self) -> bool:
        return self.role == "lead"

    def available_at(self, now: datetime) -> bool:
        """Active members hear from us; snoozed ones not until their snooze date has passed."""
        return hears_from_us(self.state, self.snoozed_until, self.timezone, now)

    def back_at(self, now: datetime) -> datetime | None:
        """When a member snoozed at `now` hears from us again (`shared.availability.back_at`);
        None when they do at `now`, or never will (they left)."""
        return back_at(self.state, self.snoozed_until, self.timezone, now)

    def local_date(self, now: datetime) -> date:
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def hours(self) -> tuple[str, str]:
        hours = self.working_hours or {}
        return hours.get("start") or DEFAULT_HOURS[0], hours.get("end") or DEFAULT_HOURS[1]

    def utc_minutes(self, on: date) -> tuple[int, int]:
        """Working hours on `on`, as UTC minutes of the day (end < start wraps)."""
        zone = ZoneInfo(self.timezone)
        bounds = []
        for text in self.hours():
            hour, minute = (int(p) for p in text.split(":"))
            local = datetime(on.year, on.month, on.day, hour, minute, tzinfo=zone)
            moment = local.astimezone(UTC)
            bounds.append(moment.hour * 60 + moment.minute)
        return bounds[0], bounds[1]


class GoalView:
    """What checkins knows of a goal, from `goal.*` events."""

    def __init__(self, goal_id: str, team_id: str, owner_id: str, title: str, *,
                 status: str = "active", visibility: str = "team", kind: str = "personal",
                 metric_unit: str | None = None, cadence: dict | None = None,
                 milestones: list | None = None, start_date: str | None = None,
                 due_date: str | None = None):
        self.goal_id = goal_id
        self.team_id = team_id
        self.owner_id = owner_id
        self.title = title
        self.status = status
        self.visibility = visibility
        self.kind = kind
        self.metric_unit = metric_unit
        self.cadence = cadence
        self.milestones = milestones or []
        self.start_date = start_date
        self.due_date = due_date

    @property
    def has_metric(self) -> bool:
        return self.metric_unit is not None

    @property
    def is_active(self) -> bool:
        return self.status == TAKES_CHECKINS

    @property
    def is_private(self) -> bool:
        return self.visibility != "team"

    def milestone_ids(self) -> set[str]:
        return {m["milestone_id"] for m in self.milestones}

    def timetable(self, owner: MemberView | None, team: TeamView | None) -> Timetable:
        """Goal cadence, else the owner's default, else the team's, in the owner's time zone."""
        cadence = resolve(Cadence.from_dict(self.cadence),
                          Cadence.from_dict(owner.default_cadence if owner else None),
                          Cadence.from_dict(team.default_cadence if team else None))
        zone = owner.timezone if owner else (team.timezone if team else "UTC")
        anchor = date.fromisoformat(self.start_date) if self.start_date else date(2000, 1, 3)
        return Timetable(cadence, zone, anchor)
