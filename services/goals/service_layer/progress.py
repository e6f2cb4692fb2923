"""Settling a goal after any change: achievement, health, and the roll-up to its parents."""

from __future__ import annotations

from datetime import datetime

from services.goals.domain.model import Goal
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork

MAX_DEPTH = 20


def rollup_of(children: list[Goal]) -> float | None:
    """Weighted mean progress of the children that still count (a dropped goal does not)."""
    counted = [c for c in children if c.status != "dropped"]
    total = sum(c.parent_weight for c in counted)
    if not counted or total <= 0:
        return None
    return sum(c.parent_weight * (1.0 if c.status == "achieved" else c.progress)
               for c in counted) / total


def settle(goal: Goal, uow: GoalsUnitOfWork, *, now: datetime, actor: str | None) -> None:
    goal.maybe_achieve(actor=actor, at=now)
    goal.refresh_health(now)
    roll_up_from(goal.parent_id, goal.team_id, uow, now=now, actor=actor, seen={goal.id})


def roll_up_from(parent_id: str | None, team_id: str, uow: GoalsUnitOfWork, *,
                 now: datetime, actor: str | None, seen: set[str] | None = None) -> None:
    seen = set(seen or ())
    while parent_id and parent_id not in seen and len(seen) < MAX_DEPTH:
        parent = uow.goals.get(team_id, parent_id, for_update=True)
        if parent is None:
            return
        parent.set_rollup(rollup_of(uow.goals.children(parent.id)), actor=actor, at=now)
        parent.refresh_health(now)
        seen.add(parent.id)
        parent_id = parent.parent_id


def ancestors(goal_id: str | None, team_id: str, uow: GoalsUnitOfWork) -> list[str]:
    chain: list[str] = []
    while goal_id and goal_id not in chain and len(chain) < MAX_DEPTH:
        chain.append(goal_id)
        parent = uow.goals.get(team_id, goal_id)
        goal_id = parent.parent_id if parent else None
    return chain
