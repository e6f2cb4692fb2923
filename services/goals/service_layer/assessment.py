"""SMART assessment of a goal or a draft, with the track record it needs from the database."""

from __future__ import annotations

from datetime import date

from services.goals.domain.model import Goal, Metric
from services.goals.domain.smart import Draft, TrackRecord, Verdict, assess, is_smart
from services.goals.domain.track_record import goal_rates, median_rate, weekly_rate
from services.goals.service_layer.unit_of_work import GoalsUnitOfWork
from shared.domain import Unprocessable

CRITERION_FIELDS = {"specific": "title", "measurable": "metric", "achievable": "due_date",
                    "relevant": "why", "time_bound": "due_date"}


def track_record(uow: GoalsUnitOfWork, team_id: str, owner_id: str,
                 exclude_goal: str | None = None) -> TrackRecord:
    """The owner's shown pace, or the team's when the owner has none yet."""
    own = weekly_rate(uow.progress_points.recent(team_id=team_id, owner_id=owner_id,
                                                 exclude_goal=exclude_goal))
    if own is not None:
        return TrackRecord(own, "owner")
    team = weekly_rate(uow.progress_points.recent(team_id=team_id, owner_id=None,
                                                  exclude_goal=exclude_goal))
    return TrackRecord(team, "team")


class PaceBook:
    """Shown paces for one request: each owner's (and the team's) points are read once, however
    many goals are assessed, and each goal's own history is left out of its own assessment."""

    def __init__(self, uow: GoalsUnitOfWork, team_id: str):
        self._uow = uow
        self._team_id = team_id
        self._rates: dict[str | None, dict[str, float]] = {}

    def record(self, owner_id: str, exclude_goal: str | None) -> TrackRecord:
        own = median_rate(self._rates_of(owner_id), exclude_goal)
        if own is not None:
            return TrackRecord(own, "owner")
        return TrackRecord(median_rate(self._rates_of(None), exclude_goal), "team")

    def _rates_of(self, owner_id: str | None) -> dict[str, float]:
        if owner_id not in self._rates:
            points = self._uow.progress_points.recent(
                team_id=self._team_id, owner_id=owner_id, exclude_goal=None)
            self._rates[owner_id] = goal_rates(points)
        return self._rates[owner_id]


def draft_of(goal: Goal) -> Draft:
    return Draft(goal.title, goal.start_date, goal.due_date, goal.description, goal.why,
                 goal.parent_id, goal.metric, len(goal.active_pathway.milestones), goal.progress)


def assess_goal(goal: Goal, uow: GoalsUnitOfWork, today: date,
                paces: PaceBook | None = None) -> dict[str, Verdict]:
    paces = paces or PaceBook(uow, goal.team_id)
    return assess(draft_of(goal), paces.record(goal.owner_id, goal.id), today)


def assess_fields(fields: dict, team_id: str, owner_id: str, uow: GoalsUnitOfWork,
                  today: date) -> dict[str, Verdict]:
    metric = fields.get("metric")
    draft = Draft(
        title=fields["title"], start_date=fields.get("start_date") or today,
        due_date=fields.get("due_date"), description=fields.get("description", ""),
        why=fields.get("why", ""), parent_id=fields.get("parent_id"),
        metric=metric, milestones=len(fields.get("milestones") or ()),
        progress=metric.progress if isinstance(metric, Metric) else 0.0,
    )
    return assess(draft, track_record(uow, team_id, owner_id), today)


def require_smart(verdicts: dict[str, Verdict]) -> None:
    """422 naming, per field, the hints of every criterion the goal fails."""
    if is_smart(verdicts):
        return
    errors: dict[str, list[str]] = {}
    for criterion, verdict in verdicts.items():
        if not verdict.ok:
            errors.setdefault(CRITERION_FIELDS[criterion], []).append(
                f"{criterion}: {verdict.hint}")
    raise Unprocessable("this team requires SMART goals: " + ", ".join(
        c for c, v in verdicts.items() if not v.ok), errors=errors)
