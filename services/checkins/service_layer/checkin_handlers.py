"""Use cases of check-ins: log (idempotently), edit, read, list, and the goal's streak."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.checkins.domain.checkin import Checkin, Progress
from services.checkins.domain.model import GoalView
from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.access import (
    ensure_may_log,
    readable_checkin,
    readable_goal,
)
from services.checkins.service_layer.scheduling import count_checkin
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.idempotency import Idempotency, SavedResponse
from shared.pagination import decode_cursor, page_of


@dataclass(frozen=True)
class Streak:
    goal_id: str
    current: int
    longest: int
    next_due_at: datetime | None
    last_checkin_at: datetime | None


def record_checkin(uow: CheckinsUnitOfWork, goal: GoalView, author_id: str, progress: Progress,
                   at: datetime, policy: Policy, **origin) -> Checkin:
    """Log a check-in, tell the owner's partners, and count it for the goal's streak."""
    partners = uow.partnerships.partners_of(goal.team_id, goal.owner_id)
    checkin = Checkin(goal, author_id, progress, at=at, partner_ids=sorted(partners), **origin)
    uow.checkins.add(checkin)
    count_checkin(uow, goal, at, policy)
    return checkin


def log_checkin(goal_id: str, progress: Progress, principal: Principal, uow: CheckinsUnitOfWork,
                clock: Clock, policy: Policy,
                idempotency: Idempotency | None = None) -> Checkin | SavedResponse:
    with uow:
        now = clock.now()
        replay = idempotency.replay(uow.session, now) if idempotency else None
        if replay is not None:
            return replay
        goal = readable_goal(uow, principal, goal_id)
        ensure_may_log(goal, principal.member_id)
        checkin = record_checkin(uow, goal, principal.member_id, progress, now, policy)
        if idempotency:
            idempotency.remember(uow.session, checkin)
        uow.commit()
    return checkin


def edit_checkin(checkin_id: str, changes: dict, principal: Principal, uow: CheckinsUnitOfWork,
                 clock: Clock, policy: Policy) -> Checkin:
    """Replace the fields given in `changes`; the others keep their values."""
    with uow:
        checkin, goal = readable_checkin(uow, principal, checkin_id)
        partners = uow.partnerships.partners_of(goal.team_id, goal.owner_id)
        progress = replace(checkin.progress, **changes)
        checkin.edit(goal, principal.member_id, progress, at=clock.now(),
                     window=policy.edit_window, partner_ids=sorted(partners))
        uow.commit()
        _attach_kudos(uow, [checkin])
    return checkin


def get_checkin(checkin_id: str, principal: Principal, uow: CheckinsUnitOfWork) -> Checkin:
    with uow:
        checkin, _ = readable_checkin(uow, principal, checkin_id)
        _attach_kudos(uow, [checkin])
    return checkin


def list_checkins(goal_id: str, principal: Principal, uow: CheckinsUnitOfWork, *, limit: int,
                  cursor: str | None) -> tuple[list[Checkin], str | None]:
    after = decode_cursor(cursor, 2)
    if after is not None:
        after = [datetime.fromisoformat(after[0]), after[1]]
    with uow:
        readable_goal(uow, principal, goal_id)
        rows = uow.checkins.for_goal(goal_id, limit, after)
        _attach_kudos(uow, rows[:limit])
    return page_of(rows, limit, lambda c: (c.created_at.isoformat(), c.id))


def goal_streak(goal_id: str, principal: Principal, uow: CheckinsUnitOfWork, clock: Clock,
                policy: Policy) -> Streak:
    with uow:
        goal = readable_goal(uow, principal, goal_id)
        schedule = uow.schedules.get(goal.goal_id)
        if schedule is None:
            return Streak(goal_id, 0, 0, None, None)
        owner = uow.members.get(goal.owner_id)
        now = clock.now()
        available = owner is None or owner.available_at(now)
        return Streak(goal_id, schedule.streak_as_of(now, policy, available),
                      schedule.longest_streak, schedule.due_at if schedule.active else None,
                      schedule.last_checkin_at)


def _attach_kudos(uow: CheckinsUnitOfWork, checkins: list[Checkin]) -> None:
    counts = uow.social.kudos_counts([c.id for c in checkins])
    for checkin in checkins:
        checkin.kudos = counts.get(checkin.id, {})
