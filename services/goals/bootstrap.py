"""Wires the goals service: its tables, unit of work, consumed topics, handlers and jobs."""

from __future__ import annotations

from functools import partial

from services.goals.adapters.orm import metadata, start_mappers
from services.goals.config import GoalsSettings, load
from services.goals.domain.model import Member
from services.goals.service_layer.events import make_handlers
from services.goals.service_layer.health_job import reevaluate_due
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.bootstrap import Container
from shared.clock import Clock
from shared.events.topics import CHECKINS_EVENTS, GOALS_EVENTS
from shared.worker import ScheduledJob


class GoalsContainer(Container):
    metadata = metadata
    uow_class = GoalsUnitOfWork
    consumes = (CHECKINS_EVENTS,)
    publishes = (GOALS_EVENTS,)
    member_record = Member
    member_record_is_replica = False

    def __init__(self, settings: GoalsSettings, clock: Clock | None = None):
        start_mappers()
        super().__init__(settings, clock)

    def handlers(self):
        return make_handlers(self.clock)

    def jobs(self) -> list[ScheduledJob]:
        tick = partial(reevaluate_due, self.uow, self.clock)
        return [ScheduledJob("health", self.settings.health_interval, tick)]


def bootstrap(settings: GoalsSettings | None = None, clock: Clock | None = None) -> GoalsContainer:
    return GoalsContainer(settings or load(), clock)
