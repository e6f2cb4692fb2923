"""The scheduler ticked by a controlled clock, for the tests of what it publishes and when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shared.clock import ControlledClock
from tests.checkins.conftest import World


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def run_until(service, clock: ControlledClock, world: World, until: datetime,
              step: timedelta = timedelta(hours=1)) -> list[tuple[datetime, str, int | None]]:
    """Tick (twice per step) until `until`: (moment, type, level) of each new event."""
    return [(at, e["type"], e.get("level")) for at, e in ticks(service, clock, world, until, step)]


def ticks(service, clock: ControlledClock, world: World, until: datetime,
          step: timedelta = timedelta(hours=1)) -> list[tuple[datetime, dict]]:
    """Tick (twice per step) until `until`; each newly published event with when it appeared."""
    scheduler = service.container.advance_due_schedules
    seen = len(world.published())
    timeline = []
    while clock.now() < until:
        clock.advance(seconds=step.total_seconds())
        scheduler()
        scheduler()
        fresh = world.published()[seen:]
        seen += len(fresh)
        timeline += [(clock.now(), e) for e in fresh]
    return timeline
