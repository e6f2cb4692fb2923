"""A move of a goal once per idempotency key: what its lifecycle, milestone and pathway
use cases (`lifecycle_handlers`, `plan_handlers`) share. No handler is registered from here:
bootstrap registers theirs, which call `moved_once`."""

from __future__ import annotations

from collections.abc import Callable

from services.goals.domain.alignment import settle
from services.goals.service_layer.access import editable_goal
from services.goals.service_layer.commands import (
    AchieveGoal,
    ActivateGoal,
    CloseGoal,
    CompleteMilestone,
    ReopenGoal,
    ReopenMilestone,
    SwitchPathway,
)
from services.goals.service_layer.goal_handlers import GoalRead, assessed
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.clock import Clock
from shared.idempotency import Once, made_once

MovedGoal = Once[GoalRead]  # the goal moved, or what the first request under its key got
Render = Callable[[GoalRead], object]
Move = (ActivateGoal | AchieveGoal | ReopenGoal | CloseGoal | CompleteMilestone | ReopenMilestone
        | SwitchPathway)


def moved_once(cmd: Move, uow: GoalsUnitOfWork, clock: Clock, render_goal: Render,
               change: Callable[..., None], *, achieve: bool = True) -> MovedGoal:
    """`change` the goal once per idempotency key: with a key, its answer is saved in the same
    transaction, so a retry gets it back (whatever the goal has become since, as every keyed
    POST) instead of being refused as a move the goal (or its milestone) no longer takes."""
    actor, now = cmd.actor.member_id, clock.now()

    def moved() -> GoalRead:
        goal = editable_goal(cmd.goal_id, cmd.actor, uow)
        change(goal, actor=actor, at=now)
        settle(goal, uow.goals, now=now, actor=actor, achieve=achieve)
        return assessed(goal, uow, now)

    with uow:
        result = made_once(uow.idempotency_keys, cmd.idempotency, now, moved, render_goal,
                           status=200)
        uow.commit()
    return result
