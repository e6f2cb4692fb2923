"""Health from pace, as pure rules: thresholds, boundaries and the next moment to look again."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from services.goals.domain.pace import MICROSECOND, Window, assess_pace

# 10 whole days: opens 2031-03-01 00:00 UTC, closes 2031-03-11 00:00 UTC
WINDOW = Window.of(date(2031, 3, 1), date(2031, 3, 10), "UTC")


def at_fraction(numerator: int, denominator: int) -> datetime:
    return WINDOW.opens + (WINDOW.closes - WINDOW.opens) * numerator / denominator


@pytest.mark.parametrize(("expected", "progress", "health"), [
    ((6, 10), 0.5, "on_track"),     # gap exactly 0.10
    ((5, 10), 0.25, "at_risk"),     # gap exactly 0.25
    ((5, 10), 0.5, "on_track"),     # gap 0
    ((9, 10), 0.25, "off_track"),   # gap 0.65
    ((5, 10), 1.0, "on_track"),     # ahead of pace
])
def test_gap_thresholds_are_inclusive_boundaries(expected, progress, health):
    pace = assess_pace(WINDOW, progress, at_fraction(*expected), achieved=False)
    assert pace.health == health


def test_one_microsecond_past_a_threshold_changes_the_health():
    crossing = at_fraction(6, 10)
    assert assess_pace(WINDOW, 0.5, crossing, achieved=False).health == "on_track"
    assert assess_pace(WINDOW, 0.5, crossing + MICROSECOND, achieved=False).health == "at_risk"
    quarter = at_fraction(3, 4)
    assert assess_pace(WINDOW, 0.5, quarter, achieved=False).health == "at_risk"
    assert assess_pace(WINDOW, 0.5, quarter + MICROSECOND, achieved=False).health == "off_track"


def test_next_check_is_the_first_instant_after_the_next_threshold():
    pace = assess_pace(WINDOW, 0.5, at_fraction(1, 10), achieved=False)
    assert pace.next_check_at == at_fraction(6, 10) + MICROSECOND
    later = assess_pace(WINDOW, 0.5, pace.next_check_at, achieved=False)
    assert later.health == "at_risk"
    assert later.next_check_at == at_fraction(3, 4) + MICROSECOND


def test_at_the_exact_crossing_the_next_check_is_still_ahead():
    crossing = at_fraction(6, 10)
    assert assess_pace(WINDOW, 0.5, crossing, achieved=False).next_check_at > crossing


def test_off_track_goal_is_next_checked_when_it_becomes_overdue():
    pace = assess_pace(WINDOW, 0.0, at_fraction(9, 10), achieved=False)
    assert pace.health == "off_track"
    assert pace.next_check_at == WINDOW.closes


def test_a_goal_due_today_is_not_overdue_until_the_day_ends():
    last_minute = datetime(2031, 3, 10, 23, 59, tzinfo=UTC)
    assert assess_pace(WINDOW, 0.95, last_minute, achieved=False).health == "on_track"
    assert assess_pace(WINDOW, 0.95, WINDOW.closes, achieved=False).health == "overdue"


def test_the_due_day_ends_in_the_owners_time_zone():
    berlin = Window.of(date(2031, 3, 1), date(2031, 3, 10), "Europe/Berlin")
    assert berlin.closes == datetime(2031, 3, 10, 23, 0, tzinfo=UTC)
    assert assess_pace(berlin, 0.99, datetime(2031, 3, 10, 23, 30, tzinfo=UTC),
                       achieved=False).health == "overdue"


def test_before_the_start_it_is_not_started_and_checked_again_at_the_start():
    pace = assess_pace(WINDOW, 0.0, WINDOW.opens - timedelta(hours=1), achieved=False)
    assert (pace.health, pace.next_check_at) == ("not_started", WINDOW.opens)


def test_an_achieved_goal_is_done_and_never_checked_again():
    pace = assess_pace(WINDOW, 0.3, WINDOW.closes + timedelta(days=3), achieved=True)
    assert (pace.health, pace.next_check_at) == ("done", None)


def test_days_of_safety_at_the_current_rate():
    # half the window gone, 60% done: 5 days left, 0.4 left at 0.12/day needs 3.33 days
    pace = assess_pace(WINDOW, 0.6, at_fraction(1, 2), achieved=False)
    assert pace.days_of_safety == pytest.approx(1.67, abs=0.01)
    behind = assess_pace(WINDOW, 0.25, at_fraction(1, 2), achieved=False)
    assert behind.days_of_safety == pytest.approx(-10.0, abs=0.01)


def test_no_progress_yet_gives_no_days_of_safety():
    assert assess_pace(WINDOW, 0.0, at_fraction(1, 2), achieved=False).days_of_safety is None
