"""Use cases of check-ins: log (idempotently), edit, read and list."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from services.checkins.domain.checkin import Checkin, Progress
from services.checkins.domain.replicas import GoalView
from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.access import (
    editable_checkin,
    loggable_goal,
    readable_checkin,
    readable_goal,
)
from services.checkins.service_layer.commands import (
    EditCheckin,
    GetCheckin,
    ListCheckins,
    LogCheckin,
)
from services.checkins.service_layer.schedule_handlers import count_checkin
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.idempotency import Once, made_once


def log_checkin(cmd: LogCheckin, uow: CheckinsUnitOfWork, clock: Clock, policy: Policy,
                render_checkin: Callable[[Checkin], object]) -> Once[Checkin]:
    """Log progress; with an idempotency key, the response is saved in the same transaction."""
    with uow:
        now = clock.now()

        def logged() -> Checkin:
            goal, partners = loggable_goal(uow, cmd.actor, cmd.goal_id)
            return record_checkin(uow, goal, cmd.actor.member_id, cmd.progress, now, policy,
                                  partners)

        result = made_once(uow.idempotency_keys, cmd.idempotency, now, logged, render_checkin)
        uow.commit()
    return result


def record_checkin(uow: CheckinsUnitOfWork, goal: GoalView, author_id: str, progress: Progress,
                   at: datetime, policy: Policy, partners: set[str], *,
                   sent_at: datetime | None = None, **origin) -> Checkin:
    """Log a check-in at `at`, tell the owner's `partners`, and count it for the goal's
    streak; one sent earlier (`sent_at`: a Slack command delayed on its way) counts as of
    then, as `count_checkin` says, and is still logged when it is."""
    checkin = Checkin(goal, author_id, progress, at=at, partner_ids=sorted(partners), **origin)
    count_checkin(uow, goal, sent_at or at, policy, partners, handled_at=at)
    # Added after the schedule is locked, so the lock's query does not flush the check-in on
    # its own: one flush at commit writes both (its events keep their order, by sequence).
    uow.checkins.add(checkin)
    return checkin


def edit_checkin(cmd: EditCheckin, uow: CheckinsUnitOfWork, clock: Clock,
                 policy: Policy) -> Checkin:
    """Replace the fields given in `changes`; the others keep their values."""
    with uow:
        checkin, goal, partners = editable_checkin(uow, cmd.actor, cmd.checkin_id)
        progress = checkin.progress.corrected(cmd.changes)
        checkin.edit(goal, cmd.actor.member_id, progress, at=clock.now(),
                     window=policy.edit_window, partner_ids=sorted(partners))
        uow.commit()
        attach_kudos(uow, [checkin])
    return checkin


def get_checkin(cmd: GetCheckin, reader: CheckinsUnitOfWork) -> Checkin:
    with reader:
        checkin, _ = readable_checkin(reader, cmd.actor, cmd.checkin_id)
        attach_kudos(reader, [checkin])
    return checkin


@dataclass(frozen=True)
class CheckinsFound:
    """A page of a goal's check-ins, and when any of them was last logged or corrected
    (`changed_at`, on the first page; None while it has none, and on later pages)."""

    items: list[Checkin]
    next_cursor: str | None
    changed_at: datetime | None


def list_checkins(cmd: ListCheckins, reader: CheckinsUnitOfWork) -> CheckinsFound:
    with reader:
        readable_goal(reader, cmd.actor, cmd.goal_id)
        items, cursor = reader.listings.checkins_of_goal(cmd.goal_id, cmd.limit, cmd.cursor)
        attach_kudos(reader, items)
        changed_at = (reader.listings.checkins_changed_at(cmd.goal_id) if cmd.cursor is None
                      else None)  # said once, on the first page: older pages repeat no scan
    return CheckinsFound(items, cursor, changed_at)


def attach_kudos(uow: CheckinsUnitOfWork, checkins: list[Checkin]) -> None:
    counts = uow.social.kudos_counts([c.id for c in checkins])
    for checkin in checkins:
        checkin.kudos = counts.get(checkin.id, {})
