"""Jobs the worker runs on a tick.

Health re-evaluation: time passes, and pace changes without any event.

Each goal stores `next_health_check_at`, the earliest moment its health can change by time
alone (see domain/pace.py). A tick reads only goals whose moment has come, through the index on
that column, in batches; every other goal is untouched however many there are.

Snoozes' end: a member snoozed through a day hears everything again once their wall clock reads
the day after (`shared.availability`); a tick wakes each of them (state active, no day, one
member.updated), so goals answers and announces them as every service treats them. It reads
only snoozed members through their index, up to the latest day whose snooze may have ended
anywhere (today in UTC: the day after starts first at UTC+14), in batches.

Links' retention: invite and sign-in links used, cancelled or expired more than the kept days
ago (GOALS_LINK_RETENTION_DAYS) are deleted, a chunk per commit, so the table holds the links
that still work and the recent past ones (a visit to a deleted one is told it is no such link).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, timedelta

from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.clock import Clock
from shared.retention import purge_in_chunks

log = logging.getLogger(__name__)
BATCH = 500


@dataclass
class TickReport:
    evaluated: int = 0
    changed: int = 0


def reevaluate_due(uow_factory: Callable[[], GoalsUnitOfWork], clock: Clock, *,
                   batch: int = BATCH, max_batches: int = 100) -> TickReport:
    """One tick: re-evaluate every goal whose next health check is due; one commit per batch."""
    report = TickReport()
    for _ in range(max_batches):
        now = clock.now()
        with uow_factory() as uow:
            due = uow.goals.due_for_health_check(now, batch)
            for goal in due:
                report.changed += goal.refresh_health(now)
            uow.commit()
        report.evaluated += len(due)
        if len(due) < batch:
            break
    if report.changed:
        log.info("health job: %d goals re-evaluated, %d changed", report.evaluated, report.changed)
    return report


def wake_ended_snoozes(uow_factory: Callable[[], GoalsUnitOfWork], clock: Clock, *,
                       batch: int = BATCH) -> int:
    """One tick: wake every member whose snooze has ended (`Member.wake_if_snooze_over`), one
    commit per batch; how many were woken. A member woken has no snooze left, so a second run
    wakes (and publishes) nothing more."""
    now = clock.now()
    latest = now.astimezone(UTC).date()
    woken, after = 0, None
    while True:
        with uow_factory() as uow:
            snoozed = uow.members.snoozed_through(latest, after, batch)
            if snoozed:  # read before waking, which clears the day
                after = (snoozed[-1].snoozed_until, snoozed[-1].id)
            woken += sum(member.wake_if_snooze_over(now) for member in snoozed)
            uow.commit()
        if len(snoozed) < batch:
            break
    if woken:
        log.info("snoozes' end: %d members woken", woken)
    return woken


def purge_spent_links(uow_factory: Callable[[], GoalsUnitOfWork], clock: Clock,
                      kept: timedelta) -> int:
    """Delete the links used, cancelled or expired more than `kept` ago, a chunk per commit
    (`shared.retention`); how many were deleted."""
    before = clock.now() - kept
    purged = purge_in_chunks(uow_factory, lambda uow, limit: uow.invites.purge_spent(before, limit))
    if purged:
        log.info("links' retention: %d used, cancelled or expired links deleted", purged)
    return purged
