"""The pace road of a goal as SVG geometry: the expected line from start to due date, the
check-ins as points, today's actual and expected marks. Every number comes from the APIs; this
module only places them on the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo

from services.web.domain.stamps import stamp
from shared.numbers import figure

WIDTH, HEIGHT, PAD = 640, 260, 40


@dataclass(frozen=True)
class Point:
    """A mark on the chart; `day`, when it stands for one, is shown before its `label`."""

    x: float
    y: float
    label: str
    day: date | None = None


@dataclass
class Chart:
    width: int = WIDTH
    height: int = HEIGHT
    road: tuple[Point, Point] | None = None
    points: list[Point] = field(default_factory=list)
    today: Point | None = None
    expected_today: Point | None = None
    expected: float | None = None  # the share of its way expected by today (`expected_by_today`)
    unit: str = "%"
    y_labels: tuple[str, str] = ("0%", "100%")
    days: tuple[date, date] | None = None  # where the x axis starts and ends

    @property
    def polyline(self) -> str:
        return " ".join(f"{p.x:.1f},{p.y:.1f}" for p in self.points)


def _day(value, zone: tzinfo = UTC) -> date:
    """A date as it is; a timestamp's date in `zone` (the member's day)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if "T" not in str(value):
        return date.fromisoformat(str(value))
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(zone).date()


def pace_chart(goal: dict, checkins: list[dict], today: date, zone: tzinfo = UTC) -> Chart:
    """The chart of `goal`; check-ins fall on their day in `zone`, the member's, as `today`."""
    start, due = _day(goal["start_date"]), _day(goal["due_date"])
    span = max((due - start).days, 1)
    metric = goal.get("metric")
    low, high = (metric["start"], metric["target"]) if metric else (0.0, 1.0)
    if low == high:
        high = low + 1

    def x(day: date) -> float:
        clamped = min(max((day - start).days, 0), span)
        return PAD + (WIDTH - 2 * PAD) * clamped / span

    def y(value: float) -> float:
        share = (value - low) / (high - low)
        return HEIGHT - PAD - (HEIGHT - 2 * PAD) * min(max(share, -0.05), 1.05)

    chart = Chart(days=(start, due))
    chart.road = (Point(x(start), y(low), "start"), Point(x(due), y(high), "target"))
    if metric:
        chart.unit = metric["unit"]
        chart.y_labels = (f"{figure(low)} {metric['unit']}", f"{figure(high)} {metric['unit']}")
        running = low
        for checkin in sorted(checkins, key=lambda c: c["created_at"]):
            if checkin.get("value") is not None:
                running = checkin["value"]
            elif checkin.get("delta") is not None:
                running += checkin["delta"]
            else:
                continue
            when = _day(checkin["created_at"], zone)
            chart.points.append(Point(x(when), y(running), f"{figure(running)} {metric['unit']}",
                                      when))
        current = metric.get("current", low)
        chart.today = Point(x(today), y(current), f"today: {figure(current)} {metric['unit']}")
    else:
        progress = goal.get("progress") or 0.0
        chart.today = Point(x(today), y(progress), f"today: {round(progress * 100)}%")
    chart.expected = expected = expected_by_today(goal)
    if expected is not None:
        chart.expected_today = Point(x(today), y(low + (high - low) * expected),
                                     f"expected today: {round(expected * 100)}%")
    return chart


def expected_by_today(goal: dict) -> float | None:
    """The share of its way goals expects `goal` to have come by today, while it is active;
    none once it is achieved (goals then says 1.0, done, whatever the day) or closed."""
    return goal.get("expected") if goal.get("status") == "active" else None


CATCHING_UP = timedelta(seconds=15)
"""How long after a check-in the goal page expects goals to apply it (moments, usually)."""


def catching_up(goal: dict, logged_at: str | datetime | None, now: datetime) -> bool:
    """Whether goals may not have applied the goal's newest check-in, logged at `logged_at`
    (none while the goal has no check-in), yet: it was logged after the goal last changed, less
    than CATCHING_UP before `now`. Goals applies a check-in moments after checkins has it; one
    it finds nothing to apply from leaves the goal as it was, which is why this ends CATCHING_UP
    after the check-in all the same."""
    if not logged_at or not goal.get("updated_at"):
        return False
    logged = instant(logged_at)
    return logged > instant(goal["updated_at"]) and now - logged < CATCHING_UP


def instant(value: str | datetime) -> datetime:
    """The moment `value` is, as the APIs write one (ISO 8601 with its UTC offset, or Z) or
    already read; a ValueError if it is no date and time or has no offset, which would leave
    it no moment to compare with others."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(
        str(value).replace("Z", "+00:00"))
    if moment.utcoffset() is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return moment


def drawn_from(goal: dict, newest: dict | None, changed_at: str | None, today: date,
               catching: bool = False) -> str:
    """A stamp of what the goal's progress part is drawn from: the goal as the goals API gives
    it, its newest check-in, when any of its check-ins was last logged or corrected
    (`changed_at`, the checkins API's word), the member's today and whether goals was still
    `catching` up with the newest check-in. The same stamp means the same drawing: a check-in
    logged since, a correction of any check-in (the newest or an older one), a change to the
    goal or goals having caught up changes it."""
    return stamp([goal, newest and newest["id"], changed_at, today.isoformat(), catching])


def bar_drawn_from(goal: dict) -> str:
    """A stamp of what a progress bar of `goal` (as My week's cards draw it) is drawn from: its
    title, which labels it, and its progress. The same stamp means the same bar."""
    return stamp([goal["title"], goal.get("progress")])

