"""Use cases of manual partnerships and the pairing opt-out."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.checkins.domain.partners import PairingPreference, Partnership
from services.checkins.service_layer.access import ensure_self_or_lead
from services.checkins.service_layer.commands import (
    AcceptPartnership,
    EndPartnership,
    GetPairingOptOut,
    InvitePartner,
    ListPartnerships,
    SetPairingOptOut,
)
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.domain import Conflict, NotFound, Unprocessable
from shared.idempotency import Once, made_once


@dataclass(frozen=True)
class OptOut:
    member_id: str
    opted_out: bool


def invite(cmd: InvitePartner, uow: CheckinsUnitOfWork, clock: Clock,
           render_partnership: Callable[[Partnership], object]) -> Once[Partnership]:
    """Invite a teammate, once per idempotency key (a resend gets the first answer); 409
    while the two are partners or an invitation between them is open. The pair's rows are
    locked first, so two invitations between them sent at once (each inviting the other, or
    a double click without a key) take turns and the second is refused."""
    now = clock.now()

    def invited() -> Partnership:
        uow.members.lock([cmd.actor.member_id, cmd.member_id])  # then read as they stand
        invitee = uow.members.in_team(cmd.team_id, cmd.member_id)
        if invitee is None or invitee.state == "left":
            raise Unprocessable("no such member in this team",
                                errors={"member_id": ["Not a member of this team."]})
        partnership = Partnership.invitation(cmd.team_id, cmd.actor.member_id, cmd.member_id,
                                             at=now)  # refuses yourself
        if _holding_both(uow, cmd.team_id, partnership.member_ids):
            raise Conflict("you are already partners, or an invitation between you is open")
        uow.partnerships.add(partnership)
        return partnership

    with uow:
        result = made_once(uow.idempotency_keys, cmd.idempotency, now, invited,
                           render_partnership)
        uow.commit()
    return result


def accept(cmd: AcceptPartnership, uow: CheckinsUnitOfWork, clock: Clock,
           render_partnership: Callable[[Partnership], object]) -> Once[Partnership]:
    """The invited member accepts, once per idempotency key (a resend gets the first answer;
    without a key, a second accept is refused, 409)."""
    now = clock.now()

    def accepted() -> Partnership:
        partnership = _found(uow, cmd.team_id, cmd.partnership_id)
        partnered = any(p.is_active and p.id != partnership.id
                        for p in _holding_both(uow, cmd.team_id, partnership.member_ids))
        partnership.accept(cmd.actor.member_id, now, partnered_elsewhere=partnered)
        return partnership

    return _answered_once(uow, cmd, now, accepted, render_partnership)


def end(cmd: EndPartnership, uow: CheckinsUnitOfWork, clock: Clock,
        render_partnership: Callable[[Partnership], object]) -> Once[Partnership]:
    """A partner ends the partnership (declines or withdraws an invitation), once per
    idempotency key (a resend gets the first answer; without a key, a second end is refused,
    409)."""
    now = clock.now()

    def ended() -> Partnership:
        partnership = _found(uow, cmd.team_id, cmd.partnership_id)
        continued = partnership.leave(cmd.actor.member_id, now, by=cmd.actor.member_id)
        if continued is not None:  # the other two of a group of three
            uow.partnerships.add(continued)
        return partnership

    return _answered_once(uow, cmd, now, ended, render_partnership)


def _answered_once(uow: CheckinsUnitOfWork, cmd: AcceptPartnership | EndPartnership,
                   now: datetime, answer: Callable[[], Partnership],
                   render_partnership: Callable[[Partnership], object]) -> Once[Partnership]:
    """An answer to a partnership (`answer()`) in one transaction, once per the command's key:
    the partnership as the first answer left it (200), replayed to a resend."""
    with uow:
        result = made_once(uow.idempotency_keys, cmd.idempotency, now, answer,
                           render_partnership, status=200)
        uow.commit()
    return result


def list_partnerships(cmd: ListPartnerships,
                      reader: CheckinsUnitOfWork) -> tuple[list[Partnership], str | None]:
    with reader:
        return reader.listings.partnerships_of_team(cmd.team_id, cmd.limit, cmd.cursor,
                                                    cmd.status)


def set_opt_out(cmd: SetPairingOptOut, uow: CheckinsUnitOfWork, clock: Clock) -> OptOut:
    with uow:
        ensure_self_or_lead(uow, cmd.team_id, cmd.member_id, cmd.actor)
        preference = uow.rounds.save_preference(
            PairingPreference(cmd.team_id, cmd.member_id, cmd.opted_out, clock.now()))
        uow.commit()
    return OptOut(preference.member_id, preference.opted_out)


def get_opt_out(cmd: GetPairingOptOut, reader: CheckinsUnitOfWork) -> OptOut:
    with reader:
        ensure_self_or_lead(reader, cmd.team_id, cmd.member_id, cmd.actor)
        preference = reader.rounds.preference(cmd.team_id, cmd.member_id)
    return OptOut(cmd.member_id, bool(preference and preference.opted_out))


def _holding_both(uow: CheckinsUnitOfWork, team_id: str,
                  pair: list[str]) -> list[Partnership]:
    """The team's open partnerships (invited or active, a pair or a trio) holding both of
    `pair`."""
    return [p for p in uow.partnerships.open_in_team(team_id)
            if all(map(p.includes, pair))]


def _found(uow: CheckinsUnitOfWork, team_id: str, partnership_id: str) -> Partnership:
    partnership = uow.partnerships.get(team_id, partnership_id)
    if partnership is None:
        raise NotFound(f"partnership {partnership_id} not found")
    return partnership
