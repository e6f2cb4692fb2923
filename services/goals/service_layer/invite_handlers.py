"""Invite links: a lead issues one for a member; redeeming it once gives the member a token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from services.goals.domain.invites import Invite, code_hash
from services.goals.service_layer.commands import InviteMember, RedeemInvite
from services.goals.service_layer.team_handlers import IssuedToken, _issue, _member
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import TokenSigner
from shared.clock import Clock
from shared.domain import Conflict, NotFound


@dataclass(frozen=True)
class IssuedInvite:
    member_id: str
    code: str
    expires_at: datetime


def invite_member(cmd: InviteMember, uow: GoalsUnitOfWork, clock: Clock) -> IssuedInvite:
    with uow:
        member = _member(cmd.team_id, cmd.member_id, uow)
        if member.state == "left":
            raise Conflict("the member has left the team")
        invite, code = Invite.issue(cmd.team_id, member.id, cmd.actor.member_id, clock.now())
        uow.invites.add(invite)
        uow.commit()
    return IssuedInvite(member.id, code, invite.expires_at)


def redeem_invite(cmd: RedeemInvite, uow: GoalsUnitOfWork, tokens: TokenSigner,
                  clock: Clock) -> IssuedToken:
    with uow:
        invite = uow.invites.by_code_hash(code_hash(cmd.code))
        if invite is None:
            raise NotFound("no such invite link; check it, or ask a lead for a new one")
        invite.redeem(clock.now())
        member = _member(invite.team_id, invite.member_id, uow)
        if member.state == "left":
            raise Conflict("the member has left the team")
        uow.commit()
    return _issue(member, tokens)
