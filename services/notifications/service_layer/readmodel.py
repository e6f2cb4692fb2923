"""Keeping the read model from `goals.events` and `checkins.events`."""

from __future__ import annotations

from datetime import UTC, datetime

from services.notifications.domain.views import (
    Activity,
    GoalView,
    MemberView,
    Partnership,
    TeamView,
)
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.events.envelope import Event


def on_team(event: Event, uow: NotificationsUnitOfWork) -> None:
    d = event.data
    uow.directory.upsert(TeamView(d["team_id"], d["name"], d["timezone"]))


def on_member(event: Event, uow: NotificationsUnitOfWork) -> None:
    d = event.data
    uow.directory.upsert(MemberView(
        d["member_id"], d["team_id"], d["name"], d["role"], d["timezone"], state=d["state"],
        token_version=d["token_version"], slack_user_id=d.get("slack_user_id"),
    ))


def on_goal(event: Event, uow: NotificationsUnitOfWork) -> GoalView:
    goal = uow.directory.goal(event.data["goal_id"])
    if goal is None:
        goal = GoalView.from_state(event.data)
        uow.directory.upsert(goal)
        uow.flush()
        return uow.directory.goal(goal.goal_id)
    goal.refresh(event.data)
    return goal


def on_goal_progressed(event: Event, uow: NotificationsUnitOfWork) -> None:
    goal = uow.directory.goal(event.data["goal_id"])
    if goal is not None:
        goal.progress, goal.metric_current = event.data["progress"], event.data["current"]


def on_health_changed(event: Event, uow: NotificationsUnitOfWork) -> GoalView | None:
    goal = uow.directory.goal(event.data["goal_id"])
    if goal is not None:
        goal.health, goal.expected = event.data["health"], event.data["expected"]
        goal.progress = event.data["progress"]
    return goal


def on_paired(event: Event, uow: NotificationsUnitOfWork) -> None:
    d = event.data
    uow.directory.upsert(Partnership(d["partnership_id"], d["team_id"], d["member_ids"]))


def on_partnership_ended(event: Event, uow: NotificationsUnitOfWork) -> None:
    uow.directory.end_partnership(event.data["partnership_id"])


def record_activity(event: Event, uow: NotificationsUnitOfWork, kind: str, member_id: str,
                    amount: float = 1.0) -> None:
    uow.directory.record(Activity(event.team_id, kind, member_id, _at(event),
                                  goal_id=event.data.get("goal_id"), amount=amount))


def _at(event: Event) -> datetime:
    moment = datetime.fromisoformat(event.data.get("at") or event.time)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
