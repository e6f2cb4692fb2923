"""Keeping each goal's schedule in step with the read model, and the scheduler's tick."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from services.checkins.domain.model import GoalView
from services.checkins.domain.schedule import Audience, GoalSchedule, Policy
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock

log = logging.getLogger(__name__)


def next_due_of(uow: CheckinsUnitOfWork, goal: GoalView) -> Callable[[datetime], datetime]:
    owner = uow.members.get(goal.owner_id)
    return goal.timetable(owner, uow.teams.get(goal.team_id)).next_due


def audience_of(uow: CheckinsUnitOfWork, schedule: GoalSchedule, now: datetime) -> Audience:
    owner = uow.members.get(schedule.owner_id)
    return Audience(
        owner_id=schedule.owner_id,
        owner_available=owner is None or owner.available_at(now),
        partner_ids=sorted(uow.partnerships.partners_of(schedule.team_id, schedule.owner_id)),
        lead_ids=uow.members.leads(schedule.team_id),
    )


def sync_goal(uow: CheckinsUnitOfWork, goal: GoalView, now: datetime,
              policy: Policy) -> GoalSchedule | None:
    """Create, move, pause or resume the goal's schedule after its goal, owner or team changed."""
    schedule = uow.schedules.locked(goal.goal_id)
    next_due = next_due_of(uow, goal)
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
        schedule.resume(now, policy, next_due)
    else:
        schedule.retime(now, policy, next_due)
    return schedule


def count_checkin(uow: CheckinsUnitOfWork, goal: GoalView, at: datetime, policy: Policy) -> None:
    """Bring the schedule up to `at`, then let the check-in count for the open period."""
    schedule = sync_goal(uow, goal, at, policy)
    if schedule is None:
        return
    schedule.advance(at, policy, audience_of(uow, schedule, at), next_due_of(uow, goal),
                     remind=False)  # no reminder for what is being checked in right now
    schedule.record_checkin(at, policy)


def advance_goal(uow: CheckinsUnitOfWork, goal_id: str, now: datetime, policy: Policy) -> bool:
    """Do what fell due on one goal; False when another worker holds it or nothing is due."""
    schedule = uow.schedules.locked(goal_id, skip_locked=True)
    if schedule is None or schedule.next_action_at is None or schedule.next_action_at > now:
        return False
    goal = uow.goals.get(schedule.team_id, goal_id)
    if goal is None:
        schedule.pause()
        return True
    schedule.advance(now, policy, audience_of(uow, schedule, now), next_due_of(uow, goal))
    return True


class Scheduler:
    """The worker job: each tick reads the injected clock and visits only due schedules."""

    def __init__(self, uow_factory: Callable[[], CheckinsUnitOfWork], clock: Clock,
                 policy: Policy, batch_size: int = 500):
        self.uow_factory = uow_factory
        self.clock = clock
        self.policy = policy
        self.batch_size = batch_size

    def tick(self) -> int:
        now = self.clock.now()
        with self.uow_factory() as uow:
            due = uow.schedules.due_ids(now, self.batch_size)
        done = 0
        for goal_id in due:
            try:
                with self.uow_factory() as uow:
                    if advance_goal(uow, goal_id, now, self.policy):
                        uow.commit()
                        done += 1
            except Exception:  # one broken goal must not stop the others
                log.exception("scheduler: goal %s failed; retried next tick", goal_id)
        return done
