"""Use cases of the checkins service."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.checkins.domain.model import Checkin, GoalView
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import NotFound
from shared.pagination import decode_cursor, page_of


@dataclass(frozen=True)
class LogCheckin:
    goal_id: str
    value: float | None = None
    delta: float | None = None
    note: str = ""
    confidence: int | None = None
    blockers: str = ""


def visible_goal(uow: CheckinsUnitOfWork, principal: Principal, goal_id: str) -> GoalView:
    goal = uow.goals.get(principal.team_id, goal_id)
    if goal is None or not can_see(goal, principal):
        raise NotFound(f"goal {goal_id} not found")
    return goal


def can_see(goal: GoalView, principal: Principal) -> bool:
    return goal.visibility == "team" or principal.is_lead or goal.owner_id == principal.member_id


def log_checkin(cmd: LogCheckin, principal: Principal, uow: CheckinsUnitOfWork,
                clock: Clock) -> Checkin:
    with uow:
        goal = visible_goal(uow, principal, cmd.goal_id)
        checkin = Checkin(goal, principal.member_id, at=clock.now(), value=cmd.value,
                          delta=cmd.delta, note=cmd.note, confidence=cmd.confidence,
                          blockers=cmd.blockers)
        uow.checkins.add(checkin)
        uow.commit()
    return checkin


def list_checkins(goal_id: str, principal: Principal, uow: CheckinsUnitOfWork, *, limit: int,
                  cursor: str | None) -> tuple[list[Checkin], str | None]:
    after = decode_cursor(cursor, 2)
    if after is not None:
        after = [datetime.fromisoformat(after[0]), after[1]]
    with uow:
        visible_goal(uow, principal, goal_id)
        rows = uow.checkins.for_goal(goal_id, limit, after)
    return page_of(rows, limit, lambda c: (c.created_at.isoformat(), c.id))
