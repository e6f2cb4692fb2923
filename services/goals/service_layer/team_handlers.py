"""Use cases for teams and members. Leads manage the team; members manage their own profile.

The views have already checked that the actor belongs to the team (and is its lead where the
route needs one); these handlers apply the rules that depend on the member being changed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
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
from shared.auth import Principal, TokenSigner
from shared.clock import Clock
from shared.domain import Conflict, Forbidden, NotFound, changed
from shared.idempotency import SavedResponse, made_once
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


@dataclass(frozen=True)
class AddedMember:
    """A member added, with a token signed for them now; `replayed`: the first answer under
    the request's idempotency key (the member as answered then), the member added by it."""

    issued: IssuedToken
    replayed: SavedResponse | None = None


def add_member(cmd: AddMember, uow: GoalsUnitOfWork, tokens: TokenSigner, clock: Clock,
               render_member: Callable[[Member], object]) -> AddedMember:
    """409 when the address, or the Slack user, is a teammate's already, whether found first
    or written by a request that committed since. With an idempotency key, the answer is saved
    in the same transaction, so a retry gets it back instead of that 409: the member as they
    were answered, without their token (the ledger keeps no credential), and a token signed
    for them again, valid as the first was."""

    def added() -> Member:
        _team(cmd.team_id, uow)
        member = _new_member(cmd.team_id, cmd.member)
        _ensure_unclaimed(member, uow)
        if not uow.members.add_new(member):  # a request adding them committed since
            _ensure_unclaimed(member, uow)
            raise _already_a_member(member.email)
        return member

    with uow:
        once = made_once(uow.idempotency_keys, cmd.idempotency, clock.now(), added,
                         render_member)
        member = once.made or _member(cmd.team_id, json.loads(once.replayed.body)["id"], uow)
        uow.commit()
    return AddedMember(_issue(member, tokens), once.replayed)


def _ensure_unclaimed(member: Member, uow: GoalsUnitOfWork) -> None:
    """409 when another member of the team has the new member's address or Slack user."""
    found = uow.members.by_email(member.team_id, member.email)
    if found is not None and found.id != member.id:
        raise _already_a_member(member.email)
    if member.slack_user_id is not None:
        _ensure_slack_user_free(member.team_id, member.slack_user_id, member.id, uow)


def _ensure_slack_user_free(team_id: str, slack_user_id: str, member_id: str,
                            uow: GoalsUnitOfWork) -> None:
    """409 naming the teammate (other than `member_id`) who has the Slack user: Slack
    commands and the App Home act for the one member who names it. A teammate who left
    still naming it (they left before departures gave it up) gives it up now."""
    holder = uow.members.by_slack_user(team_id, slack_user_id)
    if holder is None or holder.id == member_id:
        return
    if holder.state == "left":
        holder.give_up_slack_user()
        return
    raise Conflict(f"Slack user {slack_user_id} is already {holder.name}'s in this team; "
                       f"clear it from {holder.name}'s profile first", errors={
                           "slack_user_id": [f"Already the Slack user of {holder.name} "
                                             f"(member {holder.id})."]})


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
    the snooze in the same request contradicts is a 422, see `ensure_snooze_fits`). A Slack
    user a teammate has is refused (409, `_claim_slack_user`). What repeats the member's
    values is no change (no member.updated). A new time zone moves the
    member's open goals to it, their health judged again, in the same commit;
    a member who owns open goals cannot leave until they are closed, and one who leaves takes
    their unused links with them (`_cancel_links`), as a lead made a member takes the invites
    they sent. A member who left is given a role only when the same request brings them back
    (the state is applied first, unless it is left: then the role is, as their last on the
    team), and snoozed only when it brings them back snoozed (the snooze is their return, one
    member.updated). A member whose snooze has ended is woken first (as the worker's job does).
    Role and state changes take turns behind the team's row, so two leads stepping
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
        with member.one_update():  # one member.updated for the whole request
            _apply_changes(member, changes, cmd.actor, uow, clock)
        uow.commit()
    return member


def _apply_changes(member: Member, changes: dict, actor: Principal, uow: GoalsUnitOfWork,
                   clock: Clock) -> None:
    """`update_member`'s changes, in their order: a snooze ended is woken first, then the
    profile, the snooze, and the state and role (see there)."""
    member.wake_if_snooze_over(clock.now())  # answered as applied now, even before the job
    profile = changed(member, {k: v for k, v in changes.items() if k in PROFILE_FIELDS})
    if profile.get("slack_user_id") is not None:
        _claim_slack_user(member, profile["slack_user_id"], uow)
    if profile:
        member.update_profile(profile)
    if "timezone" in profile:
        for goal in uow.goals.open_of_owner(member.team_id, member.id):
            goal.follow_owner_to(member.timezone, actor=actor.member_id, at=clock.now())
    if "snoozed_until" in changes:
        member.snooze(changes["snoozed_until"], local_date(clock.now(), member.timezone),
                      returning=changes.get("state") == "snoozed")
    if changes.get("state") == "left":  # the role is the last one given on the team
        _apply_role(member, changes, uow, clock)
        _apply_state(member, changes, uow, clock)
    else:  # back on the team first, so a returning member can be given a role
        _apply_state(member, changes, uow, clock)
        _apply_role(member, changes, uow, clock)


def _apply_role(member: Member, changes: dict, uow: GoalsUnitOfWork, clock: Clock) -> None:
    """Give the member `changes["role"]`, if asked and new; a lead made a member takes the
    invites they sent. 409 when it would leave the team without a lead, or the member left."""
    if "role" not in changes or changes["role"] == member.role:
        return
    _keep_a_lead(member, uow, changes["role"] == "lead")
    member.change_role(changes["role"])
    if member.role != "lead":
        _cancel_links(member, uow, clock.now(), sent_only=True)


def _apply_state(member: Member, changes: dict, uow: GoalsUnitOfWork, clock: Clock) -> None:
    """Move the member to `changes["state"]`, if asked and new; one who leaves takes their
    unused links. 409 when it would leave the team without a lead, or its leaver owns open
    goals."""
    if "state" not in changes or changes["state"] == member.state:
        return
    _keep_a_lead(member, uow, changes["state"] != "left")
    leaving = changes["state"] == "left"
    member.set_state(changes["state"], open_goals=_open_goals(member, uow) if leaving else ())
    if leaving:
        _cancel_links(member, uow, clock.now())


def _claim_slack_user(member: Member, slack_user_id: str, uow: GoalsUnitOfWork) -> None:
    """Name the member's Slack user; 409 when a teammate has it, found first or written by a
    request that committed since."""
    _ensure_slack_user_free(member.team_id, slack_user_id, member.id, uow)
    if not uow.members.name_slack_user(member, slack_user_id):
        _ensure_slack_user_free(member.team_id, slack_user_id, member.id, uow)
        raise Conflict(f"Slack user {slack_user_id} was just given to a teammate; try again")


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
