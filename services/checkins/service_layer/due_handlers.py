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
from shared.pagination import BAD_CURSOR, InvalidCursor, cursor_moment, decode_cursor, page_of


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


DueKey = tuple[int, datetime, str]
"""Where an item stands in the list: not overdue (0 for overdue), next due, goal id."""


def list_due(cmd: ListDue, reader: CheckinsUnitOfWork, clock: Clock,
             policy: Policy) -> tuple[list[Due], str | None]:
    """A page of when each active goal of the team (or of `cmd.owner_id`) that the actor may
    see is next due: the overdue first, then the soonest due (a snoozed owner's past occurrence
    is not overdue, so it follows those that are), and the cursor of the next page. Each page
    is ranked as of its request: a goal falling overdue between two requests moves ahead of a
    cursor given before, so a walk through the pages then misses it. A bounded number of
    statements, however many goals are due."""
    after = _after(cmd.cursor)
    listed = [d for d in _every_due(cmd, reader, clock, policy)
              if after is None or _key(d) > after]
    return page_of(listed[:cmd.limit + 1], cmd.limit, _cursor_values)


def _every_due(cmd: ListDue, reader: CheckinsUnitOfWork, clock: Clock,
               policy: Policy) -> list[Due]:
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
    return sorted(due, key=_key)


def _key(item: Due) -> DueKey:
    return int(not item.overdue), item.next_due_at, item.goal_id


def _cursor_values(item: Due) -> list:
    rank, moment, goal_id = _key(item)
    return [rank, moment.isoformat(), goal_id]


def _after(cursor: str | None) -> DueKey | None:
    """The key a cursor names (400 unless a page of this list gave it)."""
    values = decode_cursor(cursor, 3)
    if values is None:
        return None
    rank, moment, goal_id = values
    if rank not in (0, 1) or not isinstance(goal_id, str):
        raise InvalidCursor(BAD_CURSOR)
    return rank, cursor_moment(moment), goal_id
