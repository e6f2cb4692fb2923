"""Who may see and change a goal. Private goals: owner, partners and leads; nobody outside."""

from __future__ import annotations

from services.goals.adapters.queries import Records, Viewer, goal_with_records
from services.goals.domain.goal import Goal
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal
from shared.domain import Forbidden, NotFound, PreconditionFailed


def viewer_of(principal: Principal, uow: GoalsUnitOfWork) -> Viewer:
    partners = uow.partnerships.partners_of(principal.team_id, principal.member_id)
    return Viewer(principal.member_id, principal.is_lead, frozenset(partners))


def can_see(goal: Goal, viewer: Viewer) -> bool:
    return (goal.visibility == "team" or viewer.is_lead or goal.owner_id == viewer.member_id
            or goal.owner_id in viewer.partners)


def may_see(goal: Goal, principal: Principal, uow: GoalsUnitOfWork) -> bool:
    """`can_see`, asking for the caller's partners only when the goal is someone else's
    private goal and the caller is no lead."""
    if goal.visibility == "team" or principal.is_lead or goal.owner_id == principal.member_id:
        return True
    return goal.owner_id in uow.partnerships.partners_of(principal.team_id, principal.member_id)


def visible_goal(goal_id: str, principal: Principal, uow: GoalsUnitOfWork, *,
                 for_update: bool = False) -> Goal:
    """The goal, or 404 when it does not exist in the caller's team or is hidden from them."""
    goal = uow.goals.get(principal.team_id, goal_id, for_update=for_update)
    if goal is None or not may_see(goal, principal, uow):
        raise NotFound(f"goal {goal_id} not found")
    return goal


def readable_goal(goal_id: str, principal: Principal, uow: GoalsUnitOfWork) -> tuple[Goal, Records]:
    """`visible_goal` for a read, with the track records its assessment needs, in one query."""
    found = goal_with_records(uow.session, principal.team_id, goal_id)
    if found is None or not may_see(found[0], principal, uow):
        raise NotFound(f"goal {goal_id} not found")
    return found


def editable_goal(goal_id: str, principal: Principal, uow: GoalsUnitOfWork,
                  expected_version: int | None = None) -> Goal:
    """A goal the caller may change: its owner or a lead; 412 when `expected_version` is stale."""
    goal = visible_goal(goal_id, principal, uow, for_update=True)
    if goal.owner_id != principal.member_id and not principal.is_lead:
        raise Forbidden("only the goal's owner or a lead may change it")
    if expected_version is not None and goal.version != expected_version:
        raise PreconditionFailed(
            f"the goal changed since you read it (now version {goal.version}); "
            "GET it again and retry with its ETag")
    return goal
