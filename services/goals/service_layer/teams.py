"""Use cases for teams and members. Leads manage the team; members manage their own profile."""

from __future__ import annotations

from dataclasses import dataclass

from services.goals.adapters.repository import is_id
from services.goals.domain.members import PROFILE_FIELDS, Member, Team
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal, TokenSigner
from shared.clock import Clock
from shared.domain import Conflict, Forbidden, NotFound
from shared.pagination import InvalidCursor, decode_cursor, encode_cursor

LEAD_ONLY = ("role", "state")


@dataclass(frozen=True)
class NewMember:
    name: str
    email: str
    timezone: str
    role: str = "member"
    slack_user_id: str | None = None
    working_hours: dict | None = None
    default_cadence: dict | None = None


@dataclass(frozen=True)
class CreateTeam:
    name: str
    timezone: str
    lead: NewMember
    require_smart: bool = False
    default_cadence: dict | None = None


def create_team(cmd: CreateTeam, uow: GoalsUnitOfWork, tokens: TokenSigner, clock: Clock):
    with uow:
        team = Team(cmd.name, cmd.timezone, require_smart=cmd.require_smart,
                    default_cadence=cmd.default_cadence, created_at=clock.now())
        uow.teams.add(team)
        team.created()
        uow.flush()  # the team row must exist before its lead's
        lead = _new_member(team.id, NewMember(**{**cmd.lead.__dict__, "role": "lead"}))
        uow.members.add(lead)
        uow.commit()
    return team, lead, tokens.issue(team.id, lead.id, lead.role, lead.token_version)


def get_team(team_id: str, uow: GoalsUnitOfWork) -> Team:
    with uow:
        return _team(team_id, uow)


def update_team(team_id: str, changes: dict, uow: GoalsUnitOfWork) -> Team:
    with uow:
        team = _team(team_id, uow)
        team.update(changes)
        uow.commit()
    return team


def add_member(team_id: str, cmd: NewMember, uow: GoalsUnitOfWork, tokens: TokenSigner):
    with uow:
        _team(team_id, uow)
        if uow.members.by_email(team_id, cmd.email.lower()) is not None:
            raise Conflict(f"{cmd.email} is already a member of this team",
                           errors={"email": ["Already a member of this team."]})
        member = _new_member(team_id, cmd)
        uow.members.add(member)
        uow.commit()
    return member, tokens.issue(team_id, member.id, member.role, member.token_version)


def list_members(team_id: str, uow: GoalsUnitOfWork, *, cursor: str | None,
                 limit: int) -> tuple[list[Member], str | None]:
    after = decode_cursor(cursor, 1)
    if after is not None and not is_id(after[0]):
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page")
    with uow:
        rows = uow.members.of_team(team_id, after[0] if after else None, limit + 1)
    return rows[:limit], (encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None)


def get_member(team_id: str, member_id: str, uow: GoalsUnitOfWork) -> Member:
    with uow:
        return _member(team_id, member_id, uow)


def update_member(team_id: str, member_id: str, changes: dict, principal: Principal,
                  uow: GoalsUnitOfWork) -> Member:
    """Self: profile and snooze. Lead: also role and state, for anyone in the team."""
    is_self = principal.member_id == member_id
    if not principal.is_lead and (not is_self or any(k in changes for k in LEAD_ONLY)):
        raise Forbidden("members change only their own profile; roles and states need a lead")
    with uow:
        member = _member(team_id, member_id, uow, for_update=True)
        profile = {k: v for k, v in changes.items() if k in PROFILE_FIELDS}
        if profile:
            member.update_profile(profile)
        if "snoozed_until" in changes:
            member.snooze(changes["snoozed_until"])
        if "role" in changes and changes["role"] != member.role:
            _keep_a_lead(member, uow, changes["role"] == "lead")
            member.change_role(changes["role"])
        if "state" in changes and changes["state"] != member.state:
            _keep_a_lead(member, uow, changes["state"] != "left")
            member.set_state(changes["state"])
        uow.commit()
    return member


def rotate_token(team_id: str, member_id: str, uow: GoalsUnitOfWork,
                 tokens: TokenSigner) -> tuple[Member, str | None]:
    """Revoke every token of the member; with `tokens`, also issue a fresh one."""
    with uow:
        member = _member(team_id, member_id, uow, for_update=True)
        if member.state == "left":
            raise Conflict("the member has left the team")
        member.rotate_token()
        uow.commit()
    return member, tokens.issue(team_id, member.id, member.role, member.token_version)


def _keep_a_lead(member: Member, uow: GoalsUnitOfWork, stays_lead: bool) -> None:
    if member.is_active_lead and not stays_lead and uow.members.count_leads(member.team_id) <= 1:
        raise Conflict("a team keeps at least one lead; promote someone else first")


def _team(team_id: str, uow: GoalsUnitOfWork) -> Team:
    team = uow.teams.get(team_id)
    if team is None:
        raise NotFound(f"team {team_id} not found")
    return team


def _member(team_id: str, member_id: str, uow: GoalsUnitOfWork, *,
            for_update: bool = False) -> Member:
    member = uow.members.get(team_id, member_id, for_update=for_update)
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


def _new_member(team_id: str, cmd: NewMember) -> Member:
    member = Member(team_id, cmd.name, cmd.email.lower(), cmd.role, cmd.timezone,
                    slack_user_id=cmd.slack_user_id, working_hours=cmd.working_hours,
                    default_cadence=cmd.default_cadence)
    member.added()
    return member
