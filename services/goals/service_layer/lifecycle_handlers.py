"""Use cases moving a goal through its lifecycle (its owner or a lead)."""

from __future__ import annotations

from datetime import datetime

from services.goals.domain.alignment import resumed_roll_up
from services.goals.domain.goal import Goal
from services.goals.domain.lifecycle import ensure_can_replace
from services.goals.service_layer.access import visible_goal
from services.goals.service_layer.commands import AchieveGoal, ActivateGoal, CloseGoal, ReopenGoal
from services.goals.service_layer.move_handlers import MovedGoal, Render, moved_once
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.clock import Clock
from shared.domain import NotFound, Unprocessable


def activate_goal(cmd: ActivateGoal, uow: GoalsUnitOfWork, clock: Clock,
                  render_goal: Render) -> MovedGoal:
    return moved_once(cmd, uow, clock, render_goal, Goal.activate)


def achieve_goal(cmd: AchieveGoal, uow: GoalsUnitOfWork, clock: Clock,
                 render_goal: Render) -> MovedGoal:
    return moved_once(cmd, uow, clock, render_goal, Goal.achieve)


def reopen_goal(cmd: ReopenGoal, uow: GoalsUnitOfWork, clock: Clock,
                render_goal: Render) -> MovedGoal:
    """Reopen a closed or achieved goal. One reopened with its measure still reached stays
    active: the next check-in that reaches it achieves it again. A team goal rolls up its
    aligned goals' current figures again (they did not move it while it was closed), and its
    goal.reopened carries that figure. A parent it is aligned under keeps its status: an open
    one rolls up again, one achieved or closed keeps its figures. A goal whose owner left
    stays as it is (409, `Member.ensure_may_own_open_goals`); the owner's row is locked, so
    a departure at the same moment finds the goal open, or this finds the owner gone. Open
    again, the goal takes up its owner's time zone, as their open goals did when they moved."""

    def reopen(goal: Goal, *, actor: str, at: datetime) -> None:
        owner = uow.members.get(goal.team_id, goal.owner_id, for_update=True)
        if owner is not None:
            owner.ensure_may_own_open_goals()
            goal.follow_owner_to(owner.timezone, actor=actor, at=at)
        goal.reopen(rollup=resumed_roll_up(goal, uow.goals), actor=actor, at=at)

    return moved_once(cmd, uow, clock, render_goal, reopen, achieve=False)


def close_goal(cmd: CloseGoal, uow: GoalsUnitOfWork, clock: Clock,
               render_goal: Render) -> MovedGoal:
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

    return moved_once(cmd, uow, clock, render_goal, close)
