"""The goals unit of work: the shared transaction plus this service's repositories.

On commit, the change-log entries the goals noted are written in the same transaction.
"""

from services.goals.adapters.repositories import (
    Goals,
    History,
    Members,
    Partnerships,
    ProgressPoints,
    Teams,
)
from services.goals.domain.goal import Goal
from shared.uow import UnitOfWork


class GoalsUnitOfWork(UnitOfWork):
    teams: Teams
    members: Members
    goals: Goals
    history: History
    progress_points: ProgressPoints
    partnerships: Partnerships

    def on_enter(self) -> None:
        self.teams = Teams(self.session)
        self.members = Members(self.session)
        self.goals = Goals(self.session)
        self.history = History(self.session)
        self.progress_points = ProgressPoints(self.session)
        self.partnerships = Partnerships(self.session)

    def commit(self) -> None:
        for obj in [*self.session.new, *self.session.identity_map.values()]:
            if isinstance(obj, Goal):
                for entry in obj.pop_history():
                    self.history.add(entry)
                for point in obj.pop_points():
                    self.progress_points.add(point)
        super().commit()
