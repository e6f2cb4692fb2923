"""One-time links: a lead's invite for a member, or the sign-in link a member asks for by mail;
redeeming one once gives the member a token."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.goals.config import GoalsSettings
from services.goals.domain.invites import INVITE, SIGN_IN, Invite, code_hash, signed_code
from services.goals.domain.members import Member
from services.goals.service_layer.commands import (
    InviteMember,
    RedeemInvite,
    RedeemSignInLink,
    RequestSignInLink,
)
from services.goals.service_layer.team_handlers import IssuedToken, _issue, _member
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import TokenSigner
from shared.clock import Clock
from shared.domain import Conflict, Forbidden, NotFound
from shared.idempotency import IdempotentRequest, SavedResponse, made_once


@dataclass(frozen=True)
class IssuedInvite:
    """An invite made now (`invite`), or `replayed`: the first answer under the request's
    idempotency key (the invite as answered then, without its code); `code` either way,
    signed from the invite's id (the key's ledger keeps no code: it signs the member in)."""

    code: str
    invite: Invite | None = None
    replayed: SavedResponse | None = None

    @property
    def id(self) -> str:
        return self.invite.id

    @property
    def member_id(self) -> str:
        return self.invite.member_id

    @property
    def expires_at(self) -> datetime:
        return self.invite.expires_at


def invite_member(cmd: InviteMember, uow: GoalsUnitOfWork, clock: Clock,
                  settings: GoalsSettings, render_invite: Callable[[Invite], object]
                  ) -> IssuedInvite:
    """409 when the member has left. With an idempotency key, the invite is made once: a retry
    gets the first answer again, with the same code (`IssuedInvite`)."""

    def invited() -> Invite:
        member = _member(cmd.team_id, cmd.member_id, uow)
        if member.state == "left":
            raise Conflict("the member has left the team")
        invite, _ = Invite.issue(cmd.team_id, member.id, cmd.actor.member_id, clock.now(),
                                 settings.secret_key)
        uow.invites.add(invite)
        return invite

    with uow:
        once = made_once(uow.idempotency_keys, cmd.idempotency, clock.now(), invited,
                         render_invite)
        uow.commit()
    invite_id = once.made.id if once.made else json.loads(once.replayed.body)["id"]
    return IssuedInvite(signed_code(invite_id, settings.secret_key), once.made, once.replayed)


def redeem_invite(cmd: RedeemInvite, uow: GoalsUnitOfWork, tokens: TokenSigner,
                  clock: Clock, render_member: Callable[[Member], object]) -> IssuedToken:
    return _redeem(cmd.code, INVITE, cmd.idempotency, uow, tokens, clock, render_member)


def request_sign_in_link(cmd: RequestSignInLink, uow: GoalsUnitOfWork, clock: Clock,
                         settings: GoalsSettings) -> None:
    """A link for each member with that address, mailed by notifications; nothing (and no
    difference the caller can see) for an address that is no member's."""
    with uow:
        for member in uow.members.signing_in_as(cmd.email):
            link, code = Invite.issue(member.team_id, member.id, member.id, clock.now(),
                                      settings.secret_key, purpose=SIGN_IN)
            uow.invites.add(link)
            member.request_sign_in(f"{settings.public_url}/sign-in/{code}", link.expires_at)
        uow.commit()


def redeem_sign_in_link(cmd: RedeemSignInLink, uow: GoalsUnitOfWork, tokens: TokenSigner,
                        clock: Clock, render_member: Callable[[Member], object]) -> IssuedToken:
    return _redeem(cmd.code, SIGN_IN, cmd.idempotency, uow, tokens, clock, render_member)


def _redeem(code: str, purpose: str, idempotency: IdempotentRequest | None,
            uow: GoalsUnitOfWork, tokens: TokenSigner, clock: Clock,
            render_member: Callable[[Member], object]) -> IssuedToken:
    """The link's member and a token for them, the link used up; 404 for a code never issued,
    403 once its member has left the team (whatever the link's state: leaving cancelled it), else
    409 for a link used, expired or cancelled. With an idempotency key (scoped to the code), a
    repeat of the request that used the link signs in again within `REPEAT_WINDOW` of that use,
    unless the member's access was revoked since: a double click lands as the first did."""
    with uow:
        now = clock.now()
        once = made_once(uow.idempotency_keys, idempotency, now,
                         lambda: _use(code, purpose, uow, now), render_member, status=200)
        member = once.made or _repeat(code, purpose, json.loads(once.replayed.body), uow, now)
        uow.commit()
    return _issue(member, tokens)


def _use(code: str, purpose: str, uow: GoalsUnitOfWork, now: datetime) -> Member:
    link, member = _link_and_member(code, purpose, uow)
    link.redeem(now)
    return member


def _repeat(code: str, purpose: str, first: dict, uow: GoalsUnitOfWork,
            now: datetime) -> Member:
    """The member the first request (answered `first`) signed in, read again."""
    link, member = _link_and_member(code, purpose, uow)
    link.repeat(now, revoked_since=member.token_version != first["token_version"])
    return member


def _link_and_member(code: str, purpose: str, uow: GoalsUnitOfWork) -> tuple[Invite, Member]:
    link = uow.invites.by_code_hash(code_hash(code), purpose)
    if link is None:
        what = "invite link; check it, or ask a lead" if purpose == INVITE \
            else "sign-in link; check it, or ask"
        raise NotFound(f"no such {what} for a new one")
    member = _member(link.team_id, link.member_id, uow)
    if member.state == "left":  # said before the link's own state: no new link would do
        raise Forbidden(f"you are no longer a member of {uow.teams.get(member.team_id).name}")
    return link, member
