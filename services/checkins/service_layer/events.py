"""The checkins read model, kept from `goals.events`, and commands from `checkins.commands`."""

from __future__ import annotations

from services.checkins.domain.model import GoalView, MemberView
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.events.envelope import Event


def on_member(event: Event, uow: CheckinsUnitOfWork) -> None:
    d = event.data
    uow.members.upsert(MemberView(
        d["member_id"], d["team_id"], d["name"], d["role"], d["timezone"], state=d["state"],
        token_version=d["token_version"], slack_user_id=d.get("slack_user_id"),
    ))


def on_goal(event: Event, uow: CheckinsUnitOfWork) -> None:
    d = event.data
    metric = d.get("metric") or {}
    uow.goals.upsert(GoalView(
        d["goal_id"], d["team_id"], d["owner_id"], d["title"], status=d["status"],
        visibility=d["visibility"], metric_unit=metric.get("unit"),
    ))


HANDLERS = {
    "member.added": on_member,
    "goal.created": on_goal,
}
