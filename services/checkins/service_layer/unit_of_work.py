"""The checkins unit of work: one transaction and the repositories bound to it."""

from services.checkins.adapters.partner_repository import Partnerships, Rounds, Social
from services.checkins.adapters.repository import Checkins, Goals, Members, Schedules, Teams
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

    def on_enter(self) -> None:
        self.teams = Teams(self.session)
        self.members = Members(self.session)
        self.goals = Goals(self.session)
        self.checkins = Checkins(self.session)
        self.schedules = Schedules(self.session)
        self.social = Social(self.session)
        self.partnerships = Partnerships(self.session)
        self.rounds = Rounds(self.session)
