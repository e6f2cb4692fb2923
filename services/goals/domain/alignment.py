"""Weighted alignment: a team goal's progress is the roll-up of the goals aligned under it.

After any change a goal is settled: achieved once its measure is reached, its health refreshed,
and every parent up the chain rolled up again (and achieved once its roll-up is complete, no
draft aligned under it). A parent achieved or closed keeps the figures it ended with: the walk
stops there, and its children stay aligned under it. Reopened, it rolls up again from its
children's current figures (`resumed_roll_up`). The goals are found through any `GoalLookup`
(the repository), so these rules stay free of the database.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from services.goals.domain.goal import Goal
from shared.goal_statuses import FINAL

NOT_COUNTED = ("draft", "dropped")  # children left out of their parent's roll-up


class GoalLookup(Protocol):
    def get(self, team_id: str, goal_id: str, *, for_update: bool = False) -> Goal | None: ...

    def children(self, parent_id: str) -> list[Goal]: ...


def rollup_of(children: list[Goal]) -> float | None:
    """Weighted mean progress of the children that count: a draft (not started yet) and a
    dropped goal (given up) do not; None when none counts."""
    counted = [c for c in children if c.status not in NOT_COUNTED]
    total = sum(c.parent_weight for c in counted)
    if not counted or total <= 0:
        return None
    return sum(c.parent_weight * (1.0 if c.status == "achieved" else c.progress)
               for c in counted) / total


def settle(goal: Goal, goals: GoalLookup, *, now: datetime, actor: str | None,
           achieve: bool = True) -> None:
    """Achieve the goal if its measure is reached (unless `achieve` is False: a goal just
    reopened stays active until a later change, a check-in most often, reaches the measure;
    or while a draft is aligned under it, see `waits_on_a_draft`), refresh its health, and
    roll its parents up again."""
    if achieve and goal.measure_reached and not (
            goal.kind == "team" and waits_on_a_draft(goals.children(goal.id))):
        goal.maybe_achieve(actor=actor, at=now)
    goal.refresh_health(now)
    roll_up_from(goal.parent_id, goal.team_id, goals, now=now, actor=actor, seen={goal.id})


def waits_on_a_draft(children: list[Goal]) -> bool:
    """A team goal is not achieved by its measure while a goal aligned under it is still a
    draft: left out of its roll-up, that part of it has not started yet."""
    return any(child.status == "draft" for child in children)


def roll_up_from(parent_id: str | None, team_id: str, goals: GoalLookup, *, now: datetime,
                 actor: str | None, seen: set[str] | None = None) -> None:
    """Roll every parent up the chain from `parent_id` again, up to its top or to the first
    parent achieved or closed, whose progress, health and history stay as they ended (a goal
    met twice, in a cycle older data may hold, stops the walk too)."""
    seen = set(seen or ())
    while parent_id and parent_id not in seen:
        parent = goals.get(team_id, parent_id, for_update=True)
        if parent is None or parent.status in FINAL:
            return
        children = goals.children(parent.id)
        parent.set_rollup(rollup_of(children), actor=actor, at=now)
        if not waits_on_a_draft(children):
            parent.maybe_achieve(actor=actor, at=now)
        parent.refresh_health(now)
        seen.add(parent.id)
        parent_id = parent.parent_id


def resumed_roll_up(goal: Goal, goals: GoalLookup) -> float | None:
    """The roll-up a goal being reopened takes up again (see `Goal.reopen`): its children's
    current figures, what moved under it while it was achieved or closed (None when no child
    counts: its own measure then)."""
    return rollup_of(goals.children(goal.id))


def ancestors(goal_id: str | None, team_id: str, goals: GoalLookup) -> list[str]:
    """The goal's id and its parents' up the whole chain, to its top (safe against a cycle)."""
    chain: dict[str, None] = {}
    while goal_id and goal_id not in chain:
        chain[goal_id] = None
        parent = goals.get(team_id, goal_id)
        goal_id = parent.parent_id if parent else None
    return list(chain)
