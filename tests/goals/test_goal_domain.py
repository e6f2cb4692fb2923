"""The goal aggregate's own rules: measures, horizon, plans, lifecycle and roll-up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from services.goals.domain.alignment import rollup_of
from services.goals.domain.goal import Goal, horizon_of
from services.goals.domain.metric import Metric
from shared.domain import Conflict, Unprocessable

NOW = datetime(2031, 3, 5, tzinfo=UTC)


def goal(**changes) -> Goal:
    fields = {"start_date": date(2031, 3, 1), "due_date": date(2031, 3, 10),
              "metric": Metric("tickets", 0, 20, 0)}
    return Goal("team", "owner", "Close 20 support tickets", **{**fields, **changes})


def events(g: Goal) -> list[str]:
    return [e.type for e in g.pop_events()]


def test_a_decreasing_metric_progresses_as_it_falls_and_is_reached_at_or_below_target():
    cut = Metric("minutes", 60, 20, 60, "decrease")
    assert cut.moved_to(40).progress == 0.5
    assert not cut.moved_to(21).reached
    assert cut.moved_to(20).reached and cut.moved_to(15).reached
    assert cut.moved_to(70).progress == 0.0


def test_a_metric_aiming_the_wrong_way_is_refused():
    with pytest.raises(Unprocessable):
        Metric("minutes", 60, 80, 60, "decrease")


def test_horizon_is_long_term_from_exactly_three_years():
    start = date(2031, 3, 1)
    assert horizon_of(start, date(2034, 2, 28)) == "short_term"
    assert horizon_of(start, date(2034, 3, 1)) == "long_term"


def test_a_goal_with_neither_metric_nor_milestones_has_no_progress_and_no_achievement():
    g = goal(metric=None)
    assert g.progress == 0.0 and not g.measure_reached
    assert not g.maybe_achieve(actor=None, at=NOW)


def test_a_goal_without_metric_is_measured_by_done_over_total_milestones():
    g = goal(metric=None)
    first = g.add_milestone("Draft", None, pathway_id=None, actor="owner", at=NOW)
    g.add_milestone("Review", None, pathway_id=None, actor="owner", at=NOW)
    g.complete_milestone(first.id, actor="owner", at=NOW)
    assert g.progress == 0.5
    assert "goal.milestone_completed" in events(g)
    assert not g.complete_milestone(first.id, actor="owner", at=NOW)  # already done
    g.reopen_milestone(first.id, actor="owner", at=NOW)
    assert g.progress == 0.0


def test_milestones_reorder_only_as_a_full_permutation():
    g = goal()
    ids = [g.add_milestone(t, None, pathway_id=None, actor=None, at=NOW).id for t in "abc"]
    g.reorder_milestones(ids[::-1], pathway_id=None, actor=None, at=NOW)
    assert [m.title for m in g.active_pathway.milestones] == ["c", "b", "a"]
    with pytest.raises(Unprocessable):
        g.reorder_milestones(ids[:2], pathway_id=None, actor=None, at=NOW)


def test_switching_pathway_keeps_exactly_one_active_and_records_the_reason():
    g = goal(metric=None)
    g.add_milestone("Apply", None, pathway_id=None, actor=None, at=NOW)
    plan_b = g.add_pathway("Referrals", "", actor=None, at=NOW)
    events(g)
    g.switch_pathway(plan_b.id, "Cold applications get no answers", actor="owner", at=NOW)
    assert [p.active for p in g.pathways] == [False, True]
    switched = [e for e in g.pop_events() if e.type == "goal.pathway_switched"]
    assert switched[0].data["reason"] == "Cold applications get no answers"
    assert g.active_pathway.milestones == ()
    with pytest.raises(Conflict):
        g.switch_pathway(plan_b.id, "again", actor="owner", at=NOW)


def test_lifecycle_draft_active_achieved():
    g = goal(status="draft")
    with pytest.raises(Conflict):
        g.achieve(actor=None, at=NOW)
    g.activate(actor=None, at=NOW)
    g.achieve(actor=None, at=NOW)
    assert g.status == "achieved"
    with pytest.raises(Conflict):
        g.close("missed", retrospective="", replaced_by=None, actor=None, at=NOW)


def test_closed_goals_reopen_and_only_a_dropped_goal_names_a_replacement():
    g = goal()
    with pytest.raises(Unprocessable):
        g.close("missed", retrospective="", replaced_by="other", actor=None, at=NOW)
    g.close("dropped", retrospective="Found a better goal", replaced_by="other", actor=None,
            at=NOW)
    assert (g.status, g.replaced_by) == ("dropped", "other")
    g.reopen(rollup=None, actor=None, at=NOW)
    assert (g.status, g.replaced_by) == ("active", None)
    with pytest.raises(Conflict):
        g.reopen(rollup=None, actor=None, at=NOW)


def test_reaching_the_target_achieves_once():
    g = goal()
    g.record_value(20, actor="owner", at=NOW)
    assert g.maybe_achieve(actor="owner", at=NOW)
    g.record_value(25, actor="owner", at=NOW)
    assert not g.maybe_achieve(actor="owner", at=NOW)
    assert events(g).count("goal.achieved") == 1


def test_a_goal_created_at_its_target_is_achieved_but_a_flat_metric_has_nothing_to_reach():
    met = goal(metric=Metric("tickets", 0, 20, 20))
    met.created_by("owner", NOW)
    assert met.status == "achieved" and events(met) == ["goal.created", "goal.achieved"]
    flat = goal(metric=Metric("points", 5, 5, 5))
    flat.created_by("owner", NOW)
    assert flat.status == "active" and events(flat) == ["goal.created"]


def test_rollup_weights_children_and_ignores_dropped_ones():
    a, b, c = goal(), goal(parent_weight=3.0), goal()
    a.record_value(20, actor=None, at=NOW)   # progress 1.0, weight 1
    b.record_value(4, actor=None, at=NOW)    # progress 0.2, weight 3
    c.close("dropped", retrospective="", replaced_by=None, actor=None, at=NOW)
    assert rollup_of([a, b, c]) == pytest.approx((1.0 + 3 * 0.2) / 4)


def test_a_parent_with_no_children_keeps_its_own_progress():
    parent = goal(kind="team")
    parent.record_value(5, actor=None, at=NOW)
    parent.set_rollup(rollup_of([]), actor=None, at=NOW)
    assert parent.progress == 0.25


def test_a_parent_with_children_takes_their_progress():
    parent = goal(kind="team")
    parent.set_rollup(0.75, actor=None, at=NOW)
    assert parent.progress == 0.75
    assert "goal.progressed" in events(parent)


def test_a_parent_whose_counted_children_are_all_done_is_achieved():
    parent = goal(kind="team", metric=None)
    parent.set_rollup(0.5, actor=None, at=NOW)
    assert not parent.maybe_achieve(actor=None, at=NOW)
    parent.set_rollup(1.0, actor=None, at=NOW)
    assert parent.maybe_achieve(actor=None, at=NOW)
    assert parent.status == "achieved" and events(parent).count("goal.achieved") == 1


def test_health_change_is_recorded_only_when_it_changes():
    g = goal()
    g.refresh_health(datetime(2031, 3, 1, 12, tzinfo=UTC))
    assert g.health == "on_track" and "goal.health_changed" not in events(g)
    assert not g.refresh_health(datetime(2031, 3, 1, 13, tzinfo=UTC))
    assert g.refresh_health(datetime(2031, 3, 6, tzinfo=UTC))
    assert [e.data["previous"] for e in g.pop_events()] == ["on_track"]
