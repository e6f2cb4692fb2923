"""Pairing rounds: run by a lead (or by the schedule's job), with their history kept."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from itertools import combinations

from sqlalchemy.exc import IntegrityError

from services.checkins.domain.pairing import Candidate, pair
from services.checkins.domain.partners import (
    PairingRound,
    PairingSchedule,
    Partnership,
    round_note,
)
from services.checkins.service_layer.commands import (
    DeletePairingSchedule,
    GetPairingSchedule,
    GetRound,
    ListRounds,
    RunRound,
    SetPairingSchedule,
)
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.domain import Conflict, NotFound
from shared.idempotency import Once, made_once


def run_round(cmd: RunRound, uow: CheckinsUnitOfWork, clock: Clock,
              render_round: Callable[[PairingRound], object]) -> Once[PairingRound]:
    """Run a round now; with an idempotency key, once: a resend of the same request (a double
    click) answers the first's round, saved in the same transaction. Two rounds formed from the
    same history (two leads at once): the second to commit is refused (409)."""
    with uow:
        now = clock.now()

        def formed() -> PairingRound:
            return form_round(uow, cmd.team_id, now, seed=cmd.seed, cooldown=cmd.cooldown,
                              run_by=cmd.actor.member_id)

        try:
            result = made_once(uow.idempotency_keys, cmd.idempotency, now, formed, render_round)
            uow.commit()
        except IntegrityError as exc:
            raise Conflict("another pairing round of this team ran at the same moment; "
                           "look at the latest round or run again") from exc
    return result


def form_round(uow: CheckinsUnitOfWork, team_id: str, now: datetime, *, seed: int | None,
               cooldown: int, run_by: str | None) -> PairingRound:
    """Pair the team's eligible members, avoiding the last `cooldown` rounds' partners."""
    members = [m for m in uow.members.of_team(team_id) if m.state != "left"]
    opted_out = uow.rounds.opted_out(team_id)
    eligible = [m for m in members if m.available_at(now) and m.member_id not in opted_out]
    history = uow.rounds.latest(team_id, max(cooldown, 1))
    recent = [p for r in history[:cooldown] for g in r.groups for p in combinations(g, 2)]
    open_now = uow.partnerships.open_in_team(team_id)
    # partners by their own choice stay partners: the round avoids pairing them again too
    chosen = {frozenset(p.member_ids) for p in open_now if p.round_id is None and p.is_active}
    recent += [pair_ for group in chosen for pair_ in combinations(sorted(group), 2)]
    seed = seed if seed is not None else secrets.randbelow(2**31)
    result = pair([Candidate(m.member_id, m.utc_minutes(now.date())) for m in eligible],
                  recent, seed)
    for partnership in open_now:
        if partnership.round_id is not None and partnership.is_active:
            partnership.end(None, now)
    number = history[0].number + 1 if history else 1
    pairing_round = PairingRound(
        team_id, number, seed=seed, cooldown=cooldown, result=result,
        left_out=[m.member_id for m in members if m not in eligible],
        note=round_note(result, len(eligible), cooldown, chosen), at=now,
        run_by=run_by)
    uow.rounds.add(pairing_round)
    for group in result.groups:
        if frozenset(group) not in chosen:  # the same partners twice would be one partnership
            uow.partnerships.add(Partnership.from_round(team_id, group, pairing_round.id, now))
    pairing_round.completed()
    return pairing_round


def list_rounds(cmd: ListRounds,
                reader: CheckinsUnitOfWork) -> tuple[list[PairingRound], str | None]:
    with reader:
        return reader.listings.rounds_of_team(cmd.team_id, cmd.limit, cmd.cursor)


def get_round(cmd: GetRound, reader: CheckinsUnitOfWork) -> PairingRound:
    with reader:
        found = reader.rounds.get(cmd.team_id, cmd.round_id)
    if found is None:
        raise NotFound(f"pairing round {cmd.round_id} not found")
    return found


def set_schedule(cmd: SetPairingSchedule, uow: CheckinsUnitOfWork,
                 clock: Clock) -> PairingSchedule:
    """Save the team's schedule over the current one, read locked: a save waits for a
    scheduled round under way and starts from the schedule it left, and the rounds job leaves
    a schedule being saved to its next tick, so the save answers what it stored. Two first
    saves at once: the second saves over the first."""
    def over(current: PairingSchedule | None) -> PairingSchedule:
        return PairingSchedule.starting(cmd.team_id, cmd.every_days, cmd.cooldown,
                                        cmd.first_run_at, clock.now(), current)

    with uow:
        current = uow.rounds.locked_schedule(cmd.team_id)
        schedule = over(current)
        if current is None and not uow.rounds.add_first_schedule(schedule):
            # another request saved the team's first schedule at the same moment (a double
            # click): this save replaces it, as a PUT after it would
            schedule = over(uow.rounds.locked_schedule(cmd.team_id))
        schedule = uow.rounds.save_schedule(schedule)
        uow.commit()
    return schedule


def get_schedule(cmd: GetPairingSchedule, reader: CheckinsUnitOfWork) -> PairingSchedule:
    with reader:
        schedule = reader.rounds.schedule(cmd.team_id)
    if schedule is None:
        raise NotFound("this team has no pairing schedule")
    return schedule


def delete_schedule(cmd: DeletePairingSchedule, uow: CheckinsUnitOfWork) -> None:
    """Delete the team's schedule, read locked: a delete waits for another delete (or a save,
    or a scheduled round under way) and deletes what it left; 404 when there is none left."""
    with uow:
        schedule = uow.rounds.locked_schedule(cmd.team_id)
        if schedule is None:
            raise NotFound("this team has no pairing schedule")
        uow.rounds.delete_schedule(schedule)
        uow.commit()
