"""Use cases moving a goal through its lifecycle (owner or lead)."""

from __future__ import annotations

from services.goals.service_layer.access import editable_goal
from services.goals.service_layer.goals import GoalRead, read
from services.goals.service_layer.progress import settle
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import Unprocessable


def transition(goal_id: str, action: str, principal: Principal, uow: GoalsUnitOfWork,
               clock: Clock, **details) -> GoalRead:
    """`action` is activate, achieve, close (with outcome, retrospective, replaced_by) or reopen."""
    now = clock.now()
    with uow:
        goal = editable_goal(goal_id, principal, uow)
        actor = principal.member_id
        if action == "close":
            replaced_by = details.get("replaced_by")
            if replaced_by is not None and uow.goals.get(goal.team_id, replaced_by) is None:
                raise Unprocessable("replacement goal not found",
                                    errors={"replaced_by": ["No goal with this id in your team."]})
            goal.close(details["outcome"], retrospective=details.get("retrospective", ""),
                       replaced_by=replaced_by, actor=actor, at=now)
        else:
            getattr(goal, action)(actor=actor, at=now)
        settle(goal, uow, now=now, actor=actor)
        uow.commit()
        return read(goal, uow, now.date())
