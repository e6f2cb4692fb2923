"""SMART assessment rules, one criterion at a time, with the hints a user would act on."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from services.goals.domain.metric import Metric
from services.goals.domain.smart import Draft, TrackRecord, assess, is_smart, words_of

TODAY = date(2031, 3, 1)
TICKETS = Metric("tickets", 0, 20, 0)


def draft(**changes) -> Draft:
    fields = {"title": "Close 20 support tickets", "start_date": TODAY,
              "due_date": TODAY + timedelta(days=69), "why": "Customers wait", "metric": TICKETS}
    return Draft(**{**fields, **changes})


NO_RECORD = TrackRecord()


def verdicts(record: TrackRecord = NO_RECORD, **changes):
    return assess(draft(**changes), record, TODAY)


def test_a_well_formed_goal_is_smart():
    assert is_smart(verdicts())


@pytest.mark.parametrize("title", ["improve", "Get better", "Do more and be better at things"])
def test_vague_titles_without_an_object_are_not_specific(title):
    verdict = verdicts(title=title, metric=None, milestones=1)["specific"]
    assert not verdict.ok
    assert "Too short" in verdict.hint or "names no object" in verdict.hint


def test_improve_something_without_a_number_or_metric_is_not_specific():
    verdict = verdicts(title="Improve our sales pipeline", metric=None, milestones=2)["specific"]
    assert not verdict.ok and "not by how much" in verdict.hint


def test_improve_something_with_a_metric_is_specific():
    assert verdicts(title="Improve our sales pipeline")["specific"].ok


def test_a_two_word_title_is_too_short():
    assert not verdicts(title="Ship it")["specific"].ok


@pytest.mark.parametrize("title", [
    "Закрыть 20 заявок клиентов",            # Russian: close 20 customer tickets
    "Κλείσιμο 20 αιτημάτων υποστήριξης",     # Greek
    "关闭20个支持工单",                         # Chinese, written without spaces
    "ปิดตั๋วสนับสนุน 20 ใบ",                     # Thai, words not separated by spaces
])
def test_a_concrete_title_in_any_script_is_specific(title):
    assert verdicts(title=title)["specific"].ok


def test_accented_words_are_whole_words():
    assert words_of("Réduire le DÉLAI d'attente") == ["réduire", "le", "délai", "d'attente"]


@pytest.mark.parametrize("title", ["提高", "Ship it", "Закрыть всё"])
def test_a_title_too_short_in_any_script_is_not_specific(title):
    verdict = verdicts(title=title)["specific"]
    assert not verdict.ok and "Too short" in verdict.hint


def test_measurable_needs_a_metric_with_a_target_or_a_milestone():
    assert not verdicts(metric=None)["measurable"].ok
    assert verdicts(metric=None, milestones=1)["measurable"].ok
    flat = verdicts(metric=Metric("tickets", 5, 5, 5))["measurable"]
    assert not flat.ok and "target equals its start" in flat.hint


def test_a_big_target_is_written_in_all_its_digits():
    """The verdict wrote :g, so a target of 2,500,000 steps read '0 to 2.5e+06'."""
    measured = verdicts(metric=Metric("steps", 0, 2500000, 0))["measurable"]
    assert measured.ok and measured.hint == "Measured in steps: 0 to 2,500,000."


def test_relevant_needs_a_parent_or_a_why():
    assert not verdicts(why="  ")["relevant"].ok
    assert verdicts(why="", parent_id="p")["relevant"].ok


def test_time_bound_needs_a_due_date_after_the_start():
    assert not verdicts(due_date=None)["time_bound"].ok
    assert not verdicts(due_date=TODAY)["time_bound"].ok
    assert verdicts(due_date=TODAY + timedelta(days=1))["time_bound"].ok


def test_achievable_without_any_track_record_is_not_flagged():
    verdict = verdicts()["achievable"]
    assert verdict.ok and "no track record" in verdict.hint


def test_achievable_is_flagged_when_far_beyond_the_owners_pace_and_says_by_how_much():
    # 20 tickets in 10 weeks (the due day counts): 10% of the goal a week, against 3% shown: 3.3x
    verdict = verdicts(record=TrackRecord(0.03, "owner"))["achievable"]
    assert not verdict.ok
    assert "3.3x" in verdict.hint and "2.0 tickets a week" in verdict.hint


def test_achievable_within_twice_the_shown_pace_is_fine():
    # 10% a week needed, 5% shown: exactly 2x, not beyond
    assert verdicts(record=TrackRecord(0.05, "owner"))["achievable"].ok


def test_the_teams_pace_is_named_when_it_is_the_comparison():
    verdict = verdicts(record=TrackRecord(0.01, "team"))["achievable"]
    assert not verdict.ok and "your team has" in verdict.hint


def test_a_decreasing_metric_needs_its_remaining_distance():
    cut = Metric("minutes", 60, 20, 60, "decrease")
    verdict = verdicts(metric=cut, record=TrackRecord(0.2, "owner"))["achievable"]
    assert verdict.ok and "4.0 minutes a week" in verdict.hint


def test_a_kept_assessment_is_the_callers_own_and_follows_every_input():
    first = verdicts()
    first["specific"] = "changed by a caller"
    again = verdicts()
    assert again == assess(draft(), NO_RECORD, TODAY) and again["specific"].ok
    # The same draft a day later, further along, or against another record is assessed anew.
    late = assess(draft(), NO_RECORD, TODAY + timedelta(days=69))
    assert late["achievable"].hint != again["achievable"].hint
    along = verdicts(progress=0.5)["achievable"].hint
    assert along != again["achievable"].hint
    assert not verdicts(TrackRecord(0.01))["achievable"].ok
