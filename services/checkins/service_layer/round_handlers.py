"""Pairing rounds: run by a lead or on the team's schedule, with their history kept."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import combinations

from sqlalchemy.exc import IntegrityError

from services.checkins.domain.model import utc_minutes
from services.checkins.domain.pairing import Candidate, pair
from services.checkins.domain.partners import (
    PairingRound,
    PairingSchedule,
    Partnership,
    round_note,
)
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import Conflict, NotFound
from shared.pagination import decode_cursor, page_of

DEFAULT_COOLDOWN = 3
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunRound:
    team_id: str
    seed: int | None = None
    cooldown: int = DEFAULT_COOLDOWN


def run_round(cmd: RunRound, principal: Principal | None, uow: CheckinsUnitOfWork,
              clock: Clock) -> PairingRound:
    with uow:
        pairing_round = form_round(uow, cmd, clock.now(), principal and principal.member_id)
        try:
            uow.commit()
        except IntegrityError as exc:
            raise Conflict("another pairing round of this team ran at the same moment; "
                           "look at the latest round or run again") from exc
    return pairing_round


def form_round(uow: CheckinsUnitOfWork, cmd: RunRound, now: datetime,
               run_by: str | None) -> PairingRound:
    members = [m for m in uow.members.of_team(cmd.team_id) if m.state != "left"]
    opted_out = uow.rounds.opted_out(cmd.team_id)
    eligible = [m for m in members if m.available_at(now) and m.member_id not in opted_out]
    history = uow.rounds.latest(cmd.team_id, max(cmd.cooldown, 1))
    recent = [p for r in history[:cmd.cooldown] for g in r.groups for p in combinations(g, 2)]
    seed = cmd.seed if cmd.seed is not None else secrets.randbelow(2**31)
    result = pair([Candidate(m.member_id, utc_minutes(m, now.date())) for m in eligible],
                  recent, seed)
    for partnership in uow.partnerships.open_in_team(cmd.team_id):
        if partnership.round_id is not None and partnership.is_active:
            partnership.end(None, now)
    number = history[0].number + 1 if history else 1
    pairing_round = PairingRound(
        cmd.team_id, number, seed=seed, cooldown=cmd.cooldown, result=result,
        left_out=[m.member_id for m in members if m not in eligible],
        note=round_note(result, len(eligible), cmd.cooldown), at=now, run_by=run_by)
    uow.rounds.add(pairing_round)
    for group in result.groups:
        uow.partnerships.add(Partnership.from_round(cmd.team_id, group, pairing_round.id, now))
    pairing_round.completed()
    return pairing_round


def list_rounds(team_id: str, uow: CheckinsUnitOfWork, *, limit: int,
                cursor: str | None) -> tuple[list[PairingRound], str | None]:
    before = decode_cursor(cursor, 1)
    with uow:
        rows = uow.rounds.listing(team_id, limit, int(before[0]) if before else None)
    return page_of(rows, limit, lambda r: (r.number,))


def get_round(team_id: str, round_id: str, uow: CheckinsUnitOfWork) -> PairingRound:
    with uow:
        found = uow.rounds.get(team_id, round_id)
    if found is None:
        raise NotFound(f"pairing round {round_id} not found")
    return found


def set_schedule(team_id: str, every_days: int, cooldown: int, first_run_at: datetime | None,
                 uow: CheckinsUnitOfWork, clock: Clock) -> PairingSchedule:
    with uow:
        start = first_run_at or clock.now() + timedelta(days=every_days)
        schedule = uow.rounds.save_schedule(PairingSchedule(team_id, every_days, cooldown, start))
        uow.commit()
    return schedule


def get_schedule(team_id: str, uow: CheckinsUnitOfWork) -> PairingSchedule:
    with uow:
        schedule = uow.rounds.schedule(team_id)
    if schedule is None:
        raise NotFound("this team has no pairing schedule")
    return schedule


def delete_schedule(team_id: str, uow: CheckinsUnitOfWork) -> None:
    with uow:
        schedule = uow.rounds.schedule(team_id)
        if schedule is None:
            raise NotFound("this team has no pairing schedule")
        uow.session.delete(schedule)
        uow.commit()


class RoundScheduler:
    """The worker job running each team's scheduled rounds when they fall due."""

    def __init__(self, uow_factory: Callable[[], CheckinsUnitOfWork], clock: Clock):
        self.uow_factory = uow_factory
        self.clock = clock

    def tick(self) -> int:
        now = self.clock.now()
        with self.uow_factory() as uow:
            due = uow.rounds.due_schedules(now, 100)
        ran = 0
        for team_id in due:
            try:
                ran += self._run(team_id, now)
            except Exception:  # one team's failure must not stop the others
                log.exception("pairing scheduler: team %s failed; retried next tick", team_id)
        return ran

    def _run(self, team_id: str, now: datetime) -> int:
        with self.uow_factory() as uow:
            schedule = uow.rounds.locked_schedule(team_id)
            if schedule is None or not schedule.due(now):
                return 0
            form_round(uow, RunRound(team_id, None, schedule.cooldown), now, None)
            schedule.ran(now)
            uow.commit()
        return 1
