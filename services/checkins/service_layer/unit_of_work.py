"""The checkins unit of work."""

from services.checkins.adapters.repository import Checkins, Goals, Members
from shared.uow import UnitOfWork


class CheckinsUnitOfWork(UnitOfWork):
    members: Members
    goals: Goals
    checkins: Checkins

    def on_enter(self) -> None:
        self.members = Members(self.session)
        self.goals = Goals(self.session)
        self.checkins = Checkins(self.session)
