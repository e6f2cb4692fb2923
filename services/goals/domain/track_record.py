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
    by_goal: dict[str, list[ProgressPoint]] = defaultdict(list)
    for point in points:
        by_goal[point.goal_id].append(point)
    rates = [rate for goal_points in by_goal.values()
             if (rate := _goal_rate(goal_points)) is not None]
    return median(rates) if rates else None


def _goal_rate(points: list[ProgressPoint]) -> float | None:
    ordered = sorted(points, key=lambda p: (p.at, p.id or 0))
    first, last = ordered[0], ordered[-1]
    span = last.at - first.at
    if span < MIN_SPAN:
        return None
    return max(0.0, last.progress - first.progress) / (span / WEEK)
