"""The measure of a goal with a metric: where it started, where it stands, where it should end."""

from __future__ import annotations

from dataclasses import dataclass

from shared.domain import Unprocessable

DIRECTIONS = ("increase", "decrease")


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

    @property
    def progress(self) -> float:
        """Fraction of the way from start to target, clamped to [0, 1]."""
        span = self.target - self.start
        if span == 0:
            return 1.0
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
