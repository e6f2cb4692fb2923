"""Use cases for goals: create, read, list, edit, assess, history."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.goals.adapters.goal_queries import GoalFilter, list_goals
from services.goals.adapters.repository import is_id
from services.goals.domain.model import (
    Goal,
    HistoryEntry,
    Member,
    Metric,
    Milestone,
    Pathway,
    horizon_of,
)
from services.goals.domain.smart import Verdict
from services.goals.service_layer import assessment
from services.goals.service_layer.access import (
    can_see,
    editable_goal,
    viewer_of,
    visible_goal,
)
from services.goals.service_layer.progress import ancestors, roll_up_from, settle
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.auth import Principal
from shared.clock import Clock
from shared.domain import Forbidden, Unprocessable
from shared.pagination import InvalidCursor, decode_cursor, encode_cursor


@dataclass(frozen=True)
class CreateGoal:
    title: str
    due_date: date
    description: str = ""
    why: str = ""
    start_date: date | None = None
    metric: dict | None = None
    status: str = "active"
    kind: str = "personal"
    visibility: str = "team"
    parent_id: str | None = None
    parent_weight: float = 1.0
    cadence: dict | None = None
    milestones: list = field(default_factory=list)
    owner_id: str | None = None


@dataclass(frozen=True)
class GoalRead:
    goal: Goal
    smart: dict[str, Verdict]


def metric_from(data: dict | None, current: Metric | None = None) -> Metric | None:
    if data is None:
        return None
    default_current = current.current if current else data["start"]
    return Metric(data["unit"], data["start"], data["target"],
                  data.get("current", default_current), data.get("direction", "increase"))


def create_goal(cmd: CreateGoal, principal: Principal, uow: GoalsUnitOfWork,
                clock: Clock) -> GoalRead:
    now = clock.now()
    with uow:
        owner = _owner(cmd.owner_id or principal.member_id, principal, uow)
        if cmd.kind == "team" and not principal.is_lead:
            raise Forbidden("only a lead may create a team goal")
        if cmd.parent_id is not None:
            check_parent(cmd.parent_id, None, principal, uow)
        start = cmd.start_date or now.astimezone(ZoneInfo(owner.timezone)).date()
        goal = _new_goal(cmd, principal.team_id, owner, start, now)
        smart = assessment.assess_goal(goal, uow, now.date())
        if uow.teams.get(principal.team_id).require_smart:
            assessment.require_smart(smart)
        goal.refresh_health(now)
        uow.goals.add(goal)
        goal.created_by(principal.member_id, now)
        roll_up_from(goal.parent_id, goal.team_id, uow, now=now, actor=principal.member_id)
        uow.commit()
    return GoalRead(goal, smart)


def read(goal: Goal, uow: GoalsUnitOfWork, today: date,
         paces: assessment.PaceBook | None = None) -> GoalRead:
    """The goal with its SMART assessment, for a response."""
    return GoalRead(goal, assessment.assess_goal(goal, uow, today, paces))


def get_goal(goal_id: str, principal: Principal, uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    with uow:
        return read(visible_goal(goal_id, principal, uow), uow, clock.now().date())


def find_goals(principal: Principal, uow: GoalsUnitOfWork, clock: Clock, *,
               filters: GoalFilter, sort: str, cursor: str | None,
               limit: int) -> tuple[list[GoalRead], str | None]:
    today = clock.now().date()
    with uow:
        goals, next_cursor = list_goals(uow.session, principal.team_id,
                                        viewer_of(principal, uow), filters, sort, cursor, limit)
        paces = assessment.PaceBook(uow, principal.team_id)
        return [read(g, uow, today, paces) for g in goals], next_cursor


def edit_goal(goal_id: str, changes: dict, expected_version: int | None, principal: Principal,
              uow: GoalsUnitOfWork, clock: Clock) -> GoalRead:
    now = clock.now()
    with uow:
        goal = editable_goal(goal_id, principal, uow, expected_version)
        if "metric" in changes:
            changes = {**changes, "metric": metric_from(changes["metric"], goal.metric)}
        if changes.get("parent_id") is not None:
            check_parent(changes["parent_id"], goal.id, principal, uow)
        old_parent = goal.parent_id
        goal.edit(changes, actor=principal.member_id, at=now)
        smart = assessment.assess_goal(goal, uow, now.date())
        if uow.teams.get(principal.team_id).require_smart:
            assessment.require_smart(smart)
        settle(goal, uow, now=now, actor=principal.member_id)
        if old_parent != goal.parent_id:
            roll_up_from(old_parent, goal.team_id, uow, now=now, actor=principal.member_id)
        uow.commit()
    return GoalRead(goal, smart)


def assess_draft(fields: dict, principal: Principal, uow: GoalsUnitOfWork,
                 clock: Clock) -> tuple[dict[str, Verdict], str | None]:
    """The SMART verdicts of a draft, and its horizon; nothing is saved."""
    today = clock.now().date()
    with uow:
        fields = {**fields, "metric": metric_from(fields.get("metric"))}
        owner = fields.get("owner_id") or principal.member_id
        smart = assessment.assess_fields(fields, principal.team_id, owner, uow, today)
    return smart, horizon_of(fields.get("start_date") or today, fields.get("due_date"))


def goal_history(goal_id: str, principal: Principal, uow: GoalsUnitOfWork, *,
                 cursor: str | None, limit: int) -> tuple[list[HistoryEntry], str | None]:
    after = decode_cursor(cursor, 1)
    if after is not None and not isinstance(after[0], int):
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page")
    with uow:
        goal = visible_goal(goal_id, principal, uow)
        rows = uow.history.of_goal(goal.id, after[0] if after else None, limit + 1)
    return rows[:limit], (encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None)


def check_parent(parent_id: str, goal_id: str | None, principal: Principal,
                 uow: GoalsUnitOfWork) -> None:
    parent = uow.goals.get(principal.team_id, parent_id)
    if parent is None or not can_see(parent, viewer_of(principal, uow)):
        raise Unprocessable("parent goal not found",
                            errors={"parent_id": ["No goal with this id in your team."]})
    if parent.kind != "team":
        raise Unprocessable("a parent must be a team goal",
                            errors={"parent_id": ["Must be a team goal."]})
    if goal_id is not None and goal_id in ancestors(parent_id, principal.team_id, uow):
        raise Unprocessable("a goal cannot be aligned under itself or its own children",
                            errors={"parent_id": ["Would make a cycle."]})


def _owner(owner_id: str, principal: Principal, uow: GoalsUnitOfWork) -> Member:
    if owner_id != principal.member_id and not principal.is_lead:
        raise Forbidden("only a lead may create a goal for someone else")
    owner = uow.members.get(principal.team_id, owner_id) if is_id(owner_id) else None
    if owner is None or owner.state == "left":
        raise Unprocessable("owner not found",
                            errors={"owner_id": ["No current member with this id."]})
    return owner


def _new_goal(cmd: CreateGoal, team_id: str, owner: Member, start: date, now: datetime) -> Goal:
    if cmd.due_date <= start:
        raise Unprocessable("due_date must be after start_date",
                            errors={"due_date": ["Must be after the start date."]})
    milestones = tuple(Milestone(_uuid(), m["title"], m.get("due_date")) for m in cmd.milestones)
    return Goal(
        team_id, owner.id, cmd.title, description=cmd.description, why=cmd.why,
        start_date=start, due_date=cmd.due_date, timezone=owner.timezone,
        metric=metric_from(cmd.metric), status=cmd.status, kind=cmd.kind,
        visibility=cmd.visibility, parent_id=cmd.parent_id, parent_weight=cmd.parent_weight,
        cadence=cmd.cadence, created_at=now,
        pathways=(Pathway(_uuid(), "Plan A", active=True, milestones=milestones),),
    )


def _uuid() -> str:
    return str(uuid.uuid4())
