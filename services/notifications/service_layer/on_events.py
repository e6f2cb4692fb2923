"""Who hears what. Defaults:

- a check-in: the owner's partners (feed) and the team channels;
- a missed check-in: the recipients of its escalation level (owner, partners, leads);
- a goal achieved, a milestone done, a new goal: the team channels;
- health changed to off track: the owner and the leads (feed); any alert to the channels that
  want that health;
- kudos and comments: their recipient; a new pairing: the partners.

Private goals never reach team channels.
"""

from __future__ import annotations

from collections import Counter

from services.notifications.domain.render import render
from services.notifications.domain.views import GoalView
from services.notifications.service_layer import readmodel
from services.notifications.service_layer.notify import Notifier, Occurrence
from services.notifications.service_layer.slash import SlashAnswers
from services.notifications.service_layer.unit_of_work import NotificationsUnitOfWork
from shared.consumer import RetryLater
from shared.events.envelope import Event

GOAL_STATE_EVENTS = ("goal.updated", "goal.activated", "goal.reopened", "goal.closed",
                     "goal.pathway_switched")
WAITS_FOR_UNKNOWN_GOAL = 8


class Router:
    def __init__(self, notifier: Notifier, public_url: str, answers: SlashAnswers):
        self.notifier = notifier
        self.public_url = public_url.rstrip("/")
        self.answers = answers
        self._waits: Counter[str] = Counter()

    def handlers(self) -> dict:
        table = {
            "team.created": readmodel.on_team, "team.updated": readmodel.on_team,
            "member.added": readmodel.on_member, "member.updated": readmodel.on_member,
            "goal.progressed": readmodel.on_goal_progressed,
            "partnership.ended": readmodel.on_partnership_ended,
            "goal.created": self.on_goal_announced, "goal.achieved": self.on_goal_announced,
            "goal.milestone_completed": self.on_milestone,
            "goal.health_changed": self.on_health_changed,
            "checkin.logged": self.on_checkin, "checkin.rejected": self.answers.on_rejected,
            "checkin.missed": self.on_missed, "checkin.reminder": self.on_reminder,
            "streak.reached": self.on_streak, "kudos.given": self.on_kudos,
            "comment.added": self.on_comment, "partners.paired": self.on_paired,
        }
        table.update({name: readmodel.on_goal for name in GOAL_STATE_EVENTS})
        return table

    # -- goals ----------------------------------------------------------------------------
    def on_goal_announced(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        goal = readmodel.on_goal(event, uow)
        self._to_channels(event, uow, goal)

    def on_milestone(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        goal = self._known_goal(event, uow)
        self._to_channels(event, uow, goal)

    def on_health_changed(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        goal = readmodel.on_health_changed(event, uow) or self._known_goal(event, uow)
        health = event.data["health"]
        self._to_channels(event, uow, goal, health=health)
        if health == "off_track":
            leads = [m.member_id for m in uow.directory.leads(event.team_id)]
            self._to_members(event, uow, goal, [event.data["owner_id"], *leads])

    # -- check-ins ------------------------------------------------------------------------
    def on_checkin(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        goal = self._known_goal(event, uow)
        d = event.data
        progress = goal.checked_in(d.get("value"), d.get("delta")) if goal else None
        readmodel.record_activity(event, uow, "checkin", d["author_id"])
        context = {"progress": progress}
        self._to_channels(event, uow, goal, **context)
        if goal is not None:
            partners = uow.directory.partners_of(event.team_id, goal.owner_id)
            partners += d.get("partner_ids") or []
            self._to_members(event, uow, goal, [p for p in partners if p != d["author_id"]],
                             **context)
        self.answers.on_logged(event, uow, goal, progress)

    def on_missed(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        self._to_members(event, uow, uow.directory.goal(event.data["goal_id"]),
                         event.data["recipients"])

    def on_reminder(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        self._to_members(event, uow, uow.directory.goal(event.data["goal_id"]),
                         [event.data["owner_id"]])

    def on_streak(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        readmodel.record_activity(event, uow, "streak", event.data["owner_id"],
                                  event.data["length"])
        self._to_members(event, uow, uow.directory.goal(event.data["goal_id"]),
                         [event.data["owner_id"]])

    def on_kudos(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        readmodel.record_activity(event, uow, "kudos", event.data["from_id"])
        self._to_members(event, uow, uow.directory.goal(event.data["goal_id"]),
                         [event.data["to_id"]], actor=event.data["from_id"])

    def on_comment(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        self._to_members(event, uow, uow.directory.goal(event.data["goal_id"]),
                         [event.data["to_id"]], actor=event.data["author_id"])

    def on_paired(self, event: Event, uow: NotificationsUnitOfWork) -> None:
        readmodel.on_paired(event, uow)
        ids = event.data["member_ids"]
        names = [m.name for m in map(uow.directory.member, ids) if m is not None]
        self._to_members(event, uow, None, ids, names=names)

    # -- fan-out --------------------------------------------------------------------------
    def _known_goal(self, event: Event, uow: NotificationsUnitOfWork) -> GoalView | None:
        """The goal, or RetryLater for a while: its goals event may still be on its way."""
        goal = uow.directory.goal(event.data.get("goal_id"))
        if goal is None and self._waits[event.id] < WAITS_FOR_UNKNOWN_GOAL:
            self._waits[event.id] += 1
            raise RetryLater(f"goal {event.data.get('goal_id')} not known yet")
        self._waits.pop(event.id, None)
        return goal

    def _to_channels(self, event: Event, uow: NotificationsUnitOfWork, goal: GoalView | None,
                     health: str | None = None, **context) -> None:
        if goal is None or goal.is_private:
            return  # private (or unknown) goals never reach shared channels
        rendered = render(event.type, event.data, self._context(event, uow, goal, **context))
        self.notifier.to_channels(uow, self._occurrence(event), rendered, health=health)

    def _to_members(self, event: Event, uow: NotificationsUnitOfWork, goal: GoalView | None,
                    member_ids: list[str], **context) -> None:
        rendered = render(event.type, event.data, self._context(event, uow, goal, **context))
        self.notifier.to_members(uow, self._occurrence(event), rendered, member_ids)

    def _context(self, event: Event, uow: NotificationsUnitOfWork, goal: GoalView | None, *,
                 actor: str | None = None, **extra) -> dict:
        owner_id = event.data.get("owner_id") or (goal.owner_id if goal else None)
        owner = uow.directory.member(owner_id)
        acting = uow.directory.member(actor or event.data.get("author_id"))
        return {
            "goal_title": goal.title if goal else event.data.get("title"),
            "owner_name": owner.name if owner else None,
            "actor_name": acting.name if acting else None,
            "progress": goal.progress if goal else None,
            "health": goal.health if goal else None,
            "unit": goal.unit if goal else None,
            **{k: v for k, v in extra.items() if v is not None},
        }

    def _occurrence(self, event: Event) -> Occurrence:
        goal_id = event.data.get("goal_id")
        link = f"{self.public_url}/goals/{goal_id}" if goal_id else self.public_url
        return Occurrence(event.id, event.type, event.team_id, event.time, event.data, link)
