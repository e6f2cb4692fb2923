"""Scheduled jobs the worker runs on a tick: due schedules, due pairing rounds, old rejections.

Each job reads the injected clock, takes a unit of work per piece of work, and returns how
much it did. One failing goal or team is logged and retried on the next tick; the others go on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.round_handlers import form_round
from services.checkins.service_layer.schedule_handlers import audience_of, next_due_of
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.retention import purge_in_chunks

log = logging.getLogger(__name__)
UnitOfWorkFactory = Callable[[], CheckinsUnitOfWork]
BATCH = 500

# A refused Slack request is kept this long, so a copy of it is answered once (a copy under the
# same event id is caught by the inbox, which keeps ids for weeks). Copies come within Slack's
# retry window (three retries within about five minutes); a day is that window many times over.
REJECTIONS_KEPT = timedelta(days=1)


def advance_due_schedules(uow_factory: UnitOfWorkFactory, clock: Clock, policy: Policy,
                          batch: int = BATCH) -> int:
    """Reminders, misses and escalations that fell due; visits only the due schedules."""
    now = clock.now()
    with uow_factory() as uow:
        due = uow.schedules.due_ids(now, batch)
    done = 0
    for goal_id in due:
        try:
            with uow_factory() as uow:
                if _advance_goal(uow, goal_id, now, policy):
                    uow.commit()
                    done += 1
        except Exception:  # one broken goal must not stop the others
            log.exception("scheduler: goal %s failed; retried next tick", goal_id)
    return done


def run_due_rounds(uow_factory: UnitOfWorkFactory, clock: Clock, batch: int = 100) -> int:
    """Each team's scheduled pairing round, once, when it falls due."""
    now = clock.now()
    with uow_factory() as uow:
        due = uow.rounds.due_schedules(now, batch)
    ran = 0
    for team_id in due:
        try:
            ran += _run_scheduled_round(uow_factory, team_id, now)
        except Exception:  # one team's failure must not stop the others
            log.exception("pairing scheduler: team %s failed; retried next tick", team_id)
    return ran


def purge_rejections(uow_factory: UnitOfWorkFactory, clock: Clock) -> int:
    """Forget the refused Slack requests older than `REJECTIONS_KEPT`, a chunk per commit
    (`shared.retention`); how many were."""
    before = clock.now() - REJECTIONS_KEPT
    return purge_in_chunks(uow_factory,
                           lambda uow, limit: uow.checkins.purge_rejections(before, limit))


def _advance_goal(uow: CheckinsUnitOfWork, goal_id: str, now: datetime, policy: Policy) -> bool:
    """Do what fell due on one goal; False when another worker holds it or nothing is due."""
    schedule = uow.schedules.locked(goal_id, skip_locked=True)
    if schedule is None or schedule.next_action_at is None or schedule.next_action_at > now:
        return False
    goal = uow.goals.get(schedule.team_id, goal_id)
    if goal is None:
        schedule.pause()
        return True
    schedule.advance(now, policy, audience_of(uow, schedule, now), next_due_of(uow, goal))
    return True


def _run_scheduled_round(uow_factory: UnitOfWorkFactory, team_id: str, now: datetime) -> int:
    with uow_factory() as uow:
        schedule = uow.rounds.locked_schedule(team_id, skip_locked=True)
        if schedule is None or not schedule.due(now):
            return 0
        form_round(uow, team_id, now, seed=None, cooldown=schedule.cooldown, run_by=None)
        schedule.ran(now)
        uow.commit()
    return 1
