"""Who may see and touch what: goals by visibility, check-ins through their goal."""

from __future__ import annotations

from collections.abc import Callable

from services.checkins.domain.checkin import Checkin
from services.checkins.domain.replicas import GoalView
from services.checkins.domain.visibility import may_see
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.domain import Forbidden, NotFound


def readable_goal(uow: CheckinsUnitOfWork, principal: Principal, goal_id: str) -> GoalView:
    """The goal, or 404 when it is another team's or private to people the caller is not."""
    return _readable_goal(uow, principal, goal_id, with_partners=False)[0]


def loggable_goal(uow: CheckinsUnitOfWork, principal: Principal,
                  goal_id: str) -> tuple[GoalView, set[str]]:
    """The goal the caller logs progress on, with its owner's partners: read once, for the
    read check of a private goal and for the check-in that tells them."""
    goal, partners = _readable_goal(uow, principal, goal_id, with_partners=True)
    ensure_may_log(goal, principal.member_id)
    return goal, partners


def can_read(uow: CheckinsUnitOfWork, principal: Principal, goal: GoalView) -> bool:
    return _partners_if_seen(uow, principal, goal, with_partners=False) is not None


def visible_to(uow: CheckinsUnitOfWork, principal: Principal) -> Callable[[GoalView], bool]:
    """Whether the caller may see each of many goals (as `can_read` says of one), with the
    caller's partners read once rather than each private goal's owner's: a partnership is
    mutual, so the caller is among an owner's partners exactly when the owner is among the
    caller's."""
    mine = uow.partnerships.partners_of(principal.team_id, principal.member_id)

    def sees(goal: GoalView) -> bool:
        owner_partners = {principal.member_id} if goal.owner_id in mine else set()
        return may_see(goal, principal.member_id, principal.is_lead, owner_partners)
    return sees


def owner_partners(uow: CheckinsUnitOfWork, goal: GoalView) -> set[str]:
    return uow.partnerships.partners_of(goal.team_id, goal.owner_id)


def ensure_may_log(goal: GoalView, member_id: str) -> None:
    if goal.owner_id != member_id and goal.kind != "team":
        raise Forbidden("only the owner checks in on a personal goal")


def readable_checkin(uow: CheckinsUnitOfWork, principal: Principal,
                     checkin_id: str) -> tuple[Checkin, GoalView]:
    return _readable_checkin(uow, principal, checkin_id, with_partners=False)[:2]


def editable_checkin(uow: CheckinsUnitOfWork, principal: Principal,
                     checkin_id: str) -> tuple[Checkin, GoalView, set[str]]:
    """The check-in, its goal and the goal owner's partners, read once for the read check and
    for the edited check-in that tells them."""
    return _readable_checkin(uow, principal, checkin_id, with_partners=True)


def _readable_goal(uow: CheckinsUnitOfWork, principal: Principal, goal_id: str, *,
                   with_partners: bool) -> tuple[GoalView, set[str]]:
    goal = uow.goals.get(principal.team_id, goal_id)
    partners = goal and _partners_if_seen(uow, principal, goal, with_partners)
    if partners is None:
        raise NotFound(f"goal {goal_id} not found")
    return goal, partners


def _readable_checkin(uow: CheckinsUnitOfWork, principal: Principal, checkin_id: str, *,
                      with_partners: bool) -> tuple[Checkin, GoalView, set[str]]:
    checkin = uow.checkins.get(principal.team_id, checkin_id)
    goal = checkin and uow.goals.get(principal.team_id, checkin.goal_id)
    partners = goal and _partners_if_seen(uow, principal, goal, with_partners)
    if partners is None:
        raise NotFound(f"check-in {checkin_id} not found")
    return checkin, goal, partners


def _partners_if_seen(uow: CheckinsUnitOfWork, principal: Principal, goal: GoalView,
                      with_partners: bool) -> set[str] | None:
    """The goal owner's partners (read when the goal is private or `with_partners`, else
    empty), or None when the caller may not see the goal."""
    partners = owner_partners(uow, goal) if with_partners or goal.is_private else set()
    return partners if may_see(goal, principal.member_id, principal.is_lead, partners) else None


def ensure_self_or_lead(uow: CheckinsUnitOfWork, team_id: str, member_id: str,
                        principal: Principal) -> None:
    """A member's own settings change by that member or a team lead."""
    if uow.members.in_team(team_id, member_id) is None:
        raise NotFound(f"member {member_id} not found")
    if member_id != principal.member_id and not principal.is_lead:
        raise Forbidden("only the member or a team lead may change this")
