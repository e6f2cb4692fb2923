"""Use cases for goals: create, read, list, edit, assess a draft, history.

Every goal handed back carries its SMART assessment (`GoalRead`), judged against the pace its
owner has shown on other goals (else the team's). Reads take the stored track records (kept on
write, see TrackRecords) and judge today's verdicts from them: a goal or a page is one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from services.goals.adapters.queries import GoalFilter, GoalRow, Records, Viewer, list_goals
from services.goals.adapters.repositories import is_id
from services.goals.domain.alignment import ancestors, roll_up_from, settle
from services.goals.domain.goal import Goal, ensure_window, horizon_of
from services.goals.domain.history import HistoryEntry
from services.goals.domain.members import Member
from services.goals.domain.metric import Metric
from services.goals.domain.pace import local_date
from services.goals.domain.pathways import Milestone, Pathway
from services.goals.domain.planning import ensure_due_within
from services.goals.domain.smart import (
    Draft,
    Verdict,
    answered_by_edit,
    assess,
    assess_goal,
    require_smart,
)
from services.goals.domain.track_record import shown_pace
from services.goals.service_layer.access import (
    can_see,
    editable_goal,
    readable_goal,
    viewer_of,
    visible_goal,
)
from services.goals.service_layer.commands import (
    AssessDraft,
    CreateGoal,
    EditGoal,
    FindGoals,
    GetGoal,
    GoalHistory,
)
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import Forbidden, Unprocessable
from shared.goal_statuses import FINAL, status_in_words
from shared.idempotency import IdempotentRequest, Once, made_once
from shared.pagination import InvalidCursor, decode_cursor, encode_cursor


@dataclass(frozen=True)
class GoalRead:
    goal: Goal | GoalRow  # a page's goals are rows (see list_goals)
    smart: dict[str, Verdict]


@dataclass(frozen=True)
class DraftAssessment:
    smart: dict[str, Verdict]
    horizon: str | None


@dataclass(frozen=True)
class GoalsFound:
    items: list[GoalRead]
    next_cursor: str | None


@dataclass(frozen=True)
class HistoryFound:
    items: list[HistoryEntry]
    next_cursor: str | None


CreatedGoal = Once[GoalRead]  # a new goal, or what the first request under its key got


def create_goal(cmd: CreateGoal, uow: GoalsUnitOfWork, clock: Clock,
                render_goal: Callable[[GoalRead], object]) -> CreatedGoal:
    """Create a goal, once per idempotency key."""
    return create_once(lambda _now: cmd, uow, clock, render_goal, cmd.idempotency)


def create_once(draft: Callable[[datetime], CreateGoal], uow: GoalsUnitOfWork, clock: Clock,
                render_goal: Callable[[GoalRead], object],
                idempotency: IdempotentRequest | None) -> CreatedGoal:
    """The goal `draft(now)` describes, committed; with an idempotency key its response is
    saved in the same transaction, so a retry gets it back instead of creating a second goal.
    `draft` is called (inside `uow`) only when a goal is to be made: what it refuses, a
    retry is not refused."""
    with uow:
        now = clock.now()
        created = made_once(uow.idempotency_keys, idempotency, now,
                            lambda: created_goal(draft(now), uow, now), render_goal)
        uow.commit()
    return created


def created_goal(cmd: CreateGoal, uow: GoalsUnitOfWork, now: datetime) -> GoalRead:
    """The goal `cmd` makes, added to `uow` (which the caller commits)."""
    actor = cmd.actor
    owner = _owner(cmd.owner_id or actor.member_id, actor, uow, for_update=True)
    if cmd.kind == "team" and not actor.is_lead:
        raise Forbidden("only a lead may create a team goal")
    if cmd.parent_id is not None:
        _check_parent(cmd.parent_id, None, actor, uow)
    start = cmd.start_date or local_date(now, owner.timezone)
    goal = _new_goal(cmd, owner, start, now)
    read = assessed(goal, uow, now)
    if uow.teams.get(actor.team_id).require_smart:
        require_smart(read.smart)
    goal.judge_health(now)
    uow.goals.add(goal)
    goal.created_by(actor.member_id, now)
    roll_up_from(goal.parent_id, goal.team_id, uow.goals, now=now, actor=actor.member_id)
    return read


def get_goal(cmd: GetGoal, reader: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    with reader:
        goal, records = readable_goal(cmd.goal_id, cmd.actor, reader)
        return assessed(goal, reader, clock.now(), records)


def find_goals(cmd: FindGoals, reader: GoalsUnitOfWork, clock: Clock) -> GoalsFound:
    now = clock.now()
    filters = GoalFilter(tuple(cmd.owner_id) if cmd.owner_id else None,
                         tuple(cmd.status) if cmd.status else None, cmd.kind, cmd.health,
                         cmd.horizon, cmd.parent_id, cmd.due_before)
    viewer = Viewer(cmd.actor.member_id, cmd.actor.is_lead)
    with reader:
        rows, next_cursor = list_goals(reader.session, cmd.actor.team_id, viewer, filters,
                                       cmd.sort, cmd.cursor, cmd.limit)
        return GoalsFound([assessed(g, reader, now, records) for g, records in rows],
                          next_cursor)


def edit_goal(cmd: EditGoal, uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    actor, now = cmd.actor, clock.now()
    with uow:
        goal = editable_goal(cmd.goal_id, actor, uow, cmd.expected_version)
        changes = dict(cmd.changes)
        if "metric" in changes:
            changes["metric"] = metric_from(changes["metric"], goal.metric)
            if changes["metric"] not in (None, goal.metric):
                changes["metric"].ensure_a_way_to_go()
        if changes.get("parent_id") not in (None, goal.parent_id):
            _check_parent(changes["parent_id"], goal.id, actor, uow)
        old_parent = goal.parent_id
        smart_required = uow.teams.get(actor.team_id).require_smart
        before = assessed(goal, uow, now).smart if smart_required else {}
        diff = goal.edit(changes, actor=actor.member_id, at=now)
        read = assessed(goal, uow, now)
        if smart_required:
            require_smart(answered_by_edit(before, read.smart, diff))
        settle(goal, uow.goals, now=now, actor=actor.member_id)
        if old_parent != goal.parent_id:
            roll_up_from(old_parent, goal.team_id, uow.goals, now=now, actor=actor.member_id)
        uow.commit()
    return read


def assess_draft(cmd: AssessDraft, reader: GoalsUnitOfWork, clock: Clock) -> DraftAssessment:
    """The SMART verdicts of a draft, and its horizon, judged on the owner's day against the
    owner's pace; nothing is saved. The owner and the parent are named as for a new goal (see
    `_owner`, `_check_parent`): a parent creation refuses is refused, not judged relevant."""
    with reader:
        owner = _owner(cmd.owner_id or cmd.actor.member_id, cmd.actor, reader)
        if cmd.parent_id is not None:
            _check_parent(cmd.parent_id, None, cmd.actor, reader)
        record = shown_pace(_rates_in(reader, cmd.actor.team_id), owner.id)
    today = local_date(clock.now(), owner.timezone)
    start = cmd.start_date or today
    metric = metric_from(cmd.metric)
    draft = Draft(cmd.title, start, cmd.due_date, cmd.description, cmd.why, cmd.parent_id,
                  metric, len(cmd.milestones), metric.progress if metric else 0.0,
                  _start_note(cmd.start_date, owner))
    return DraftAssessment(assess(draft, record, today), horizon_of(start, cmd.due_date))


def goal_history(cmd: GoalHistory, reader: GoalsUnitOfWork) -> HistoryFound:
    after = decode_cursor(cmd.cursor, 1)
    if after is not None and not isinstance(after[0], int):
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page")
    with reader:
        goal = visible_goal(cmd.goal_id, cmd.actor, reader)
        rows = reader.history.of_goal(goal.id, after[0] if after else None, cmd.limit + 1)
    limit = cmd.limit
    return HistoryFound(rows[:limit],
                       encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None)


def assessed(goal: Goal | GoalRow, uow: GoalsUnitOfWork, now: datetime,
             records: Records | None = None) -> GoalRead:
    """The goal with its SMART assessment at `now`, for a response (inside `uow`): from its
    stored track `records` when given, else from the progress points."""
    rates_of = _rates_in(uow, goal.team_id, records)
    record = shown_pace(rates_of, goal.owner_id, exclude_goal=goal.id)
    return GoalRead(goal, assess_goal(goal, record, now))


def metric_from(data: dict | None, current: Metric | None = None) -> Metric | None:
    """The metric `data` describes; what it leaves out (current, direction) is the `current`
    metric's, else the start and increase."""
    if data is None:
        return None
    default_current = current.current if current else data["start"]
    default_direction = current.direction if current else "increase"
    return Metric(data["unit"], data["start"], data["target"],
                  data.get("current", default_current), data.get("direction", default_direction))


def _rates_in(uow: GoalsUnitOfWork, team_id: str, records: Records | None = None):
    """`rates_of(owner_id)` for `shown_pace`: the stored record of the goal's owner (or of the
    team, for None) when there is one, else computed from the points."""
    def rates_of(owner_id: str | None) -> dict[str, float]:
        stored = None if records is None else records.team if owner_id is None else records.owner
        return stored if stored is not None else uow.progress_points.rates(team_id, owner_id)
    return rates_of


def _check_parent(parent_id: str, goal_id: str | None, actor: Principal,
                  uow: GoalsUnitOfWork) -> None:
    """A new parent: a goal the actor sees, not the goal itself or one aligned under it (a
    cycle, whatever that goal is), a team goal, open (not achieved, partial, missed or
    dropped: its figures are final, `alignment.roll_up_from`); 422 on parent_id otherwise."""
    parent = uow.goals.get(actor.team_id, parent_id)
    if parent is None or not can_see(parent, viewer_of(actor, uow)):
        raise Unprocessable("parent goal not found",
                            errors={"parent_id": ["No goal with this id in your team."]})
    if goal_id is not None and goal_id in ancestors(parent_id, actor.team_id, uow.goals):
        raise Unprocessable("a goal cannot be aligned under itself or its own children",
                            errors={"parent_id": ["Would make a cycle."]})
    if parent.kind != "team":
        raise Unprocessable("a parent must be a team goal",
                            errors={"parent_id": ["Must be a team goal."]})
    if parent.status in FINAL:
        status = status_in_words(parent.status)
        raise Unprocessable(f"a parent must be an open team goal; “{parent.title}” is {status}",
                            errors={"parent_id": [
                                f"Must be an open team goal; this one is {status}."]})


def _owner(owner_id: str, actor: Principal, uow: GoalsUnitOfWork, *,
           for_update: bool = False) -> Member:
    """The goal's owner, a current member (422 otherwise). `for_update` (a goal is made for
    them) locks their row, as their departure does: it then finds the goal, or this finds
    them gone."""
    if owner_id != actor.member_id and not actor.is_lead:
        raise Forbidden("only a lead may name someone else as a goal's owner")
    owner = (uow.members.get(actor.team_id, owner_id, for_update=for_update)
             if is_id(owner_id) else None)
    if owner is None or owner.state == "left":
        raise Unprocessable("owner not found",
                            errors={"owner_id": ["No current member with this id."]})
    return owner


def _start_note(start_date: date | None, owner: Member) -> str:
    """Where a goal's start came from when the request gave none: its owner's today."""
    return "" if start_date else f" (today in {owner.timezone}, as no start_date was given)"


def _new_goal(cmd: CreateGoal, owner: Member, start: date, now: datetime) -> Goal:
    start_note = _start_note(cmd.start_date, owner)
    ensure_window(start, cmd.due_date, start_note=start_note)
    for index, milestone in enumerate(cmd.milestones):
        ensure_due_within(milestone.get("due_date"), start, cmd.due_date,
                          f"milestones.{index}.due_date", start_note=start_note)
    milestones = tuple(Milestone(_uuid(), m["title"], m.get("due_date")) for m in cmd.milestones)
    metric = metric_from(cmd.metric)
    if metric is not None:
        metric.ensure_a_way_to_go()
    return Goal(
        cmd.actor.team_id, owner.id, cmd.title, description=cmd.description, why=cmd.why,
        start_date=start, due_date=cmd.due_date, timezone=owner.timezone,
        metric=metric, status=cmd.status, kind=cmd.kind,
        visibility=cmd.visibility, parent_id=cmd.parent_id, parent_weight=cmd.parent_weight,
        cadence=cmd.cadence, created_at=now,
        pathways=(Pathway(_uuid(), "Plan A", active=True, milestones=milestones),),
    )


def _uuid() -> str:
    return str(uuid.uuid4())
