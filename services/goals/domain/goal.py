"""The goal aggregate: what is aimed at, how it is measured, and how it stands.

`progress` is stored and always settled: the weighted roll-up of the children when the goal has
any (`rollup_progress`, see alignment.py), else the metric's progress, else done/total
milestones of the active pathway, else 0. Every change bumps `version` (the ETag), and leaves a
history entry with its actor; every move of `progress` leaves a progress point.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from services.goals.domain.history import HistoryEntry, ProgressPoint, jsonable
from services.goals.domain.lifecycle import TYPED_FIGURE, Lifecycle
from services.goals.domain.metric import Metric
from services.goals.domain.pace import Window, assess_pace
from services.goals.domain.pathways import Pathway, find_pathway
from services.goals.domain.planning import Planning
from shared.domain import Aggregate, Unprocessable, changed
from shared.goal_statuses import FINAL

LONG_TERM_SPAN = relativedelta(years=3)
ANNOUNCED_FIRST_HEALTH = ("off_track",)  # notifications alert the owner and leads on it
EDITABLE = ("title", "description", "why", "visibility", "start_date", "due_date", "metric",
            "cadence", "parent_id", "parent_weight")


def horizon_of(start: date, due: date | None) -> str | None:
    if due is None:
        return None
    return "long_term" if due >= start + LONG_TERM_SPAN else "short_term"


def ensure_window(start: date, due: date, *, moved: str = "due_date",
                  start_note: str = "") -> None:
    """422 unless `due` is after `start`, on the date the request `moved` (start_date when
    only that changed, else due_date), naming the other day; `start_note` says where a start
    the request did not give came from."""
    if due > start:
        return
    if moved == "start_date":
        raise Unprocessable(f"start_date {start.isoformat()} must be before due_date "
                            f"{due.isoformat()}", errors={"start_date": [
                                f"Must be before the due date, {due.isoformat()}."]})
    raise Unprocessable(f"due_date {due.isoformat()} must be after start_date "
                        f"{start.isoformat()}{start_note}", errors={"due_date": [
                            f"Must be after the start date, {start.isoformat()}{start_note}."]})


def metric_of(columns) -> Metric | None:
    """The metric kept in a goal's five metric_* columns (of a Goal or of a row read for a
    page, see adapters/queries.GoalRow), None when it has none."""
    if columns.metric_unit is None:
        return None
    return Metric(columns.metric_unit, columns.metric_start, columns.metric_target,
                  columns.metric_current, columns.metric_direction)


class Goal(Lifecycle, Planning, Aggregate):
    def __init__(self, team_id: str, owner_id: str, title: str, *, start_date: date,
                 due_date: date, description: str = "", why: str = "", timezone: str = "UTC",
                 metric: Metric | None = None, status: str = "active", kind: str = "personal",
                 visibility: str = "team", parent_id: str | None = None,
                 parent_weight: float = 1.0, cadence: dict | None = None,
                 pathways: tuple[Pathway, ...] | None = None, id: str | None = None,
                 created_at: datetime | None = None):
        self.id = id or str(uuid.uuid4())
        self.team_id, self.owner_id, self.title = team_id, owner_id, title
        self.description, self.why, self.timezone = description, why, timezone
        self.start_date, self.due_date = start_date, due_date
        self.metric = metric
        self.status, self.kind, self.visibility = status, kind, visibility
        self.parent_id, self.parent_weight, self.cadence = parent_id, parent_weight, cadence
        self.pathways = pathways or (Pathway(str(uuid.uuid4()), "Plan A", active=True),)
        self.outcome, self.retrospective, self.replaced_by = None, "", None
        self.health = self.expected = self.days_of_safety = self.next_health_check_at = None
        self.rollup_progress = None
        self.figure_checkin_id = None  # the check-in that logged the figure last
        self.figure_at: datetime | None = None  # when the latest value was given (or typed)
        self.horizon = horizon_of(start_date, due_date)
        self.version = 1
        self.created_at = self.updated_at = created_at
        self.settle_progress()

    # -- the metric, mapped onto plain columns --------------------------------------------
    @property
    def metric(self) -> Metric | None:
        return metric_of(self)

    @metric.setter
    def metric(self, metric: Metric | None) -> None:
        values = (metric.unit, metric.start, metric.target, metric.current,
                  metric.direction) if metric else (None,) * 5
        (self.metric_unit, self.metric_start, self.metric_target, self.metric_current,
         self.metric_direction) = values

    # -- measures -------------------------------------------------------------------------
    @property
    def active_pathway(self) -> Pathway:
        return find_pathway(self.pathways, None)

    @property
    def own_progress(self) -> float:
        if self.metric is not None:
            return self.metric.progress
        return self.active_pathway.progress or 0.0

    @property
    def measure_reached(self) -> bool:
        """Its own measure is reached, or every goal counted in its roll-up is done."""
        if self.rollup_progress is not None and self.rollup_progress >= 1.0:
            return True
        if self.metric is not None:
            return self.metric.reached
        return self.active_pathway.progress == 1.0

    def settle_progress(self) -> None:
        own = self.own_progress
        self.progress = own if self.rollup_progress is None else self.rollup_progress

    def resettle(self, at: datetime) -> None:
        """Settle progress after what measures it changed (the metric, the plan); a move leaves
        a progress point, so the owner's track record counts it. The change's own event
        carries the new figure: no `goal.progressed`, which stands for a check-in's (or a
        milestone's, a roll-up's) move."""
        previous = self.progress
        self.settle_progress()
        if self.progress != previous:
            self._point(at)

    def set_rollup(self, rollup: float | None, *, actor: str | None, at: datetime,
                   announce: bool = True) -> None:
        """The weighted progress of the children (None when there are none). A move is noted
        and leaves a progress point; `goal.progressed` tells of it unless `announce` is False
        (the change's own event carries the figure then, as goal.reopened does)."""
        previous = self.progress
        self.rollup_progress = rollup
        self.settle_progress()
        if self.progress == previous:
            return
        self.note("progress_rolled_up", actor, at, {"progress": [previous, self.progress]})
        self._point(at)
        if announce:
            self._announce_progress(previous, None, at=at, source="rollup")

    def created_by(self, actor: str | None, at: datetime) -> None:
        """Record the creation: change log, first progress point and `goal.created`, and a
        first health that alerts, as an activation does; a goal logged with its target already
        reached is then achieved, once. A metric whose target equals its start has nothing to
        reach yet: it is achieved when a check-in reaches it."""
        self.created_at = self.updated_at = at
        self.__dict__.setdefault("_pending_history", []).append(
            HistoryEntry(self.id, self.team_id, at, actor, "created", {}))
        self._point(at)
        self.publish("goal.created")
        self.announce_health(None, at)
        metric = self.metric
        if metric is None or metric.target != metric.start:
            self.maybe_achieve(actor=actor, at=at)

    # -- editing --------------------------------------------------------------------------
    def edit(self, changes: dict, *, actor: str | None, at: datetime) -> dict:
        """Apply field changes; returns {field: [old, new]} of what actually changed. A closed
        goal's metric stays as it was closed with (409), as its plan does, and so does an
        achieved goal's: the figure it was achieved with is final until it is reopened (a
        target moved past it would leave it achieved short of it). A due date moves no
        earlier than its milestones', a start date no later (422, see `ensure_plan_due_by`,
        `ensure_plan_starts_by`). A figure the edit sets is no check-in's (`TYPED_FIGURE`):
        no correction of a check-in sets it again, and no value of a check-in made before the
        edit (`at`) that arrives after it (see `log_checkin`)."""
        figure = self.metric.current if self.metric else None
        if "metric" in changes and changes["metric"] != self.metric:
            self._ensure_open_plan("its metric", kept_when=FINAL)
        if set(changes) - set(EDITABLE):
            raise ValueError(f"not editable: {sorted(set(changes) - set(EDITABLE))}")
        diff = {}
        for name, value in changed(self, changes).items():
            diff[name] = [jsonable(getattr(self, name)), jsonable(value)]
            setattr(self, name, value)
        if not diff:
            return diff
        if (self.metric.current if self.metric else None) != figure:
            self.figure_checkin_id, self.figure_at = TYPED_FIGURE, at
        ensure_window(self.start_date, self.due_date,
                      moved="start_date" if "due_date" not in diff else "due_date")
        if "due_date" in diff:
            self.ensure_plan_due_by(self.due_date)
        if "start_date" in diff:
            self.ensure_plan_starts_by(self.start_date)
        self.horizon = horizon_of(self.start_date, self.due_date)
        self.resettle(at)
        self.note("updated", actor, at, diff)
        self.publish("goal.updated")
        return diff

    def follow_owner_to(self, timezone: str, *, actor: str | None, at: datetime) -> None:
        """Its owner now lives in `timezone`: its days (when it opens, when its due day ends)
        are theirs there, and its health is judged again."""
        if timezone == self.timezone:
            return
        self.note("timezone_changed", actor, at, {"timezone": [self.timezone, timezone]})
        self.timezone = timezone
        self.refresh_health(at)

    # -- health ---------------------------------------------------------------------------
    def refresh_health(self, now: datetime) -> bool:
        """Recompute health from pace; record goal.health_changed when it changed."""
        previous = self.health
        self.judge_health(now)
        return self.announce_health(previous, now)

    def judge_health(self, now: datetime) -> None:
        """Health, expected progress and the next check from pace (None unless active or
        achieved), without announcing anything."""
        if self.status in ("active", "achieved"):
            window = Window.of(self.start_date, self.due_date, self.timezone)
            pace = assess_pace(window, self.progress, now, achieved=self.status == "achieved")
            self.health, self.expected = pace.health, pace.expected
            self.days_of_safety, self.next_health_check_at = pace.days_of_safety, pace.next_check_at
        else:
            self.health = self.expected = self.days_of_safety = None
            self.next_health_check_at = None

    def announce_health(self, previous: str | None, now: datetime) -> bool:
        """Record goal.health_changed when the health changed from `previous`. A first health
        (a goal created or reopened, a draft activated) is carried by that event; it is
        announced as a change too only when it is one that alerts (`ANNOUNCED_FIRST_HEALTH`)."""
        if self.health is None or previous == self.health:
            return False
        if previous is None and self.health not in ANNOUNCED_FIRST_HEALTH:
            return False
        self.record("goal.health_changed", self.team_id, {
            "goal_id": self.id, "team_id": self.team_id, "owner_id": self.owner_id,
            "title": self.title, "previous": previous, "health": self.health,
            "progress": self.progress, "expected": self.expected or 0.0,
            "days_of_safety": self.days_of_safety, "at": now.isoformat(),
        }, subject=self.id)
        return True

    # -- records --------------------------------------------------------------------------
    def note(self, action: str, actor: str | None, at: datetime, changes: dict | None = None):
        self.version += 1
        self.updated_at = at
        self.__dict__.setdefault("_pending_history", []).append(
            HistoryEntry(self.id, self.team_id, at, actor, action, changes or {}))

    def pop_history(self) -> list[HistoryEntry]:
        return self.__dict__.pop("_pending_history", [])

    def pop_points(self) -> list[ProgressPoint]:
        return self.__dict__.pop("_pending_points", [])

    def _point(self, at: datetime) -> None:
        self.__dict__.setdefault("_pending_points", []).append(
            ProgressPoint(self.id, self.team_id, self.owner_id, at, self.progress))

    def publish(self, event_type: str, **extra) -> None:
        self.record(event_type, self.team_id, {**self.as_event_data(), **extra}, subject=self.id)

    def as_event_data(self) -> dict:
        return {
            "goal_id": self.id, "team_id": self.team_id, "owner_id": self.owner_id,
            "title": self.title, "description": self.description, "why": self.why,
            "status": self.status, "visibility": self.visibility, "kind": self.kind,
            "start_date": self.start_date.isoformat(), "due_date": self.due_date.isoformat(),
            "metric": self.metric.as_dict() if self.metric else None,
            "parent_id": self.parent_id, "parent_weight": self.parent_weight,
            "progress": self.progress, "health": self.health, "horizon": self.horizon,
            "cadence": self.cadence, "version": self.version,
            "milestones": [m.as_event_data() for m in self.active_pathway.milestones],
        }

    def _progressed(self, previous: float, previous_value: float | None, *, at: datetime,
                    source: str, checkin_id: str | None = None) -> None:
        """Progress moved from `previous`: a progress point, and `goal.progressed`."""
        self._point(at)
        self._announce_progress(previous, previous_value, at=at, source=source,
                                checkin_id=checkin_id)

    def _announce_progress(self, previous: float, previous_value: float | None, *,
                           at: datetime, source: str, checkin_id: str | None = None) -> None:
        """`goal.progressed`: progress from `previous` to now, and the metric's value from
        `previous_value` (a check-in's move; None otherwise) to now (None without a metric)."""
        metric = self.metric
        self.record("goal.progressed", self.team_id, {
            "goal_id": self.id, "team_id": self.team_id, "owner_id": self.owner_id,
            "previous": previous_value, "current": metric.current if metric else None,
            "previous_progress": previous, "progress": self.progress, "source": source,
            "checkin_id": checkin_id, "at": at.isoformat(),
        }, subject=self.id)
