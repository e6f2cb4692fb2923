"""The goals unit of work: the shared transaction plus this service's repositories.

On commit, the change-log entries and progress points the goals noted are written in the same
transaction, and the track records of the owners and teams whose goals moved are refreshed.
"""

from services.goals.adapters.orm import idempotency_keys
from services.goals.adapters.repositories import (
    Goals,
    History,
    Invites,
    Members,
    Partnerships,
    ProgressPoints,
    Teams,
    TrackRecords,
)
from services.goals.domain.goal import Goal
from shared.idempotency import IdempotencyKeys
from shared.uow import UnitOfWork


class GoalsUnitOfWork(UnitOfWork):
    teams: Teams
    members: Members
    invites: Invites
    goals: Goals
    history: History
    progress_points: ProgressPoints
    partnerships: Partnerships
    track_records: TrackRecords
    idempotency_keys: IdempotencyKeys

    def on_enter(self) -> None:
        self.teams = Teams(self.session)
        self.members = Members(self.session)
        self.invites = Invites(self.session)
        self.goals = Goals(self.session)
        self.history = History(self.session)
        self.progress_points = ProgressPoints(self.session)
        self.partnerships = Partnerships(self.session)
        self.track_records = TrackRecords(self.session, self.progress_points)
        self.idempotency_keys = IdempotencyKeys(self.session, idempotency_keys)

    def commit(self) -> None:
        points = []
        for obj in [*self.session.new, *self.session.identity_map.values()]:
            if isinstance(obj, Goal):
                for entry in obj.pop_history():
                    self.history.add(entry)
                points += obj.pop_points()
        for point in points:
            self.progress_points.add(point)
        if points:
            self.session.flush()
            self.track_records.refresh({(p.team_id, p.owner_id) for p in points},
                                       max(p.at for p in points))
        super().commit()
