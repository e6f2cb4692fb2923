"""When check-ins are next due, for a whole team in one call (the web app's board and My week)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.access import visible_to
from services.checkins.service_layer.commands import ListDue
from services.checkins.service_layer.schedule_handlers import available, timetable_of
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock


@dataclass(frozen=True)
class Due:
    goal_id: str
    owner_id: str
    next_due_at: datetime
    overdue: bool
    current_streak: int
    longest_streak: int
    last_checkin_at: datetime | None
    frequency: str  # the applied cadence's (`timetable_of`): what one streak period is


def list_due(cmd: ListDue, reader: CheckinsUnitOfWork, clock: Clock, policy: Policy) -> list[Due]:
    """When each active goal of the team (or of `cmd.owner_id`) that the actor may see is next
    due: the overdue first, then the soonest due (a snoozed owner's past occurrence is not
    overdue, so it follows those that are). A bounded number of statements, however many goals
    are due."""
    now = clock.now()
    due = []
    with reader:
        sees = visible_to(reader, cmd.actor)
        for schedule, goal in reader.listings.scheduled_goals(cmd.team_id, cmd.owner_id):
            if not sees(goal):
                continue
            owner_available = schedule.available_when_due(
                now, lambda moment, owner=schedule.owner_id: available(reader, owner, moment))
            timetable = timetable_of(reader, goal)
            # a goal checked in for its open occurrence is next due at the one after it
            due.append(Due(schedule.goal_id, schedule.owner_id,
                           schedule.next_wanted(timetable.next_due),
                           schedule.overdue(now, owner_available),
                           schedule.streak_as_of(now, policy, owner_available),
                           schedule.longest_streak, schedule.last_checkin_at,
                           timetable.cadence.frequency))
    return sorted(due, key=lambda d: (not d.overdue, d.next_due_at, d.goal_id))
