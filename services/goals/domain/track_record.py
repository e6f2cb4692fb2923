"""The pace someone has shown: share of a goal gained per week, from recorded progress points.

For each goal with points spanning at least `MIN_SPAN`, the rate is (last - first progress) /
weeks between them; the track record is the median of those rates over goals: the owner's,
else the team's when the owner has none yet. A goal's own history never counts for itself.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import timedelta
from functools import cached_property

from services.goals.domain.history import ProgressPoint
from services.goals.domain.smart import TrackRecord

MIN_SPAN = timedelta(days=1)
WEEK = timedelta(weeks=1)


class Rates(dict[str, float]):
    """Each goal's shown rate {goal_id: share of the goal per week}, not changed once built.
    Its rates are sorted once, so the median with any one goal left out is a binary search: a
    page of goals asks it once per goal, of the same owner's or team's record."""

    @cached_property
    def _ordered(self) -> list[float]:
        return sorted(self.values())

    def median(self, exclude_goal: str | None = None) -> float | None:
        """The median rate of every goal but `exclude_goal` (None when none is left)."""
        values = self._ordered
        left_out = self.get(exclude_goal) if exclude_goal is not None else None
        skip = len(values) if left_out is None else bisect_left(values, left_out)
        count = len(values) - (left_out is not None)
        if count == 0:
            return None

        def nth(i: int) -> float:  # the i-th of the values without the left-out one
            return values[i if i < skip else i + 1]

        middle = count // 2
        return nth(middle) if count % 2 else (nth(middle - 1) + nth(middle)) / 2


def shown_pace(rates_of: Callable[[str | None], Rates], owner_id: str,
               exclude_goal: str | None = None) -> TrackRecord:
    """`rates_of(owner_id)` gives each goal's rate of that owner (None: of the whole team)."""
    own = rates_of(owner_id).median(exclude_goal)
    if own is not None:
        return TrackRecord(own, "owner")
    return TrackRecord(rates_of(None).median(exclude_goal), "team")


def goal_rates(points: Iterable[ProgressPoint]) -> Rates:
    """Each goal's shown rate (share of the goal per week), for goals with enough history.
    Only each goal's first and last point count (by time, then id), so the points may be just
    those (`ProgressPoints.ends`); anything with the four fields will do."""
    by_goal: dict[str, list[ProgressPoint]] = defaultdict(list)
    for point in points:
        by_goal[point.goal_id].append(point)
    return Rates({goal_id: rate for goal_id, goal_points in by_goal.items()
                  if (rate := _goal_rate(goal_points)) is not None})


def _goal_rate(points: list[ProgressPoint]) -> float | None:
    ordered = sorted(points, key=lambda p: (p.at, p.id or 0))
    first, last = ordered[0], ordered[-1]
    span = last.at - first.at
    if span < MIN_SPAN:
        return None
    return max(0.0, last.progress - first.progress) / (span / WEEK)
