"""A track record's median with one goal left out, as `Rates` finds it (its rates sorted once,
then a binary search), against the plain definition: the statistics median of the other goals'
rates. Property-tested on the pure domain class."""

from __future__ import annotations

from statistics import median

from hypothesis import given
from hypothesis import strategies as st

from services.goals.domain.track_record import Rates

# Few distinct values, so that equal rates (ties at the left-out one) are common.
rates_by_goal = st.dictionaries(
    st.sampled_from([f"g{i}" for i in range(12)]),
    st.one_of(st.sampled_from([0.0, 0.05, 0.1, 0.1, 0.25]),
              st.floats(0, 3, allow_nan=False, allow_infinity=False)),
    max_size=12)


def plain_median(rates: dict[str, float], exclude_goal: str | None) -> float | None:
    kept = [rate for goal_id, rate in rates.items() if goal_id != exclude_goal]
    return median(kept) if kept else None


@given(rates_by_goal, st.one_of(st.none(), st.sampled_from([f"g{i}" for i in range(14)])))
def test_the_median_without_one_goal_is_the_median_of_the_others(rates, exclude_goal):
    found = Rates(rates)
    assert found.median(exclude_goal) == plain_median(rates, exclude_goal)
    # asked again of the same record (a page asks once per goal), with every goal left out
    for goal_id in [*rates, None]:
        assert found.median(goal_id) == plain_median(rates, goal_id)


def test_a_record_of_one_goal_has_no_median_without_it():
    assert Rates({"g1": 0.2}).median("g1") is None
    assert Rates({"g1": 0.2}).median("g2") == 0.2
    assert Rates().median() is None
