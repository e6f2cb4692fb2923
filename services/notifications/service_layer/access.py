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
    """Whether checkins takes `member`'s check-in on `goal` (`GoalReplica.takes_checkins_from`);
    the owner's partners are read only for a private goal of someone else."""
    partners = (uow.replicas.partners_of(goal.team_id, goal.owner_id)
                if goal.is_private and goal.owner_id != member.member_id else ())
    return goal.takes_checkins_from(member, partners)


def goals_to_check_in(uow: NotificationsUnitOfWork, member: MemberReplica) -> list[GoalReplica]:
    """The goals `member` may check in on, by title: their own, and their team's team goals
    they see."""
    return [g for g in uow.replicas.checkin_candidates(member) if may_check_in(uow, member, g)]
