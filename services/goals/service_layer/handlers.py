"""Use cases of the goals service. Each runs in one unit of work and returns domain objects."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.goals.domain.model import Goal, Member, Metric, Team
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal, TokenSigner
from shared.clock import Clock
from shared.domain import Conflict, NotFound, Unprocessable


@dataclass(frozen=True)
class NewMember:
    name: str
    email: str
    timezone: str
    role: str = "member"
    slack_user_id: str | None = None


@dataclass(frozen=True)
class CreateTeam:
    name: str
    timezone: str
    lead: NewMember
    require_smart: bool = False


@dataclass(frozen=True)
class CreateGoal:
    title: str
    due_date: date | None
    description: str = ""
    why: str = ""
    start_date: date | None = None
    metric: dict | None = None
    status: str = "active"
    kind: str = "personal"
    visibility: str = "team"
    parent_id: str | None = None


def create_team(cmd: CreateTeam, uow: GoalsUnitOfWork, tokens: TokenSigner, clock: Clock):
    with uow:
        team = Team(cmd.name, cmd.timezone, require_smart=cmd.require_smart, created_at=clock.now())
        uow.teams.add(team)
        team.created()
        uow.flush()  # the team row must exist before its lead's
        lead = _new_member(team.id, NewMember(**{**cmd.lead.__dict__, "role": "lead"}))
        uow.members.add(lead)
        uow.commit()
    return team, lead, tokens.issue(team.id, lead.id, lead.role, lead.token_version)


def add_member(team_id: str, cmd: NewMember, uow: GoalsUnitOfWork, tokens: TokenSigner):
    with uow:
        if uow.teams.get(team_id) is None:
            raise NotFound(f"team {team_id} not found")
        if uow.members.by_email(team_id, cmd.email) is not None:
            raise Conflict(f"{cmd.email} is already a member of this team",
                           errors={"email": ["Already a member of this team."]})
        member = _new_member(team_id, cmd)
        uow.members.add(member)
        uow.commit()
    return member, tokens.issue(team_id, member.id, member.role, member.token_version)


def create_goal(cmd: CreateGoal, principal: Principal, uow: GoalsUnitOfWork, clock: Clock) -> Goal:
    start = cmd.start_date or clock.now().date()
    if cmd.due_date is not None and cmd.due_date <= start:
        raise Unprocessable("due_date must be after start_date",
                            errors={"due_date": ["Must be after the start date."]})
    metric = None
    if cmd.metric is not None:
        metric = Metric(
            unit=cmd.metric["unit"], start=cmd.metric["start"], target=cmd.metric["target"],
            current=cmd.metric.get("current", cmd.metric["start"]),
            direction=cmd.metric.get("direction", "increase"),
        )
    with uow:
        goal = Goal(
            principal.team_id, principal.member_id, cmd.title, description=cmd.description,
            why=cmd.why, start_date=start, due_date=cmd.due_date, metric=metric,
            status=cmd.status, kind=cmd.kind, visibility=cmd.visibility, parent_id=cmd.parent_id,
        )
        uow.goals.add(goal)
        goal.created()
        uow.commit()
    return goal


def get_goal(goal_id: str, principal: Principal, uow: GoalsUnitOfWork) -> Goal:
    with uow:
        goal = uow.goals.get(principal.team_id, goal_id)
        if goal is None or not _can_see(goal, principal):
            raise NotFound(f"goal {goal_id} not found")
        return goal


def _can_see(goal: Goal, principal: Principal) -> bool:
    return goal.visibility == "team" or principal.is_lead or goal.owner_id == principal.member_id


def _new_member(team_id: str, cmd: NewMember) -> Member:
    member = Member(team_id, cmd.name, cmd.email.lower(), cmd.role, cmd.timezone,
                    slack_user_id=cmd.slack_user_id)
    member.added()
    return member
