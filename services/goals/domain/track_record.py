"""The pace someone has shown: share of a goal gained per week, from recorded progress points.

For each goal with points spanning at least `MIN_SPAN`, the rate is (last - first progress) /
weeks between them; the track record is the median of those rates over goals.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from statistics import median

from services.goals.domain.history import ProgressPoint

MIN_SPAN = timedelta(days=1)
WEEK = timedelta(weeks=1)


def weekly_rate(points: list[ProgressPoint]) -> float | None:
    return median_rate(goal_rates(points))


def goal_rates(points: list[ProgressPoint]) -> dict[str, float]:
    """Each goal's shown rate (share of the goal per week), for goals with enough history."""
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
