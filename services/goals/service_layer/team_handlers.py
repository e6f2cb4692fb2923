"""Use cases for teams and members. Leads manage the team; members manage their own profile.

The views have already checked that the actor belongs to the team (and is its lead where the
route needs one); these handlers apply the rules that depend on the member being changed.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from services.goals.adapters.repositories import is_id
from services.goals.domain.members import PROFILE_FIELDS, Member, Team, ensure_snooze_fits
from services.goals.domain.pace import local_date
from services.goals.service_layer.commands import (
    AddMember,
    CreateTeam,
    GetMember,
    GetTeam,
    ListMembers,
    NewMember,
    RevokeTokens,
    RotateToken,
    UpdateMember,
    UpdateTeam,
)
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import TokenSigner
from shared.clock import Clock
from shared.domain import Conflict, Forbidden, NotFound
from shared.pagination import InvalidCursor, decode_cursor, encode_cursor

LEAD_ONLY = ("role", "state")


@dataclass(frozen=True)
class IssuedToken:
    member: Member
    token: str


@dataclass(frozen=True)
class TeamCreated:
    team: Team
    lead: IssuedToken


@dataclass(frozen=True)
class MembersFound:
    items: list[Member]
    next_cursor: str | None


def create_team(cmd: CreateTeam, uow: GoalsUnitOfWork, tokens: TokenSigner,
                clock: Clock) -> TeamCreated:
    with uow:
        team = Team(cmd.name, cmd.timezone, require_smart=cmd.require_smart,
                    default_cadence=cmd.default_cadence, created_at=clock.now())
        uow.teams.add(team)
        team.created()
        uow.flush()  # the team row must exist before its lead's
        lead = _new_member(team.id, replace(cmd.lead, role="lead"))
        uow.members.add(lead)
        uow.commit()
    return TeamCreated(team, _issue(lead, tokens))


def get_team(cmd: GetTeam, reader: GoalsUnitOfWork) -> Team:
    with reader:
        return _team(cmd.team_id, reader)


def update_team(cmd: UpdateTeam, uow: GoalsUnitOfWork) -> Team:
    with uow:
        team = _team(cmd.team_id, uow)
        team.update(dict(cmd.changes))
        uow.commit()
    return team


def add_member(cmd: AddMember, uow: GoalsUnitOfWork, tokens: TokenSigner) -> IssuedToken:
    with uow:
        _team(cmd.team_id, uow)
        if uow.members.by_email(cmd.team_id, cmd.member.email.lower()) is not None:
            raise _already_a_member(cmd.member.email)
        member = _new_member(cmd.team_id, cmd.member)
        if not uow.members.add_new(member):  # a request adding them committed since
            raise _already_a_member(cmd.member.email)
        uow.commit()
    return _issue(member, tokens)


def _already_a_member(email: str) -> Conflict:
    return Conflict(f"{email} is already a member of this team",
                    errors={"email": ["Already a member of this team."]})


def list_members(cmd: ListMembers, reader: GoalsUnitOfWork) -> MembersFound:
    after = decode_cursor(cmd.cursor, 1)
    if after is not None and not is_id(after[0]):
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page")
    with reader:
        rows = reader.members.of_team(cmd.team_id, after[0] if after else None, cmd.limit + 1)
    limit = cmd.limit
    return MembersFound(rows[:limit],
                        encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None)


def get_member(cmd: GetMember, reader: GoalsUnitOfWork) -> Member:
    with reader:
        return _member(cmd.team_id, cmd.member_id, reader)


def update_member(cmd: UpdateMember, uow: GoalsUnitOfWork, clock: Clock) -> Member:
    """Self: profile and snooze. Lead: also role and state, for anyone in the team (a state
    the snooze in the same request contradicts is a 422, see `ensure_snooze_fits`). A new time
    zone moves the member's open goals to it, their health judged again, in the same commit;
    a member who owns open goals cannot leave until they are closed, and one who leaves takes
    their unused links with them (`_cancel_links`), as a lead made a member takes the invites
    they sent. Role and state changes take turns behind the team's row, so two leads stepping
    down at once leave one."""
    changes = cmd.changes
    is_self = cmd.actor.member_id == cmd.member_id
    if not cmd.actor.is_lead and (not is_self or any(k in changes for k in LEAD_ONLY)):
        raise Forbidden("members change only their own profile; roles and states need a lead")
    if "snoozed_until" in changes and "state" in changes:
        ensure_snooze_fits(changes["snoozed_until"], changes["state"])
    with uow:
        if any(k in changes for k in LEAD_ONLY):  # the lead count holds until this commits
            uow.teams.get(cmd.team_id, for_update=True)
        member = _member(cmd.team_id, cmd.member_id, uow, for_update=True)
        profile = {k: v for k, v in changes.items() if k in PROFILE_FIELDS}
        if profile:
            member.update_profile(profile)
        if "timezone" in profile:
            for goal in uow.goals.open_of_owner(member.team_id, member.id):
                goal.follow_owner_to(member.timezone, actor=cmd.actor.member_id, at=clock.now())
        if "snoozed_until" in changes:
            member.snooze(changes["snoozed_until"], local_date(clock.now(), member.timezone))
        if "role" in changes and changes["role"] != member.role:
            _keep_a_lead(member, uow, changes["role"] == "lead")
            member.change_role(changes["role"])
            if member.role != "lead":
                _cancel_links(member, uow, clock.now(), sent_only=True)
        if "state" in changes and changes["state"] != member.state:
            _keep_a_lead(member, uow, changes["state"] != "left")
            leaving = changes["state"] == "left"
            member.set_state(changes["state"], open_goals=_open_goals(member, uow) if leaving
                             else ())
            if leaving:
                _cancel_links(member, uow, clock.now())
        uow.commit()
    return member


def rotate_token(cmd: RotateToken, uow: GoalsUnitOfWork, tokens: TokenSigner,
                 clock: Clock) -> IssuedToken:
    """Revoke every token of the member (and their links, see `_cancel_links`), and issue a
    fresh one."""
    return _issue(_revoke(cmd.team_id, cmd.member_id, uow, clock), tokens)


def revoke_tokens(cmd: RevokeTokens, uow: GoalsUnitOfWork, clock: Clock) -> Member:
    """Revoke every token of the member, and their links (see `_cancel_links`)."""
    return _revoke(cmd.team_id, cmd.member_id, uow, clock)


def _revoke(team_id: str, member_id: str, uow: GoalsUnitOfWork, clock: Clock) -> Member:
    with uow:
        member = _member(team_id, member_id, uow, for_update=True)
        if member.state == "left":
            raise Conflict("the member has left the team")
        member.rotate_token()
        _cancel_links(member, uow, clock.now())
        uow.commit()
    return member


def _cancel_links(member: Member, uow: GoalsUnitOfWork, now: datetime, *,
                  sent_only: bool = False) -> None:
    """The member's access is revoked (or they left): the links not used yet that would sign
    them in, and the invites they sent, stop too. `sent_only` (a lead made a member): only the
    invites they sent to others stop; their own links still sign them in."""
    for link in uow.invites.unused_of(member.id, now, sent_only=sent_only):
        link.cancel(now)


def _issue(member: Member, tokens: TokenSigner) -> IssuedToken:
    return IssuedToken(member, tokens.issue(member.team_id, member.id, member.role,
                                            member.token_version))


def _keep_a_lead(member: Member, uow: GoalsUnitOfWork, stays_lead: bool) -> None:
    if member.is_active_lead and not stays_lead and uow.members.count_leads(member.team_id) <= 1:
        raise Conflict("a team keeps at least one lead; promote someone else first")


def _open_goals(member: Member, uow: GoalsUnitOfWork) -> tuple[str, ...]:
    """The titles of the member's draft and active goals."""
    return tuple(goal.title for goal in uow.goals.open_of_owner(member.team_id, member.id))


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


def _new_member(team_id: str, new: NewMember) -> Member:
    member = Member(team_id, new.name, new.email.lower(), new.role, new.timezone,
                    slack_user_id=new.slack_user_id, working_hours=new.working_hours,
                    default_cadence=new.default_cadence)
    member.added()
    return member
