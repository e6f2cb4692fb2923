"""When check-ins are next due, for a whole team in one call (the web app's board and My week)."""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass
from datetime import datetime

from services.checkins.domain.replicas import GoalView
from services.checkins.domain.schedule import GoalSchedule, Policy
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


SCHEDULES_READ_AT_ONCE = 100
"""Schedules read per statement at the least. A goal checked in for its open occurrence ranks
after where it is read (at its next one), so in a team that checks in a page seldom stops
early; reading a page's worth at a time then took a statement per `limit + 1` goals."""

DueKey = tuple[int, datetime, str]
"""Where an item stands in the list: not overdue (0 for overdue), next due, goal id."""


def list_due(cmd: ListDue, snapshot_reader: CheckinsUnitOfWork, clock: Clock,
             policy: Policy) -> tuple[list[Due], str | None]:
    """A page of when each active goal of the team (or of `cmd.owner_id`) that the actor may
    see is next due: the overdue first, then the soonest due (a snoozed owner's past occurrence
    is not overdue, so it follows those that are), and the cursor of the next page. Each page
    is ranked as of its request: a goal falling overdue between two requests moves ahead of a
    cursor given before, so a walk through the pages then misses it. The schedules are read
    soonest due first, a page's worth at a time, and no further than the page needs: a goal is
    next due no sooner than its open occurrence (`_least_key_from`). A few statements, however
    many goals are due, and one more per further `SCHEDULES_READ_AT_ONCE` (or `limit + 1`)
    schedules the page reads, all in one snapshot: a goal moved between two of them is read
    where it stood when the page began, once."""
    after = _after(cmd.cursor)
    now = clock.now()
    first: list[Due] = []  # the page and the item after it, in the list's order
    with snapshot_reader as reader:
        sees = visible_to(reader, cmd.actor)
        for schedule, goal in reader.listings.scheduled_goals(
                cmd.team_id, cmd.owner_id, chunk=max(cmd.limit + 1, SCHEDULES_READ_AT_ONCE),
                only_checked_in_before=after[1] if after and after[0] == 1 else None):
            if len(first) > cmd.limit and _key(first[-1]) < _least_key_from(schedule, now):
                break
            if not sees(goal):
                continue
            item = _due(reader, schedule, goal, now, policy)
            if after is None or _key(item) > after:
                insort(first, item, key=_key)
                del first[cmd.limit + 1:]
    return page_of(first, cmd.limit, _cursor_values)


def _due(reader: CheckinsUnitOfWork, schedule: GoalSchedule, goal: GoalView, now: datetime,
         policy: Policy) -> Due:
    owner_available = schedule.available_when_due(
        now, lambda moment: available(reader, schedule.owner_id, moment))
    timetable = timetable_of(reader, goal)
    # a goal checked in for its open occurrence is next due at the one after it
    return Due(schedule.goal_id, schedule.owner_id, schedule.next_wanted(timetable.next_due),
               schedule.overdue(now, owner_available),
               schedule.streak_as_of(now, policy, owner_available),
               schedule.longest_streak, schedule.last_checkin_at, timetable.cadence.frequency)


def _key(item: Due) -> DueKey:
    return int(not item.overdue), item.next_due_at, item.goal_id


def _least_key_from(schedule: GoalSchedule, now: datetime) -> DueKey:
    """No key of `schedule` or of one read after it (due later, or as soon with a greater goal
    id) is less: one overdue was due by `now` and is listed at its due moment; any other is
    next due then or after."""
    return int(schedule.due_at > now), schedule.due_at, schedule.goal_id


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
