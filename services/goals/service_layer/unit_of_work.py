"""The goals unit of work: the shared transaction plus this service's repositories."""

from services.goals.adapters.repository import Goals, Members, Teams
from shared.uow import UnitOfWork


class GoalsUnitOfWork(UnitOfWork):
    teams: Teams
    members: Members
    goals: Goals

    def on_enter(self) -> None:
        self.teams = Teams(self.session)
        self.members = Members(self.session)
        self.goals = Goals(self.session)
