"""A check-in from Slack counts as of when the member sent it, however late it is handled; it is
logged (listed, published, open to edits) when it is handled.

`checkin.requested` carries `at`, the moment the member sent it; an outage of the broker, the
relay or the worker delays the command. Ola's weekly check-in is due on Mondays at 09:00
Berlin (08:00 UTC in March), with 12 h of grace; she checked in on Wednesday 4 March, which
counted for Monday 9 March (a streak of 1).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from tests.checkins.conftest import World
from tests.checkins.ticking import run_until, utc


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
    """Sent on Monday 16 March at 08:55 Berlin, handled at 09:20 (the worker was down): it
    counted as made at 09:20, a late check-in. It counts on time, and is logged at 09:20."""
    world = World(checkins)
    ola, goal = ola_with_a_streak_of_one(world)
    run_until(checkins, clock, world, utc(2026, 3, 16, 8))  # 09:00 Berlin: due
    clock.set(utc(2026, 3, 16, 8, 20))

    sent_from_slack(world, ola, goal, "2026-03-16T07:55:00+00:00")

    assert newest_checkin_at(world, goal, ola) == utc(2026, 3, 16, 8, 20)
    assert world.published("checkin.logged")[-1]["at"] == "2026-03-16T08:20:00+00:00"
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


def test_a_checkin_handled_after_its_period_was_judged_counts_for_the_next(checkins, clock):
    """Sent on Sunday 15 March, handled on Monday at 22:00 Berlin, after the scheduler judged
    Monday's period missed and told Ola (level 1). A judged period is not reopened: it stays
    missed and her streak broken. The check-in counts for 23 March as one handled now would,
    and ends the escalation."""
    world = World(checkins)
    ola, goal = ola_with_a_streak_of_one(world)
    world.member("Lena", role="lead")
    run_until(checkins, clock, world, utc(2026, 3, 16, 21))  # missed at 21:00 Berlin
    assert [e["level"] for e in world.published("checkin.missed")] == [1]

    sent_from_slack(world, ola, goal, "2026-03-15T17:00:00+00:00")

    assert newest_checkin_at(world, goal, ola) == utc(2026, 3, 16, 21)
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


def test_a_delayed_checkin_is_logged_after_a_newer_one_and_published_in_that_order(checkins,
                                                                                   clock):
    """Ola's web check-in at 09:10 Berlin (5), then her Slack one sent at 08:55 (3) and handled
    at 09:20: dated 08:55, it was published after the 09:10 one with an older `at`, so the goals
    service's figure (3) disagreed with the newest check-in the list showed (5), and the goal's
    updated_at went back. Logged when handled, the list, the events and the figure agree: the
    Slack one is the newest, and it still counts as of 08:55 (the web one already counted)."""
    world = World(checkins)
    ola, goal = ola_with_a_streak_of_one(world)
    run_until(checkins, clock, world, utc(2026, 3, 16, 8))
    clock.set(utc(2026, 3, 16, 8, 10))
    world.checkin(goal, ola, value=5)
    clock.set(utc(2026, 3, 16, 8, 20))

    sent_from_slack(world, ola, goal, "2026-03-16T07:55:00+00:00")

    assert newest_checkin_at(world, goal, ola) == utc(2026, 3, 16, 8, 20)
    logged = [(e["value"], e["at"]) for e in world.published("checkin.logged")]
    assert logged[-2:] == [(5, "2026-03-16T08:10:00+00:00"), (3, "2026-03-16T08:20:00+00:00")]
    shown = streak(world, goal, ola)
    assert (shown["current"], shown["last_checkin_at"]) == (2, "2026-03-16T08:10:00+00:00")
