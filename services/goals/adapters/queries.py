"""Read-side goal queries, each one statement: a goal or a filtered, sorted, keyset-paginated
page, with the owner's and the team's stored track records (see TrackRecords) joined in, and
visibility (partners included) decided in SQL. A page is read as rows (`GoalRow`), not as
goals: a read keeps nothing for a unit of work to track."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Select, Text, and_, bindparam, case, cast, func, or_, select
from sqlalchemy.orm import Session

from services.goals.adapters.orm import goals, track_records
from services.goals.adapters.repositories import TEAM, is_id, partners_query
from services.goals.domain.goal import Goal, metric_of
from services.goals.domain.metric import Metric
from services.goals.domain.pathways import Pathway, find_pathway
from services.goals.domain.track_record import Rates
from shared.db import prebuilt
from shared.json_codec import loads
from shared.pagination import BAD_CURSOR, InvalidCursor, cursor_moment, decode_cursor, encode_cursor

SORTS = ("due_date", "-due_date", "created_at", "-created_at")


@dataclass(frozen=True)
class Viewer:
    member_id: str
    is_lead: bool
    partners: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class GoalFilter:
    owner_id: tuple[str, ...] | None = None  # any of them
    status: tuple[str, ...] | None = None  # any of them
    kind: str | None = None
    health: str | None = None
    horizon: str | None = None
    parent_id: str | None = None
    due_before: date | None = None


@dataclass(frozen=True)
class Records:
    """Stored shown rates {goal_id: share per week}: the owner's and the team's; None where
    nothing is stored yet (then the caller computes them from the points)."""

    owner: Rates | None = None
    team: Rates | None = None


def decoded_rates(text: str | None) -> Rates | None:
    """A stored record, read as its JSON text (`_with_records`)."""
    return None if text is None else Rates(loads(text))


class GoalRow:
    """A goal of a page as its row: the goals table's columns as plain attributes, and the two
    figures a response derives from them, `metric` and `active_pathway`, as on Goal."""

    def __init__(self, columns: dict):
        self.__dict__.update(columns)

    @property
    def metric(self) -> Metric | None:
        return metric_of(self)

    @property
    def active_pathway(self) -> Pathway:
        return find_pathway(self.pathways, None)


_owner_record = track_records.alias("owner_record")
_team_record = track_records.alias("team_record")


def _with_records(query: Select, goal_columns=goals.c, *, once: bool = False) -> Select:
    """`query` with the owner's and the team's stored records joined in, as their JSON text
    (decoded with `decoded_rates`). `once`: for a page, the team's record is given on one row
    and each owner's on one of their rows (NULL on the others), since a record can be far
    larger than a goal and every row would repeat it."""
    owner_rates = cast(_owner_record.c.rates, Text)
    team_rates = cast(_team_record.c.rates, Text)
    if once:
        owner_rates = case((func.row_number().over(partition_by=goal_columns.owner_id) == 1,
                            owner_rates))
        team_rates = case((func.row_number().over() == 1, team_rates))
    return (query.add_columns(owner_rates.label("owner_rates"), team_rates.label("team_rates"))
            .outerjoin(_owner_record, and_(_owner_record.c.team_id == goal_columns.team_id,
                                           _owner_record.c.owner_id == goal_columns.owner_id))
            .outerjoin(_team_record, and_(_team_record.c.team_id == goal_columns.team_id,
                                          _team_record.c.owner_id == TEAM)))


def goal_with_records(session: Session, team_id: str, goal_id: str) -> tuple[Goal, Records] | None:
    """A goal of the team with its owner's and team's track records, in one statement."""
    if not is_id(goal_id):
        return None
    row = session.execute(_goal_query(), {"goal_id": goal_id, "team_id": team_id}).first()
    if row is None:
        return None
    return row[0], Records(decoded_rates(row.owner_rates), decoded_rates(row.team_rates))


@prebuilt
def _goal_query() -> Select:
    return _with_records(select(Goal).where(Goal.id == bindparam("goal_id"),
                                            Goal.team_id == bindparam("team_id")))


FILTERS = ("owner_id", "status", "kind", "health", "horizon", "parent_id", "due_before")
ANY_OF = ("owner_id", "status")  # given as several values, any of which keeps a goal


def list_goals(session: Session, team_id: str, viewer: Viewer, filters: GoalFilter, sort: str,
               cursor: str | None, limit: int) -> tuple[list[tuple[GoalRow, Records]], str | None]:
    """A page of goals the viewer may see, each with its track records, in one statement."""
    after = _after(cursor, sort)
    given = tuple(name for name in FILTERS if getattr(filters, name) is not None)
    values = {"team_id": team_id, "member_id": viewer.member_id, "limit": limit + 1,
              **{name: getattr(filters, name) for name in given}}
    if after is not None:
        values.update(after_value=after[0], after_id=after[1])
    found = session.execute(_page_query(given, sort, after is not None, viewer.is_lead), values)
    names, found = tuple(found.keys()), found.all()
    # The records may come on any fetched row, the one beyond the page included.
    team = decoded_rates(next((r.team_rates for r in found if r.team_rates is not None), None))
    owners = {r.owner_id: decoded_rates(r.owner_rates) for r in found
              if r.owner_rates is not None}
    rows = [(GoalRow(dict(zip(names, row, strict=True))), Records(owners.get(row.owner_id), team))
            for row in found]
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1][0]
    column_name = sort.lstrip("-")
    return rows[:limit], encode_cursor([sort, getattr(last, column_name).isoformat(), last.id])


@prebuilt
def _page_query(given: tuple[str, ...], sort: str, paged: bool, lead: bool) -> Select:
    """The page's statement for one shape of request: the filters given, the sort, a cursor,
    a lead or not."""
    c = goals.c
    column, descending = c[sort.lstrip("-")], sort.startswith("-")
    conditions = [c.due_date < bindparam("due_before") if name == "due_before"
                  else c[name].in_(bindparam(name, expanding=True)) if name in ANY_OF
                  else c[name] == bindparam(name) for name in given]
    query = select(goals).where(c.team_id == bindparam("team_id"), *conditions)
    if not lead:  # a member sees the team's goals, their own, and their partners'
        member = bindparam("member_id")
        query = query.where(or_(c.visibility == "team", c.owner_id == member,
                                c.owner_id.in_(partners_query(bindparam("team_id"), member))))
    if paged:
        value, goal_id = bindparam("after_value"), bindparam("after_id")
        beyond = (column < value, c.id < goal_id) if descending else \
                 (column > value, c.id > goal_id)
        query = query.where(or_(beyond[0], and_(column == value, beyond[1])))
    page = query.order_by(*_order(c, sort)).limit(bindparam("limit")).subquery("page")
    return _with_records(select(page), page.c, once=True).order_by(*_order(page.c, sort))


def _order(columns, sort: str) -> tuple:
    column = columns[sort.lstrip("-")]
    return (column.desc(), columns.id.desc()) if sort.startswith("-") else (column, columns.id)


def _after(cursor: str | None, sort: str) -> tuple | None:
    values = decode_cursor(cursor, 3)
    if values is None:
        return None
    cursor_sort, raw, goal_id = values
    if cursor_sort != sort or not isinstance(raw, str) or not isinstance(goal_id, str):
        raise InvalidCursor("cursor belongs to another sort; pass next_cursor unchanged")
    if sort.lstrip("-") != "due_date":
        return cursor_moment(raw), goal_id
    try:
        return date.fromisoformat(raw), goal_id
    except ValueError as exc:
        raise InvalidCursor(BAD_CURSOR) from exc
