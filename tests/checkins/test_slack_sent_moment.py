"""A check-in from Slack counts as of when the member sent it, however late it is handled.

`checkin.requested` carries `at`, the moment the member sent it; an outage of the broker, the
relay or the worker delays the command. Ola's weekly check-in is due on Mondays at 09:00
Berlin (08:00 UTC in March), with 12 h of grace; she checked in on Wednesday 4 March, which
counted for Monday 9 March (a streak of 1).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tests.checkins.conftest import World
from tests.checkins.test_scheduling import run_until, utc


def sent_from_slack(world: World, member_id: str, goal_id: str, at: str) -> None:
    """`checkin.requested` as notifications sends it, sent `at`, handled now."""
    world.apply("checkin.requested", {
        "request_id": uuid.uuid4().hex, "team_id": world.team_id, "member_id": member_id,
        "goal_ref": goal_id, "value": 3, "note": "from slack", "at": at})


def ola_with_a_streak_of_one(world: World) -> tuple[str, str]:
    ola = world.member("Ola")
    goal = world.goal(ola)
    world.checkin(goal, ola, value=1)  # Wednesday 4 March: counts for Monday 9 March
    return ola, goal


def newest_checkin_at(world: World, goal: str, ola: str) -> datetime:
    page = world.harness.client.get(f"/v1/goals/{goal}/checkins?limit=1", headers=world.as_(ola))
    assert page.status_code == 200, page.json
    [newest] = page.json["items"]
    assert newest["source"] == "slack"
    return datetime.fromisoformat(newest["created_at"])


def streak(world: World, goal: str, ola: str) -> dict:
    response = world.harness.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(ola))
    assert response.status_code == 200, response.json
    return response.json


def test_a_checkin_sent_before_the_due_moment_and_handled_after_it_is_on_time(checkins, clock):
    """Sent on Monday 16 March at 08:55 Berlin, handled at 09:20 (the worker was down): it was
    logged as made at 09:20, a late check-in. It is dated 08:55 and counts on time."""
    world = World(checkins)
    ola, goal = ola_with_a_streak_of_one(world)
    run_until(checkins, clock, world, utc(2026, 3, 16, 8))  # 09:00 Berlin: due
    clock.set(utc(2026, 3, 16, 8, 20))

    sent_from_slack(world, ola, goal, "2026-03-16T07:55:00+00:00")

    assert newest_checkin_at(world, goal, ola) == utc(2026, 3, 16, 7, 55)
    shown = streak(world, goal, ola)
    assert (shown["current"], shown["last_checkin_at"]) == (2, "2026-03-16T07:55:00+00:00")
    clock.set(utc(2026, 3, 16, 9))
    timeline = run_until(checkins, clock, world, utc(2026, 3, 23, 7))
    assert timeline == [(utc(2026, 3, 23, 6), "checkin.reminder", None)]  # 16 March: no miss


def test_a_checkin_handled_after_the_grace_of_the_period_it_was_sent_in_keeps_it(checkins,
                                                                                  clock):
    """Sent on Monday 16 March at 08:55 Berlin, handled at 22:00 (the worker, and its
    scheduler, were down all day): Monday's period was judged missed as the check-in was
    handled, Ola was told so and her streak broke, and the check-in counted for 23 March.
    It counts for 16 March: no miss, the streak goes on, and 23 March is still wanted."""
    world = World(checkins)
    ola, goal = ola_with_a_streak_of_one(world)
    run_until(checkins, clock, world, utc(2026, 3, 16, 7))
    clock.set(utc(2026, 3, 16, 21))  # no tick since 08:00 Berlin

    sent_from_slack(world, ola, goal, "2026-03-16T07:55:00+00:00")

    shown = streak(world, goal, ola)
    assert (shown["current"], shown["next_due_at"]) == (2, "2026-03-23T08:00:00+00:00")
    timeline = run_until(checkins, clock, world, utc(2026, 3, 23, 7))
    assert timeline == [(utc(2026, 3, 23, 6), "checkin.reminder", None)]
    assert world.published("checkin.missed") == []


def test_a_checkin_handled_after_its_period_was_judged_counts_for_the_next_and_keeps_its_date(
        checkins, clock):
    """Sent on Sunday 15 March, handled on Monday at 22:00 Berlin, after the scheduler judged
    Monday's period missed and told Ola (level 1). A judged period is not reopened: it stays
    missed and her streak broken. The check-in is dated Sunday (it was dated when handled),
    counts for 23 March as one handled now would, and ends the escalation."""
    world = World(checkins)
    ola, goal = ola_with_a_streak_of_one(world)
    world.member("Lena", role="lead")
    run_until(checkins, clock, world, utc(2026, 3, 16, 21))  # missed at 21:00 Berlin
    assert [e["level"] for e in world.published("checkin.missed")] == [1]

    sent_from_slack(world, ola, goal, "2026-03-15T17:00:00+00:00")

    assert newest_checkin_at(world, goal, ola) == utc(2026, 3, 15, 17)
    shown = streak(world, goal, ola)
    assert (shown["current"], shown["longest"], shown["last_checkin_at"]) == (
        1, 1, "2026-03-15T17:00:00+00:00")
    timeline = run_until(checkins, clock, world, utc(2026, 3, 24))
    assert timeline == []  # no level 2 or 3, and 23 March counted: not reminded, not missed
    assert streak(world, goal, ola)["current"] == 1


def test_a_checkin_sent_at_a_moment_ahead_of_ours_is_dated_when_handled(checkins, clock):
    """A sender's clock ahead of ours (Monday 10:20 Berlin, read at 09:20) dates the check-in
    when it is handled: nothing is logged as made in the future. (An `at` without an offset,
    or none, is refused by the event's schema before it is handled.)"""
    world = World(checkins)
    ola, goal = ola_with_a_streak_of_one(world)
    clock.set(utc(2026, 3, 16, 8, 20))

    sent_from_slack(world, ola, goal, "2026-03-16T09:20:00+00:00")

    assert newest_checkin_at(world, goal, ola) == utc(2026, 3, 16, 8, 20)
    assert streak(world, goal, ola)["last_checkin_at"] == "2026-03-16T08:20:00+00:00"
