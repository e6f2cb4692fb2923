"""Wires the checkins service: its tables, the bus and its handlers, event handlers and jobs."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from services.checkins.adapters.orm import metadata, start_mappers
from services.checkins.config import CheckinsSettings, load
from services.checkins.domain.replicas import MemberView
from services.checkins.domain.schedule import Policy
from services.checkins.entrypoints.checkin_schemas import render_checkin, render_comment
from services.checkins.entrypoints.partner_schemas import render_partnership, render_round
from services.checkins.service_layer import (
    calendar_handlers,
    checkin_handlers,
    commands,
    due_handlers,
    jobs,
    on_events,
    partner_handlers,
    round_handlers,
    schedule_handlers,
    social_handlers,
)
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared import idempotency
from shared.bootstrap import Container
from shared.clock import Clock
from shared.consumer import Handler
from shared.events.topics import CHECKINS_COMMANDS, CHECKINS_EVENTS, GOALS_EVENTS
from shared.retention import PURGE_SECONDS
from shared.worker import ScheduledJob


class CheckinsContainer(Container):
    metadata = metadata
    uow_class = CheckinsUnitOfWork
    consumes = (GOALS_EVENTS, CHECKINS_COMMANDS)
    publishes = (CHECKINS_EVENTS,)
    member_record = MemberView
    handlers_use_the_caller = True  # a check-in's schedule reads its owner, mostly the caller
    settings: CheckinsSettings

    def __init__(self, settings: CheckinsSettings, clock: Clock | None = None):
        start_mappers()
        super().__init__(settings, clock)

    @property
    def policy(self) -> Policy:
        return self.settings.policy

    def command_handlers(self) -> dict[type, Callable]:
        return {
            commands.LogCheckin: checkin_handlers.log_checkin,
            commands.EditCheckin: checkin_handlers.edit_checkin,
            commands.GetCheckin: checkin_handlers.get_checkin,
            commands.ListCheckins: checkin_handlers.list_checkins,
            commands.GetStreak: schedule_handlers.get_streak,
            commands.ListDue: due_handlers.list_due,
            commands.GiveKudos: social_handlers.give_kudos,
            commands.AddComment: social_handlers.add_comment,
            commands.ListComments: social_handlers.list_comments,
            commands.InvitePartner: partner_handlers.invite,
            commands.AcceptPartnership: partner_handlers.accept,
            commands.EndPartnership: partner_handlers.end,
            commands.ListPartnerships: partner_handlers.list_partnerships,
            commands.SetPairingOptOut: partner_handlers.set_opt_out,
            commands.GetPairingOptOut: partner_handlers.get_opt_out,
            commands.RunRound: round_handlers.run_round,
            commands.ListRounds: round_handlers.list_rounds,
            commands.GetRound: round_handlers.get_round,
            commands.SetPairingSchedule: round_handlers.set_schedule,
            commands.GetPairingSchedule: round_handlers.get_schedule,
            commands.DeletePairingSchedule: round_handlers.delete_schedule,
            commands.IssueCalendarFeed: calendar_handlers.issue_feed,
            commands.GetCalendarFeed: calendar_handlers.get_feed,
            commands.RevokeCalendarFeed: calendar_handlers.revoke_feed,
            commands.RenderCalendarFeed: calendar_handlers.render_feed,
        }

    def dependencies(self) -> dict[str, Callable]:
        return {**super().dependencies(), "policy": lambda: self.policy,
                "render_checkin": lambda: render_checkin, "render_comment": lambda: render_comment,
                "render_round": lambda: render_round,
                "render_partnership": lambda: render_partnership}

    def handlers(self) -> dict[str, Handler]:
        bound = {event_type: partial(handler, clock=self.clock, policy=self.policy)
                 for event_type, handler in on_events.HANDLERS.items()}
        bound["checkin.requested"] = partial(bound["checkin.requested"],
                                             catch_up=self.settings.command_catch_up)
        return bound

    def prefetch(self, events: list, uow) -> None:
        on_events.prefetch(events, uow)

    def jobs(self) -> list[ScheduledJob]:
        interval = self.settings.scheduler_interval
        return [
            ScheduledJob("checkin-scheduler", interval, self.advance_due_schedules),
            ScheduledJob("pairing-scheduler", interval * 6, self.run_due_rounds),
            ScheduledJob("idempotency-purge", PURGE_SECONDS, self.purge_idempotency_keys),
            ScheduledJob("rejections-purge", PURGE_SECONDS, self.purge_rejections),
        ]

    def advance_due_schedules(self) -> int:
        return jobs.advance_due_schedules(self.uow, self.clock, self.policy)

    def run_due_rounds(self) -> int:
        return jobs.run_due_rounds(self.uow, self.clock)

    def purge_rejections(self) -> int:
        return jobs.purge_rejections(self.uow, self.clock)

    def purge_idempotency_keys(self) -> int:
        return idempotency.purge_keys(self.uow, self.clock)


def bootstrap(settings: CheckinsSettings | None = None,
              clock: Clock | None = None) -> CheckinsContainer:
    return CheckinsContainer(settings or load(), clock)
