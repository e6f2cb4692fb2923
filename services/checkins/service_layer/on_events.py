"""The read model kept from `goals.events`: teams, members and goals, and their schedules.

Team, member and goal events carry the entity's whole state, so each handler is an upsert,
followed by re-timing the schedules the change can move (a new cadence or time zone).
"""

from __future__ import annotations

from collections.abc import Callable

from services.checkins.domain.model import GoalView, MemberView, TeamView
from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.scheduling import sync_goal
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.consumer import Handler
from shared.events.envelope import Event

GOAL_EVENTS = ("goal.created", "goal.updated", "goal.activated", "goal.achieved", "goal.closed",
               "goal.reopened", "goal.pathway_switched")


class ReadModel:
    def __init__(self, clock: Clock, policy: Callable[[], Policy]):
        self.clock = clock
        self.policy = policy

    def handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {name: self.on_goal for name in GOAL_EVENTS}
        handlers.update({"team.created": self.on_team, "team.updated": self.on_team,
                         "member.added": self.on_member, "member.updated": self.on_member})
        return handlers

    def on_team(self, event: Event, uow: CheckinsUnitOfWork) -> None:
        d = event.data
        uow.teams.upsert(TeamView(d["team_id"], d["name"], d["timezone"],
                                  default_cadence=d.get("default_cadence")))
        uow.flush()
        for member in uow.members.of_team(d["team_id"]):
            self._resync_owner(uow, member.member_id)

    def on_member(self, event: Event, uow: CheckinsUnitOfWork) -> None:
        d = event.data
        uow.members.upsert(MemberView(
            d["member_id"], d["team_id"], d["name"], d["role"], d["timezone"], state=d["state"],
            token_version=d["token_version"], slack_user_id=d.get("slack_user_id"),
            working_hours=d.get("working_hours"), default_cadence=d.get("default_cadence"),
            snoozed_until=d.get("snoozed_until"),
        ))
        uow.flush()
        self._resync_owner(uow, d["member_id"])

    def on_goal(self, event: Event, uow: CheckinsUnitOfWork) -> None:
        d = event.data
        metric = d.get("metric") or {}
        goal = uow.goals.upsert(GoalView(
            d["goal_id"], d["team_id"], d["owner_id"], d["title"], status=d["status"],
            visibility=d["visibility"], kind=d.get("kind") or "personal",
            metric_unit=metric.get("unit"), cadence=d.get("cadence"),
            milestones=d.get("milestones") or [], start_date=d.get("start_date"),
        ))
        uow.flush()
        sync_goal(uow, goal, self.clock.now(), self.policy())

    def _resync_owner(self, uow: CheckinsUnitOfWork, member_id: str) -> None:
        now, policy = self.clock.now(), self.policy()
        for goal in uow.goals.owned_by(member_id):
            sync_goal(uow, goal, now, policy)
