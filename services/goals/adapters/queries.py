"""The goal list: filters, visibility, sort and keyset pagination in one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from services.goals.domain.goal import Goal
from shared.pagination import InvalidCursor, decode_cursor, encode_cursor

SORTS = ("due_date", "-due_date", "created_at", "-created_at")


@dataclass(frozen=True)
class Viewer:
    member_id: str
    is_lead: bool
    partners: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class GoalFilter:
    owner_id: str | None = None
    status: str | None = None
    health: str | None = None
    horizon: str | None = None
    parent_id: str | None = None
    due_before: date | None = None


def visible_to(viewer: Viewer):
    if viewer.is_lead:
        return None
    return or_(Goal.visibility == "team", Goal.owner_id == viewer.member_id,
               Goal.owner_id.in_(viewer.partners))


def list_goals(session: Session, team_id: str, viewer: Viewer, filters: GoalFilter, sort: str,
               cursor: str | None, limit: int) -> tuple[list[Goal], str | None]:
    column_name = sort.lstrip("-")
    column, descending = getattr(Goal, column_name), sort.startswith("-")
    query = select(Goal).where(Goal.team_id == team_id, *_conditions(filters))
    visibility = visible_to(viewer)
    if visibility is not None:
        query = query.where(visibility)
    after = _after(cursor, sort)
    if after is not None:
        value, goal_id = after
        beyond = (column < value, Goal.id < goal_id) if descending else \
                 (column > value, Goal.id > goal_id)
        query = query.where(or_(beyond[0], and_(column == value, beyond[1])))
    order = (column.desc(), Goal.id.desc()) if descending else (column, Goal.id)
    rows = list(session.scalars(query.order_by(*order).limit(limit + 1)))
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], encode_cursor([sort, getattr(last, column_name).isoformat(), last.id])


def _conditions(f: GoalFilter) -> list:
    conditions = []
    for name in ("owner_id", "status", "health", "horizon", "parent_id"):
        if getattr(f, name) is not None:
            conditions.append(getattr(Goal, name) == getattr(f, name))
    if f.due_before is not None:
        conditions.append(Goal.due_date < f.due_before)
    return conditions


def _after(cursor: str | None, sort: str) -> tuple | None:
    values = decode_cursor(cursor, 3)
    if values is None:
        return None
    cursor_sort, raw, goal_id = values
    if cursor_sort != sort or not isinstance(raw, str) or not isinstance(goal_id, str):
        raise InvalidCursor("cursor belongs to another sort; pass next_cursor unchanged")
    try:
        parse = date.fromisoformat if sort.lstrip("-") == "due_date" else datetime.fromisoformat
        value = parse(raw)
    except ValueError as exc:
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page") from exc
    if isinstance(value, datetime) and value.tzinfo is None:
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page")
    if "\x00" in goal_id:
        raise InvalidCursor("cursor is not valid; pass next_cursor from a previous page")
    return value, goal_id
