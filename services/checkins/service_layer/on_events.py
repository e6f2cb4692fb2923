"""Handlers of the events the worker consumes.

- `goals.events`: the replicas of teams, members and goals. Each event carries the entity's
  whole state, so each handler is an upsert (written with the batch's others, one statement per
  table; see `shared.upserts`), followed by re-timing the schedules the change can move (a new
  cadence or time zone).
- `checkin.requested` (from Slack, on `checkins.commands`): becomes checkin.logged or
  checkin.rejected, by the API's rule of who may log on the goal (`loggable_goal`) and with
  its reason, and counted as of when the member sent it (`at`: an outage delays a check-in,
  it does not make it late); it is logged, and dated, when it is handled. A member or goal
  not known here yet is waited for (`CATCH_UP`), then refused as unknown. The same request
  delivered twice (a redelivery, or a resent command with a new event id) is answered once:
  the check-in's or the rejection's `request_id` is unique and looked up first.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from services.checkins.domain.checkin import Progress, Rejection, closed_to_checkins
from services.checkins.domain.errors import Rejected, UnknownGoal
from services.checkins.domain.replicas import GoalView, MemberView, TeamView
from services.checkins.domain.schedule import Policy
from services.checkins.service_layer.access import loggable_goal
from services.checkins.service_layer.checkin_handlers import record_checkin
from services.checkins.service_layer.schedule_handlers import sync_goal
from services.checkins.service_layer.unit_of_work import CheckinsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.consumer import RetryLater
from shared.domain import DomainError
from shared.events.envelope import Event
from shared.numbers import FIGURE_BOUND, figure_range
from shared.storable import unstorable

# How long a Slack command waits, by default, for its member and its goal to reach this read
# model before it is refused as unknown (their events travel on goals.events, the command on
# checkins.commands: no order between them). CHECKINS_COMMAND_CATCH_UP_SECONDS sets it.
CATCH_UP = timedelta(seconds=15)
# A Slack command's refusal when its member is unknown here or has left the team.
UNKNOWN_MEMBER = "unknown member: this Slack user is not a member of the team"

GOAL_EVENTS = ("goal.created", "goal.updated", "goal.activated", "goal.achieved", "goal.closed",
               "goal.reopened", "goal.pathway_switched")


def on_team(event: Event, uow: CheckinsUnitOfWork, clock: Clock, policy: Policy) -> None:
    d = event.data
    uow.teams.upsert(TeamView(d["team_id"], d["name"], d["timezone"],
                              default_cadence=d.get("default_cadence")))
    for member in uow.members.of_team(d["team_id"]):
        _resync_owner(uow, member.member_id, clock, policy)


def on_member(event: Event, uow: CheckinsUnitOfWork, clock: Clock, policy: Policy) -> None:
    d = event.data
    uow.members.upsert(MemberView(
        d["member_id"], d["team_id"], d["name"], d["role"], d["timezone"], state=d["state"],
        token_version=d["token_version"], working_hours=d.get("working_hours"),
        default_cadence=d.get("default_cadence"),
        snoozed_until=d.get("snoozed_until"),
    ))
    if d["state"] == "left":
        _end_partnerships(uow, d["team_id"], d["member_id"], clock.now())
    _resync_owner(uow, d["member_id"], clock, policy)


def _end_partnerships(uow: CheckinsUnitOfWork, team_id: str, member_id: str,
                      now: datetime) -> None:
    """A member who left is nobody's partner: their open partnerships end (an invitation is
    declined), so escalations, calendars and partner lists stop naming them; the other two of
    a group of three stay partners."""
    for partnership in uow.partnerships.open_in_team(team_id):
        if partnership.includes(member_id):
            continued = partnership.leave(member_id, now, by=None)
            if continued is not None:
                uow.partnerships.add(continued)


def on_goal(event: Event, uow: CheckinsUnitOfWork, clock: Clock, policy: Policy) -> None:
    d = event.data
    metric = d.get("metric") or {}
    goal = uow.goals.upsert(GoalView(
        d["goal_id"], d["team_id"], d["owner_id"], d["title"], status=d["status"],
        visibility=d["visibility"], kind=d.get("kind") or "personal",
        metric_unit=metric.get("unit"), cadence=d.get("cadence"),
        milestones=d.get("milestones") or [], start_date=d.get("start_date"),
        due_date=d.get("due_date"),
    ))
    sync_goal(uow, goal, clock.now(), policy)


def on_checkin_requested(event: Event, uow: CheckinsUnitOfWork, clock: Clock,
                         policy: Policy, catch_up: timedelta = CATCH_UP) -> None:
    """Log or reject the request; a member or goal not known yet is waited for `catch_up` after
    the command was sent (the consumer retries it), then refused as unknown. The check-in is
    logged now and counts as of when it was sent (`_sent_at`, `count_checkin`)."""
    d = event.data
    if uow.checkins.answered(d["request_id"]):
        return
    now = clock.now()
    try:
        _refuse_unstorable(d)
        _refuse_out_of_range(d)
        member = uow.members.in_team(d["team_id"], d["member_id"])
        if member is None and _in_transit_for(event) < catch_up:
            # notifications knew this member when it sent the command: this read model has
            # not caught up with member.added yet (another partition); wait, do not refuse
            raise RetryLater(f"member {d['member_id']} not known yet")
        if member is None or member.state == "left":
            raise Rejected(UNKNOWN_MEMBER)
        actor = Principal(member.team_id, member.member_id, member.role)
        named = _goal_or_wait(uow, member, d["goal_ref"], _in_transit_for(event) < catch_up)
        goal, partners = loggable_goal(uow, actor, named.goal_id)
        progress = Progress(value=d["value"], note=d.get("note") or "",
                            confidence=d.get("confidence"))
        record_checkin(uow, goal, member.member_id, progress, now, policy, partners,
                       sent_at=_sent_at(event, now), source="slack",
                       request_id=d["request_id"])
    except DomainError as exc:
        uow.checkins.reject(Rejection(d["request_id"], d["team_id"], d["member_id"], exc.detail,
                                      at=now))


def _goal_or_wait(uow: CheckinsUnitOfWork, member: MemberView, ref: str,
                  waiting: bool) -> GoalView:
    """The goal `ref` names; while `waiting`, one not known yet is waited for (notifications
    named it by the id of a goal it knows: this read model has not caught up with its
    goal.created yet)."""
    try:
        return _find_goal(uow, member, ref)
    except UnknownGoal:
        if waiting:
            raise RetryLater(f"goal {ref.strip()} not known yet") from None
        raise


def _refuse_out_of_range(data: dict) -> None:
    """Rejected when the value is beyond what a goal's figure can be, as the API's 422 has it:
    Slack's own reading refuses one, a command from elsewhere may not have."""
    value = data.get("value")
    if value is not None and not abs(value) <= FIGURE_BOUND:  # NaN is not within either
        raise Rejected("the value is beyond what a goal's figure can be ({} to {})".format(
            *figure_range()))


def _refuse_unstorable(data: dict) -> None:
    """Rejected when the goal or the note holds text no database can store (a NUL), which
    would otherwise fail the request's transaction and leave it unanswered."""
    for field, what in (("goal_ref", "goal"), ("note", "note")):
        if reason := unstorable(data.get(field) or ""):
            raise Rejected(f"the {what} {reason[0].lower()}{reason[1:-1]}")


def _sent_at(event: Event, now: datetime) -> datetime:
    """When the member sent the command, on the clock the rules run on: its `at`, as
    notifications stamped it (an aware moment: the schema refuses anything else); `now` when
    that is later than `now` (a sender's clock ahead of ours)."""
    return min(event.data["at"], now)


def _in_transit_for(event: Event) -> timedelta:
    """Wall-clock time since the event was produced (transport delay is real time, whatever
    clock the service's rules run on); an unreadable time counts as waited long enough."""
    try:
        return datetime.now(UTC) - datetime.fromisoformat(event.time)
    except (TypeError, ValueError):
        return timedelta.max


def prefetch(events: list[Event], uow: CheckinsUnitOfWork) -> None:
    """A batch of goal events locks the schedules of its goals in one statement; each
    handler's `schedules.locked(goal_id)` then finds its row (or its absence) without one."""
    goal_ids = [e.data["goal_id"] for e in events if e.type in GOAL_EVENTS]
    if goal_ids:
        uow.schedules.lock_many(goal_ids)


Handler = Callable[[Event, CheckinsUnitOfWork, Clock, Policy], None]
HANDLERS: dict[str, Handler] = {
    "team.created": on_team,
    "team.updated": on_team,
    "member.added": on_member,
    "member.updated": on_member,
    **dict.fromkeys(GOAL_EVENTS, on_goal),
    "checkin.requested": on_checkin_requested,
}


def _resync_owner(uow: CheckinsUnitOfWork, member_id: str, clock: Clock, policy: Policy) -> None:
    now = clock.now()
    for goal in uow.goals.owned_by(member_id):
        sync_goal(uow, goal, now, policy)


def _find_goal(uow: CheckinsUnitOfWork, member: MemberView, ref: str) -> GoalView:
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
        raise Rejected(closed_to_checkins(matches[0]))
    own_active = ", ".join(f"“{g.title}”" for g in owned if g.is_active) or "none"
    raise UnknownGoal(f"unknown goal: none of your active goals starts with “{ref}” "
                   f"(your active goals: {own_active})")
