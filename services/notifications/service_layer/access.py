"""Who may see and change what: leads manage their team's channels, log and digest; members
check in from Slack on the goals the checkins service takes their check-ins on."""

from __future__ import annotations

from services.notifications.domain.replicas import GoalReplica, MemberReplica
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.auth import Principal
from shared.domain import Forbidden, NotFound


def ensure_lead(actor: Principal, team_id: str) -> None:
    """A lead of `team_id`; another team's member gets 404, as if the team did not exist."""
    if actor.team_id != str(team_id):
        raise NotFound(f"team {team_id} not found")
    if not actor.is_lead:
        raise Forbidden("only a team lead may do this")


def may_check_in(uow: NotificationsUnitOfWork, member: MemberReplica, goal: GoalReplica) -> bool:
    """Whether checkins takes `member`'s check-in on `goal` (`GoalReplica.takes_checkins_from`)."""
    return bool(_taking_checkins_from(uow, member, [goal]))


def goals_to_check_in(uow: NotificationsUnitOfWork, member: MemberReplica) -> list[GoalReplica]:
    """The goals `member` may check in on, by title: their own, and their team's team goals
    they see."""
    return _taking_checkins_from(uow, member, uow.replicas.checkin_candidates(member))


def _taking_checkins_from(uow: NotificationsUnitOfWork, member: MemberReplica,
                          goals: list[GoalReplica]) -> list[GoalReplica]:
    """The `goals` that take `member`'s check-ins. The team's partnerships are read once for
    all of them, and only when a private goal of someone else is among them."""
    others_private = any(g.is_private and g.owner_id != member.member_id for g in goals)
    partners = uow.replicas.partners_in(member.team_id) if others_private else {}
    return [g for g in goals if g.takes_checkins_from(member, partners.get(g.owner_id, ()))]
