"""Who hears about which event: turns consumed events into notification rows."""

from __future__ import annotations

import json
from collections.abc import Callable

from services.notifications.domain.messages import render
from services.notifications.domain.model import GoalView, MemberView, Notification
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.clock import Clock
from shared.events.envelope import Event

TEAM_CHANNEL_EVENTS = ("goal.created", "checkin.logged")


class Router:
    def __init__(self, clock: Clock, public_url: str, wake: Callable[[], None]):
        self.clock = clock
        self.public_url = public_url.rstrip("/")
        self.wake = wake

    def handlers(self) -> dict:
        return {
            "member.added": self.on_member,
            "goal.created": self.on_goal_created,
            "goal.progressed": self.on_goal_progressed,
            "checkin.logged": self.to_team_channels,
        }

    def on_member(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        d = event.data
        uow.directory.upsert(MemberView(
            d["member_id"], d["team_id"], d["name"], d["role"], d["timezone"], state=d["state"],
            token_version=d["token_version"], slack_user_id=d.get("slack_user_id"),
        ))

    def on_goal_created(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        d = event.data
        uow.directory.upsert(GoalView(d["goal_id"], d["team_id"], d["owner_id"], d["title"],
                                      visibility=d["visibility"]))
        uow.flush()
        self.to_team_channels(event, uow)

    def on_goal_progressed(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        goal = uow.directory.goal(event.data["goal_id"])
        if goal is not None:
            goal.progress = event.data["progress"]

    def to_team_channels(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        goal = uow.directory.goal(event.data.get("goal_id", ""))
        if goal is not None and goal.visibility == "private":
            return  # private goals never reach shared channels
        body = json.dumps(render(event.type, event.data, self._context(event, uow),
                                 self._link(event)))
        created = False
        for channel in uow.channels.active_for(event.team_id):
            if not channel.wants(event.type) or uow.notifications.exists(event.id, channel.id, None):
                continue
            uow.notifications.add(Notification(event.team_id, channel.id, event.id, event.type,
                                               body, created_at=self.clock.now()))
            created = True
        if created:
            uow.after_commit(self.wake)

    def _context(self, event: Event, uow: NotificationsUnitOfWork) -> dict:
        data = event.data
        goal = uow.directory.goal(data.get("goal_id", ""))
        owner_id = data.get("owner_id") or data.get("author_id") or (goal.owner_id if goal else None)
        owner = uow.directory.member(owner_id) if owner_id else None
        return {
            "goal_title": goal.title if goal else data.get("title"),
            "owner_name": owner.name if owner else None,
            "progress": goal.progress if goal else None,
        }

    def _link(self, event: Event) -> str:
        return f"{self.public_url}/goals/{event.data.get('goal_id', '')}"
