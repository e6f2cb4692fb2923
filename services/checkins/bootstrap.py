"""Wires the checkins service: read model, Slack commands, scheduler jobs, idempotency."""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property

from services.checkins.adapters.orm import idempotency_keys, metadata, start_mappers
from services.checkins.config import CheckinsSettings, load
from services.checkins.domain.model import MemberView
from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.commands import SlackCommands
from services.checkins.service_layer.readmodel import ReadModel
from services.checkins.service_layer.rounds import RoundScheduler
from services.checkins.service_layer.scheduling import Scheduler
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.bootstrap import Container
from shared.clock import Clock
from shared.events.topics import CHECKINS_COMMANDS, CHECKINS_EVENTS, GOALS_EVENTS
from shared.idempotency import IdempotencyLedger
from shared.worker import ScheduledJob

IDEMPOTENCY_KEYS_KEPT = timedelta(days=1)


class CheckinsContainer(Container):
    metadata = metadata
    uow_class = CheckinsUnitOfWork
    consumes = (GOALS_EVENTS, CHECKINS_COMMANDS)
    publishes = (CHECKINS_EVENTS,)
    member_record = MemberView

    def __init__(self, settings: CheckinsSettings, clock: Clock | None = None):
        start_mappers()
        super().__init__(settings, clock)

    @property
    def policy(self) -> Policy:
        return self.settings.policy

    @cached_property
    def idempotency(self) -> IdempotencyLedger:
        return IdempotencyLedger(idempotency_keys)

    def scheduler(self) -> Scheduler:
        return Scheduler(self.uow, self.clock, self.policy)

    def round_scheduler(self) -> RoundScheduler:
        return RoundScheduler(self.uow, self.clock)

    def handlers(self):
        handlers = ReadModel(self.clock, lambda: self.policy).handlers()
        commands = SlackCommands(self.clock, lambda: self.policy)
        handlers["checkin.requested"] = commands.on_checkin_requested
        return handlers

    def jobs(self) -> list[ScheduledJob]:
        interval = self.settings.scheduler_interval
        return [
            ScheduledJob("checkin-scheduler", interval, self.scheduler().tick),
            ScheduledJob("pairing-scheduler", interval * 6, self.round_scheduler().tick),
            ScheduledJob("idempotency-purge", 3600, self.purge_idempotency_keys),
        ]

    def purge_idempotency_keys(self) -> int:
        with self.uow() as uow:
            purged = self.idempotency.purge(uow.session, self.clock.now() - IDEMPOTENCY_KEYS_KEPT)
            uow.commit()
        return purged


def bootstrap(settings: CheckinsSettings | None = None,
              clock: Clock | None = None) -> CheckinsContainer:
    return CheckinsContainer(settings or load(), clock)
