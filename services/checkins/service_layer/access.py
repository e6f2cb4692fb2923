"""Who may see and touch what: goals by visibility, check-ins through their goal."""

from __future__ import annotations

from services.checkins.domain.checkin import Checkin
from services.checkins.domain.replicas import GoalView
from services.checkins.domain.visibility import may_see
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.domain import Forbidden, NotFound


def readable_goal(uow: CheckinsUnitOfWork, principal: Principal, goal_id: str) -> GoalView:
    """The goal, or 404 when it is another team's or private to people the caller is not."""
    goal = uow.goals.get(principal.team_id, goal_id)
    if goal is None or not can_read(uow, principal, goal):
        raise NotFound(f"goal {goal_id} not found")
    return goal


def can_read(uow: CheckinsUnitOfWork, principal: Principal, goal: GoalView) -> bool:
    partners = (uow.partnerships.partners_of(goal.team_id, goal.owner_id)
                if goal.is_private else set())
    return may_see(goal, principal.member_id, principal.is_lead, partners)


def ensure_may_log(goal: GoalView, member_id: str) -> None:
    if goal.owner_id != member_id and goal.kind != "team":
        raise Forbidden("only the owner checks in on a personal goal")


def readable_checkin(uow: CheckinsUnitOfWork, principal: Principal,
                     checkin_id: str) -> tuple[Checkin, GoalView]:
    checkin = uow.checkins.get(principal.team_id, checkin_id)
    goal = checkin and uow.goals.get(principal.team_id, checkin.goal_id)
    if checkin is None or goal is None or not can_read(uow, principal, goal):
        raise NotFound(f"check-in {checkin_id} not found")
    return checkin, goal


def ensure_self_or_lead(uow: CheckinsUnitOfWork, team_id: str, member_id: str,
                        principal: Principal) -> None:
    """A member's own settings change by that member or a team lead."""
    if uow.members.in_team(team_id, member_id) is None:
        raise NotFound(f"member {member_id} not found")
    if member_id != principal.member_id and not principal.is_lead:
        raise Forbidden("only the member or a team lead may change this")
