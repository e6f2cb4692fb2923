"""The measure of a goal with a metric: where it started, where it stands, where it should end."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain import Unprocessable

DIRECTIONS = ("increase", "decrease")
TARGET_AT_START = ("Must differ from start: progress is the way from start to target. To hold "
                   "a level instead (say, keep open bugs under 5), make a milestone goal, with a "
                   "milestone for each period the level is held.")


@dataclass(frozen=True)
class Metric:
    unit: str
    start: float
    target: float
    current: float
    direction: str = "increase"

    def __post_init__(self):
        if self.direction not in DIRECTIONS:
            raise Unprocessable("metric.direction must be increase or decrease",
                                errors={"metric.direction": ["Must be increase or decrease."]})
        if self.direction == "increase" and self.target < self.start:
            raise Unprocessable("an increasing metric needs a target above its start",
                                errors={"metric.target": ["Must be above start when increasing."]})
        if self.direction == "decrease" and self.target > self.start:
            raise Unprocessable("a decreasing metric needs a target below its start",
                                errors={"metric.target": ["Must be below start when decreasing."]})

    def ensure_a_way_to_go(self) -> None:
        """Refuse (422 on metric.target) a target equal to the start: a goal set so would be
        done before it began. Checked where a client sets a metric, not on reading: a goal
        saved so before this check still reads (see `progress`)."""
        if self.target == self.start:
            raise Unprocessable("a metric's target must differ from its start",
                                errors={"metric.target": [TARGET_AT_START]})

    @property
    def progress(self) -> float:
        """Fraction of the way from start to target, clamped to [0, 1]; with no way (a target
        at the start, saved before `ensure_a_way_to_go`), 1 while reached, else 0."""
        span = self.target - self.start
        if span == 0:
            return 1.0 if self.reached else 0.0
        return max(0.0, min(1.0, (self.current - self.start) / span))

    @property
    def reached(self) -> bool:
        if self.direction == "increase":
            return self.current >= self.target
        return self.current <= self.target

    @property
    def remaining(self) -> float:
        return max(0.0, abs(self.target - self.current)) if not self.reached else 0.0

    def moved_to(self, value: float) -> Metric:
        return Metric(self.unit, self.start, self.target, value, self.direction)

    def as_dict(self) -> dict:
        return {"unit": self.unit, "start": self.start, "target": self.target,
                "current": self.current, "direction": self.direction}
