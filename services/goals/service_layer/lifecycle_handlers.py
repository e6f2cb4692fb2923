"""Use cases moving a goal through its lifecycle (its owner or a lead)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from services.goals.domain.alignment import resumed_roll_up, settle
from services.goals.domain.goal import Goal
from services.goals.domain.lifecycle import ensure_can_replace
from services.goals.service_layer.access import editable_goal, visible_goal
from services.goals.service_layer.commands import AchieveGoal, ActivateGoal, CloseGoal, ReopenGoal
from services.goals.service_layer.goal_handlers import GoalRead, assessed
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import NotFound, Unprocessable


def activate_goal(cmd: ActivateGoal, uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    return _move(cmd.goal_id, cmd.actor, uow, clock, Goal.activate)


def achieve_goal(cmd: AchieveGoal, uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    return _move(cmd.goal_id, cmd.actor, uow, clock, Goal.achieve)


def reopen_goal(cmd: ReopenGoal, uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    """Reopen a closed or achieved goal. One reopened with its measure still reached stays
    active: the next check-in that reaches it achieves it again. A team goal rolls up its
    aligned goals' current figures again (they did not move it while it was closed), and its
    goal.reopened carries that figure. A parent it is aligned under keeps its status: an open
    one rolls up again, one achieved or closed keeps its figures."""

    def reopen(goal: Goal, *, actor: str, at: datetime) -> None:
        goal.reopen(rollup=resumed_roll_up(goal, uow.goals), actor=actor, at=at)

    return _move(cmd.goal_id, cmd.actor, uow, clock, reopen, achieve=False)


def close_goal(cmd: CloseGoal, uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    """Close as partial, missed or dropped; a dropped goal may name its replacement, a goal
    of the team the actor may see (422 as for an unknown id otherwise), still a draft or
    active (422 naming its status otherwise)."""

    def close(goal: Goal, *, actor: str, at: datetime) -> None:
        replacement = None
        if cmd.replaced_by is not None:
            try:
                replacement = visible_goal(cmd.replaced_by, cmd.actor, uow)
            except NotFound as exc:
                raise Unprocessable("replacement goal not found", errors={
                    "replaced_by": ["No goal with this id in your team."]}) from exc
        goal.close(cmd.outcome, retrospective=cmd.retrospective, replaced_by=cmd.replaced_by,
                   actor=actor, at=at)
        if replacement is not None:  # after the goal's own refusals (closed already, itself)
            ensure_can_replace(replacement)

    return _move(cmd.goal_id, cmd.actor, uow, clock, close)


def _move(goal_id: str, actor: Principal, uow: GoalsUnitOfWork, clock: Clock,
          change: Callable[..., None], *, achieve: bool = True) -> GoalRead:
    now = clock.now()
    with uow:
        goal = editable_goal(goal_id, actor, uow)
        change(goal, actor=actor.member_id, at=now)
        settle(goal, uow.goals, now=now, actor=actor.member_id, achieve=achieve)
        uow.commit()
        return assessed(goal, uow, now)
