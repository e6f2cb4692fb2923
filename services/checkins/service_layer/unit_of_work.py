"""The checkins unit of work: one transaction and the repositories bound to it."""

from services.checkins.adapters.orm import idempotency_keys
from services.checkins.adapters.queries import Listings
from services.checkins.adapters.repositories import (
    CalendarFeeds,
    Checkins,
    Goals,
    Members,
    Partnerships,
    Rounds,
    Schedules,
    Social,
    Teams,
)
from shared.idempotency import IdempotencyKeys
from shared.uow import UnitOfWork


class CheckinsUnitOfWork(UnitOfWork):
    teams: Teams
    members: Members
    goals: Goals
    checkins: Checkins
    schedules: Schedules
    social: Social
    partnerships: Partnerships
    rounds: Rounds
    idempotency_keys: IdempotencyKeys
    listings: Listings
    calendar_feeds: CalendarFeeds

    def on_enter(self) -> None:
        self.teams = Teams(self.session)
        self.members = Members(self.session)
        self.goals = Goals(self.session)
        self.checkins = Checkins(self.session)
        self.schedules = Schedules(self.session)
        self.social = Social(self.session)
        self.partnerships = Partnerships(self.session)
        self.rounds = Rounds(self.session)
        self.idempotency_keys = IdempotencyKeys(self.session, idempotency_keys)
        self.listings = Listings(self.session)
        self.calendar_feeds = CalendarFeeds(self.session)
