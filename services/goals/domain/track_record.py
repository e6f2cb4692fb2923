"""The pace someone has shown: share of a goal gained per week, from recorded progress points.

For each goal with points spanning at least `MIN_SPAN`, the rate is (last - first progress) /
weeks between them; the track record is the median of those rates over goals: the owner's,
else the team's when the owner has none yet. A goal's own history never counts for itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from statistics import median

from services.goals.domain.history import ProgressPoint
from services.goals.domain.smart import TrackRecord

MIN_SPAN = timedelta(days=1)
WEEK = timedelta(weeks=1)


def shown_pace(rates_of: Callable[[str | None], dict[str, float]], owner_id: str,
               exclude_goal: str | None = None) -> TrackRecord:
    """`rates_of(owner_id)` gives each goal's rate of that owner (None: of the whole team)."""
    own = median_rate(rates_of(owner_id), exclude_goal)
    if own is not None:
        return TrackRecord(own, "owner")
    return TrackRecord(median_rate(rates_of(None), exclude_goal), "team")


def goal_rates(points: Iterable[ProgressPoint]) -> dict[str, float]:
    """Each goal's shown rate (share of the goal per week), for goals with enough history.
    Only each goal's first and last point count (by time, then id), so the points may be just
    those (`ProgressPoints.ends`); anything with the four fields will do."""
    by_goal: dict[str, list[ProgressPoint]] = defaultdict(list)
    for point in points:
        by_goal[point.goal_id].append(point)
    return {goal_id: rate for goal_id, goal_points in by_goal.items()
            if (rate := _goal_rate(goal_points)) is not None}


def median_rate(rates: dict[str, float], exclude_goal: str | None = None) -> float | None:
    kept = [rate for goal_id, rate in rates.items() if goal_id != exclude_goal]
    return median(kept) if kept else None


def _goal_rate(points: list[ProgressPoint]) -> float | None:
    ordered = sorted(points, key=lambda p: (p.at, p.id or 0))
    first, last = ordered[0], ordered[-1]
    span = last.at - first.at
    if span < MIN_SPAN:
        return None
    return max(0.0, last.progress - first.progress) / (span / WEEK)
