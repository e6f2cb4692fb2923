"""Use cases of manual partnerships and the pairing opt-out."""

from __future__ import annotations

from datetime import datetime

from services.checkins.domain.partners import PairingPreference, Partnership
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import Conflict, Forbidden, NotFound, Unprocessable
from shared.pagination import decode_cursor, page_of


def invite(team_id: str, invitee_id: str, principal: Principal, uow: CheckinsUnitOfWork,
           clock: Clock) -> Partnership:
    with uow:
        invitee = uow.members.in_team(team_id, invitee_id)
        if invitee is None or invitee.state == "left":
            raise Unprocessable("no such member in this team",
                                errors={"member_id": ["Not a member of this team."]})
        pair = {principal.member_id, invitee_id}
        if any(set(p.member_ids) == pair for p in uow.partnerships.open_in_team(team_id)):
            raise Conflict("you are already partners, or an invitation between you is open")
        partnership = Partnership.invitation(team_id, principal.member_id, invitee_id,
                                             at=clock.now())
        uow.partnerships.add(partnership)
        uow.commit()
    return partnership


def accept(team_id: str, partnership_id: str, principal: Principal, uow: CheckinsUnitOfWork,
           clock: Clock) -> Partnership:
    with uow:
        partnership = _found(uow, team_id, partnership_id)
        partnership.accept(principal.member_id, clock.now())
        uow.commit()
    return partnership


def end(team_id: str, partnership_id: str, principal: Principal, uow: CheckinsUnitOfWork,
        clock: Clock) -> Partnership:
    with uow:
        partnership = _found(uow, team_id, partnership_id)
        partnership.end(principal.member_id, clock.now())
        uow.commit()
    return partnership


def list_partnerships(team_id: str, uow: CheckinsUnitOfWork, *, limit: int,
                      cursor: str | None) -> tuple[list[Partnership], str | None]:
    after = decode_cursor(cursor, 2)
    if after is not None:
        after = [datetime.fromisoformat(after[0]), after[1]]
    with uow:
        rows = uow.partnerships.listing(team_id, limit, after)
    return page_of(rows, limit, lambda p: (p.created_at.isoformat(), p.id))


def set_opt_out(team_id: str, member_id: str, opted_out: bool, principal: Principal,
                uow: CheckinsUnitOfWork, clock: Clock) -> PairingPreference:
    with uow:
        _ensure_self_or_lead(uow, team_id, member_id, principal)
        preference = uow.rounds.save_preference(
            PairingPreference(team_id, member_id, opted_out, clock.now()))
        uow.commit()
    return preference


def get_opt_out(team_id: str, member_id: str, principal: Principal,
                uow: CheckinsUnitOfWork) -> dict:
    with uow:
        _ensure_self_or_lead(uow, team_id, member_id, principal)
        preference = uow.rounds.preference(team_id, member_id)
    return {"member_id": member_id, "opted_out": bool(preference and preference.opted_out)}


def _found(uow: CheckinsUnitOfWork, team_id: str, partnership_id: str) -> Partnership:
    partnership = uow.partnerships.get(team_id, partnership_id)
    if partnership is None:
        raise NotFound(f"partnership {partnership_id} not found")
    return partnership


def _ensure_self_or_lead(uow: CheckinsUnitOfWork, team_id: str, member_id: str,
                         principal: Principal) -> None:
    if uow.members.in_team(team_id, member_id) is None:
        raise NotFound(f"member {member_id} not found")
    if member_id != principal.member_id and not principal.is_lead:
        raise Forbidden("only the member or a team lead may change this")
