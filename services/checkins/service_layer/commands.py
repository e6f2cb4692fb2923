"""`checkin.requested` commands from Slack: each becomes checkin.logged or checkin.rejected.

The same request delivered twice (a redelivery or a resent command with a new event id) logs
once: the check-in's `request_id` is unique and looked up first.
"""

from __future__ import annotations

from collections.abc import Callable

from services.checkins.domain.checkin import Progress
from services.checkins.domain.model import GoalView, MemberView
from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.access import ensure_may_log
from services.checkins.service_layer.checkins import record_checkin
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.clock import Clock
from shared.domain import DomainError
from shared.events.envelope import Event


class Rejected(DomainError):
    pass


class SlackCommands:
    def __init__(self, clock: Clock, policy: Callable[[], Policy]):
        self.clock = clock
        self.policy = policy

    def on_checkin_requested(self, event: Event, uow: CheckinsUnitOfWork) -> None:
        d = event.data
        if uow.checkins.by_request(d["request_id"]) is not None:
            return
        now = self.clock.now()
        try:
            member = uow.members.in_team(d["team_id"], d["member_id"])
            if member is None or member.state == "left":
                raise Rejected("unknown member: this Slack user is not a member of the team")
            goal = find_goal(uow, member, d["goal_ref"])
            ensure_may_log(goal, member.member_id)
            record_checkin(uow, goal, member.member_id, Progress(value=d["value"],
                           note=d.get("note") or ""), now, self.policy(), source="slack",
                           request_id=d["request_id"], response_url=d.get("response_url"))
        except DomainError as exc:
            uow.emit("checkin.rejected", d["team_id"], {
                "request_id": d["request_id"], "team_id": d["team_id"],
                "member_id": d["member_id"], "reason": exc.detail,
                "response_url": d.get("response_url"), "at": now.isoformat()})


def find_goal(uow: CheckinsUnitOfWork, member: MemberView, ref: str) -> GoalView:
    """A goal id, or a case-insensitive title prefix among the member's own active goals."""
    ref = ref.strip()
    if not ref:
        raise Rejected("say which goal: /goals checkin <goal> <value> [note]")
    by_id = uow.goals.get(member.team_id, ref)
    if by_id is not None:
        return by_id
    owned = uow.goals.owned_by(member.member_id)
    matches = [g for g in owned if g.title.lower().startswith(ref.lower())]
    active = [g for g in matches if g.is_active]
    exact = [g for g in active if g.title.lower() == ref.lower()]
    if len(exact) == 1 or len(active) == 1:
        return (exact or active)[0]
    if len(active) > 1:
        titles = "; ".join(f"“{g.title}”" for g in active)
        raise Rejected(f"“{ref}” matches {len(active)} of your active goals: {titles}. "
                       "Type more of the title.")
    if matches:
        goal = matches[0]
        raise Rejected(f"goal “{goal.title}” is {goal.status}; only active goals take check-ins")
    own_active = ", ".join(f"“{g.title}”" for g in owned if g.is_active) or "none"
    raise Rejected(f"unknown goal: none of your active goals starts with “{ref}” "
                   f"(your active goals: {own_active})")
