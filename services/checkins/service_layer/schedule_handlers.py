"""A goal's check-in schedule: its streak, kept in step with check-ins and the replicas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.checkins.domain.cadence import Timetable
from services.checkins.domain.replicas import GoalView
from services.checkins.domain.schedule import Audience, GoalSchedule, Policy
from services.checkins.service_layer.access import readable_goal
from services.checkins.service_layer.commands import GetStreak
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock


@dataclass(frozen=True)
class Streak:
    """`frequency`: the applied cadence's (`timetable_of`), what one period of the streak is."""

    goal_id: str
    current: int
    longest: int
    next_due_at: datetime | None
    last_checkin_at: datetime | None
    frequency: str


def get_streak(cmd: GetStreak, reader: CheckinsUnitOfWork, clock: Clock, policy: Policy) -> Streak:
    with reader:
        goal = readable_goal(reader, cmd.actor, cmd.goal_id)
        timetable = timetable_of(reader, goal)
        frequency = timetable.cadence.frequency
        schedule = reader.schedules.get(goal.goal_id)
        if schedule is None:
            return Streak(cmd.goal_id, 0, 0, None, None, frequency)
        now = clock.now()
        next_wanted = schedule.next_wanted(timetable.next_due) if schedule.active else None
        owner_available = schedule.available_when_due(
            now, lambda moment: available(reader, goal.owner_id, moment))
        return Streak(cmd.goal_id, schedule.streak_as_of(now, policy, owner_available),
                      schedule.longest_streak, next_wanted, schedule.last_checkin_at, frequency)


def timetable_of(uow: CheckinsUnitOfWork, goal: GoalView) -> Timetable:
    """The goal's timetable: its own cadence, else its owner's default, else its team's, else
    the built-in one (`GoalView.timetable`); its frequency is what one streak period is."""
    return goal.timetable(uow.members.get(goal.owner_id), uow.teams.get(goal.team_id))


def next_due_of(uow: CheckinsUnitOfWork, goal: GoalView) -> Callable[[datetime], datetime]:
    return timetable_of(uow, goal).next_due


def audience_of(uow: CheckinsUnitOfWork, schedule: GoalSchedule, now: datetime,
                partners: set[str] | None = None) -> Audience:
    """Who hears about the schedule; `partners` of the owner when the caller has them already."""
    if partners is None:
        partners = uow.partnerships.partners_of(schedule.team_id, schedule.owner_id)
    return Audience(
        owner_id=schedule.owner_id,
        owner_available=available(uow, schedule.owner_id, now),
        owner_available_at=lambda moment: available(uow, schedule.owner_id, moment),
        owner_back_at=lambda: back_at(uow, schedule.owner_id, now),
        partner_ids=sorted(partners),
        find_leads=lambda: uow.members.leads(schedule.team_id),
        available=lambda member_ids: {m for m in member_ids if available(uow, m, now)},
    )


def available(uow: CheckinsUnitOfWork, member_id: str, now: datetime) -> bool:
    """Whether the member hears from us at `now`: not snoozed, not gone (one not known here
    yet does)."""
    member = uow.members.get(member_id)
    return member is None or member.available_at(now)


def back_at(uow: CheckinsUnitOfWork, member_id: str, now: datetime) -> datetime | None:
    """When a member snoozed at `now` hears from us again (`MemberView.back_at`); None when
    they do at `now` (one not known here yet does), or never will."""
    member = uow.members.get(member_id)
    return None if member is None else member.back_at(now)


def sync_goal(uow: CheckinsUnitOfWork, goal: GoalView, now: datetime,
              policy: Policy, *, resume: bool = True) -> GoalSchedule | None:
    """Create, move, pause or resume the goal's schedule after its goal, owner or team changed.
    Without `resume`, a paused schedule stays paused (None): `goal` was read before the
    schedule's lock, and a pause found behind that lock is newer than what it says."""
    schedule = uow.schedules.locked(goal.goal_id)
    timetable = timetable_of(uow, goal)
    next_due = timetable.next_due
    if schedule is None:
        if not goal.is_active:
            return None
        schedule = GoalSchedule(goal.goal_id, goal.team_id, goal.owner_id, next_due(now), policy)
        uow.schedules.add(schedule)
        return schedule
    schedule.owner_id = goal.owner_id
    if not goal.is_active:
        schedule.pause()
    elif not schedule.active:
        if not resume:
            return None
        schedule.resume(now, policy, next_due, timetable.opens_at)
    else:
        schedule.retime(now, policy, next_due, timetable.opens_at)
    return schedule


def count_checkin(uow: CheckinsUnitOfWork, goal: GoalView, at: datetime, policy: Policy,
                  partners: set[str] | None = None, *, handled_at: datetime | None = None,
                  ) -> None:
    """Bring the schedule up to `at`, then let the check-in count for the open period, unless
    it is made before the goal's start date begins (`Timetable.opens_at`): no period covers it,
    so the first one is still wanted. A check-in never resumes a paused schedule: only the
    goal's own events do, so a check-in racing the goal's achievement cannot bring back the
    reminders the achievement stopped.

    One made `at` and handled later (`handled_at`: a Slack command an outage delayed) counts
    for the period it was made in, as if handled then: on time if it was, and that period is
    not missed. If the scheduler has judged that period meanwhile, it stays judged (missed,
    escalated: a judged period is never reopened), and the check-in counts for the first
    period not judged yet, ending the escalation as any check-in does."""
    schedule = sync_goal(uow, goal, handled_at or at, policy, resume=False)
    if schedule is None:
        return
    timetable = timetable_of(uow, goal)
    schedule.advance(at, policy, audience_of(uow, schedule, at, partners), timetable.next_due,
                     remind=False)  # no reminder for what is being checked in right now
    schedule.record_checkin(at, policy, timetable.cadence.frequency,
                            counts=at >= timetable.opens_at)
