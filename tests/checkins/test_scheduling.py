"""The scheduler with a controlled clock: reminders, misses and the escalation ladder.

Each test ticks the real scheduler job against the service's real database (both engines) and
reads what it published from the outbox.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from services.checkins.domain.replicas import GoalView
from services.checkins.service_layer.schedule_handlers import count_checkin
from tests.checkins.conftest import World
from tests.checkins.ticking import run_until, ticks, utc


def next_due(service, world: World, goal_id: str, member_id: str) -> datetime:
    response = service.client.get(f"/v1/goals/{goal_id}/streak", headers=world.as_(member_id))
    assert response.status_code == 200, response.json
    return datetime.fromisoformat(response.json["next_due_at"])


def paired(service, world: World, a: str, b: str) -> None:
    invited = service.client.post(f"/v1/teams/{world.team_id}/partnerships",
                                  headers=world.as_(a), json={"member_id": b})
    assert invited.status_code == 201, invited.json
    accepted = service.client.post(
        f"/v1/teams/{world.team_id}/partnerships/{invited.json['id']}/accept",
        headers=world.as_(b))
    assert accepted.status_code == 200, accepted.json


def test_reminder_then_miss_then_each_escalation_level_once_at_its_moment(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    partner = world.member("Pia")
    lead = world.member("Lena", role="lead")
    paired(checkins, world, owner, partner)
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin = 08:00 UTC (CET)
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 9, 8)

    timeline = run_until(checkins, clock, world, utc(2026, 3, 13))

    assert timeline == [
        (utc(2026, 3, 9, 6), "checkin.reminder", None),  # 2h before due
        (utc(2026, 3, 9, 20), "checkin.missed", 1),  # 12h grace
        (utc(2026, 3, 10, 20), "checkin.missed", 2),  # +24h
        (utc(2026, 3, 11, 20), "checkin.missed", 3),  # +24h
    ]
    missed = world.published("checkin.missed")
    assert [(e["level"], e["recipients"]) for e in missed] == [
        (1, [owner]), (2, [partner]), (3, [lead])]
    assert {e["due_at"] for e in missed} == {"2026-03-09T08:00:00+00:00"}
    reminder = world.published("checkin.reminder")[0]
    assert (reminder["owner_id"], reminder["goal_id"]) == (owner, goal)


def test_a_checkin_before_the_grace_period_ends_prevents_the_miss(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    run_until(checkins, clock, world, utc(2026, 3, 9, 10))
    world.checkin(goal, owner, value=3)

    timeline = run_until(checkins, clock, world, utc(2026, 3, 13))

    assert [t for t in timeline if t[1] == "checkin.missed"] == []


def test_a_checkin_during_the_ladder_stops_further_levels(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    world.member("Lena", role="lead")
    goal = world.goal(owner)
    run_until(checkins, clock, world, utc(2026, 3, 9, 21))
    assert [e["level"] for e in world.published("checkin.missed")] == [1]
    world.checkin(goal, owner, value=1)

    run_until(checkins, clock, world, utc(2026, 3, 13))

    assert [e["level"] for e in world.published("checkin.missed")] == [1]


def test_a_snoozed_member_gets_no_reminder_no_escalation_and_keeps_the_streak(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    world.member("Lena", role="lead")
    goal = world.goal(owner)
    run_until(checkins, clock, world, utc(2026, 3, 9, 7))
    world.checkin(goal, owner, value=1)  # counts for the 9 March period
    world.update_member(owner, state="snoozed", snoozed_until="2026-03-20")
    before = len(world.published())

    timeline = run_until(checkins, clock, world, utc(2026, 3, 21))

    assert timeline == []
    assert len(world.published()) == before
    world.update_member(owner, state="active", snoozed_until=None)
    world.checkin(goal, owner, value=2)  # counts for the 23 March period
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"]) == (2, 2)


def test_a_check_in_due_in_the_last_hours_of_a_snooze_is_not_missed_once_it_ends(
        checkins, clock):
    """Ola checks in weekly, Mondays at 20:00 Berlin, and is snoozed through Monday 16 March.
    That evening's check-in fell due in her snooze (no reminder), but its 12 h of grace ended
    on Tuesday morning, after it: she was told she missed it, her lead heard a day later, and
    her streak broke. An occurrence due while its owner was snoozed now passes as the
    snooze's others do: nothing missed, the streak kept."""
    world = World(checkins)
    owner = world.member("Ola")
    world.member("Lena", role="lead")
    goal = world.goal(owner, cadence={"frequency": "weekly", "weekday": 0, "time": "20:00"})
    world.checkin(goal, owner, value=1)  # counts for Monday 9 March
    run_until(checkins, clock, world, utc(2026, 3, 10))
    world.update_member(owner, state="snoozed", snoozed_until="2026-03-16")

    timeline = run_until(checkins, clock, world, utc(2026, 3, 17, 1))  # snooze over, in grace
    due = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                              headers=world.as_(owner)).json["items"]
    assert [(d["overdue"], d["current_streak"]) for d in due] == [(False, 1)]
    timeline += run_until(checkins, clock, world, utc(2026, 3, 19))

    assert timeline == []  # not reminded in her snooze, nor missed after it
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"]) == (1, 1)
    world.checkin(goal, owner, value=2)  # counts for Monday 23 March
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"]) == (2, 2)


def test_a_member_back_from_a_snooze_before_the_due_time_is_reminded_at_once(checkins, clock):
    """Ola checks in Mondays at 01:00 Berlin and is snoozed through Sunday 8 March. The
    reminder's moment (Sunday 23:00 Berlin) fell in her snooze, so it was skipped for good; her
    snooze ended an hour before the check-in was due, so she was judged on it: missed, with no
    reminder. She is now reminded when her snooze ends (00:00 Berlin), once, and no tick
    before then visits the goal; the miss still counts if she does not check in."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner, cadence={"frequency": "weekly", "weekday": 0, "time": "01:00"})
    world.update_member(owner, state="snoozed", snoozed_until="2026-03-08")
    assert run_until(checkins, clock, world, utc(2026, 3, 8, 22)) == []  # the usual moment
    clock.set(utc(2026, 3, 8, 22, 30))
    assert checkins.container.advance_due_schedules() == 0  # planned for her snooze's end

    ticked = run_until(checkins, clock, world, utc(2026, 3, 9, 1), step=timedelta(minutes=10))
    timeline = ticked + run_until(checkins, clock, world, utc(2026, 3, 9, 13))

    assert timeline == [
        (utc(2026, 3, 8, 23), "checkin.reminder", None),  # her snooze's end, 00:00 Berlin
        (utc(2026, 3, 9, 12), "checkin.missed", 1)]  # due 00:00 UTC, 12 h of grace
    reminder = world.published("checkin.reminder")[-1]
    assert (reminder["goal_id"], reminder["due_at"]) == (goal, "2026-03-09T00:00:00+00:00")
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 16)


def test_a_missed_period_breaks_the_streak(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    world.checkin(goal, owner, value=1)  # counts for the 9 March period
    run_until(checkins, clock, world, utc(2026, 3, 17))  # 16th missed
    world.checkin(goal, owner, value=2)

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json

    assert (streak["current"], streak["longest"]) == (1, 1)


def test_a_time_zone_change_moves_future_due_times(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola", tz="Europe/Berlin")
    goal = world.goal(owner)
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 9, 8)

    world.update_member(owner, timezone="America/New_York")  # EDT since 8 March: 09:00 = 13:00Z

    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 9, 13)
    timeline = run_until(checkins, clock, world, utc(2026, 3, 9, 12))
    assert timeline == [(utc(2026, 3, 9, 11), "checkin.reminder", None)]


def test_reminders_follow_local_time_across_the_dst_change(checkins, clock):
    clock.set(utc(2026, 3, 20))
    world = World(checkins)
    berlin = world.member("Ola", tz="Europe/Berlin")
    new_york = world.member("Ned", tz="America/New_York")
    monday_nine = {"frequency": "weekly", "weekday": 0, "time": "09:00"}
    world.goal(berlin, "Berlin goal", cadence=monday_nine)
    world.goal(new_york, "New York goal", cadence=monday_nine)

    timeline = ticks(checkins, clock, world, utc(2026, 4, 1))

    reminders = [(at, e["owner_id"]) for at, e in timeline if e["type"] == "checkin.reminder"]
    assert reminders == [
        (utc(2026, 3, 23, 6), berlin),  # CET: 07:00 local = 06:00Z
        (utc(2026, 3, 23, 11), new_york),  # EDT: 07:00 local = 11:00Z
        (utc(2026, 3, 30, 5), berlin),  # CEST since 29 March: 07:00 local = 05:00Z
        (utc(2026, 3, 30, 11), new_york),
    ]


def test_a_daily_time_skipped_by_spring_forward_is_reminded_and_missed_that_day(checkins,
                                                                               world, clock):
    """Berlin, 29 March 2026: 02:00 becomes 03:00, so a daily 02:30 is due at 03:30 (01:30Z).
    A goal set up at 03:10 that day is due then, reminded at once and missed 12 hours later; it
    was first due on the 30th, the 29th skipped."""
    owner = world.member("Ola", tz="Europe/Berlin")
    clock.set(utc(2026, 3, 29, 1, 10))  # 03:10 CEST
    goal = world.goal(owner, cadence={"frequency": "daily", "time": "02:30"})

    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 29, 1, 30)
    assert run_until(checkins, clock, world, utc(2026, 3, 29, 13, 40),
                     step=timedelta(minutes=10)) == [
        (utc(2026, 3, 29, 1, 20), "checkin.reminder", None),
        (utc(2026, 3, 29, 13, 30), "checkin.missed", 1)]


def test_monthly_cadence_on_the_31st_is_due_on_the_last_day_of_february(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola", tz="UTC")
    clock.set(utc(2026, 2, 1))
    goal = world.goal(owner, cadence={"frequency": "monthly", "day_of_month": 31,
                                      "time": "17:00"})
    assert next_due(checkins, world, goal, owner) == utc(2026, 2, 28, 17)
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 1, 6))
    checkins.container.advance_due_schedules()
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 31, 17)


def test_a_goal_that_is_no_longer_active_stops_its_schedule(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    world.update_goal(goal, event="goal.achieved", status="achieved")

    timeline = run_until(checkins, clock, world, utc(2026, 3, 13))

    assert timeline == []
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert streak["next_due_at"] is None


def test_a_checkin_racing_the_goals_achievement_does_not_bring_its_reminders_back(checkins,
                                                                                 clock):
    """A check-in POST reads the goal (active), then waits for the schedule's lock while
    goal.achieved is applied; it then found the schedule paused and resumed it, as its stale
    goal said, and the achieved goal was reminded and marked missed again. Here the POST's
    read is taken before the achievement and its count made after, as that race orders them."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    container = checkins.container
    with container.uow() as uow:
        view = uow.goals.get(world.team_id, goal)
        read_by_the_post = GoalView(view.goal_id, view.team_id, view.owner_id, view.title,
                                    status=view.status, kind=view.kind,
                                    start_date=view.start_date)
    world.update_goal(goal, event="goal.achieved", status="achieved")

    with container.uow() as uow:
        count_checkin(uow, read_by_the_post, clock.now(), container.policy)
        uow.commit()

    assert run_until(checkins, clock, world, utc(2026, 3, 13)) == []
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert streak["next_due_at"] is None


def test_a_tick_visits_only_due_schedules(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    for number in range(5):
        world.goal(owner, f"Goal {number}")
    scheduler = checkins.container.advance_due_schedules
    assert scheduler() == 0  # nothing due on Wednesday
    clock.set(utc(2026, 3, 9, 6))
    assert scheduler() == 5  # five reminders
    assert scheduler() == 0


def test_two_schedulers_ticking_at_once_send_each_reminder_once(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    for number in range(6):
        world.goal(owner, f"Goal {number}")
    clock.set(utc(2026, 3, 9, 6))
    schedulers = [checkins.container.advance_due_schedules for _ in range(2)]
    barrier = threading.Barrier(2)

    def tick(scheduler) -> None:
        barrier.wait()
        scheduler()

    threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    reminders = world.published("checkin.reminder")
    assert sorted(e["goal_id"] for e in reminders) == sorted(world.goals)


def test_checking_in_early_skips_that_periods_reminder(checkins, clock):
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    clock.set(utc(2026, 3, 9, 6, 5))  # the reminder is due, but no tick has sent it yet
    world.checkin(goal, owner, value=1)

    timeline = run_until(checkins, clock, world, utc(2026, 3, 10))

    assert timeline == []


def test_a_checkin_after_the_due_moment_of_a_counted_period_is_the_next_periods(checkins,
                                                                                 clock):
    """Ola checked in the day her goal began, then every Monday at 10:00 Berlin, an hour after
    her weekly check-in fell due. Each Monday's counted for nothing: the period due that morning
    was counted already and stayed open through its 12 h of grace, so she was reminded on the
    Mondays after of a check-in she then made, and after four weeks running her streak read 3.
    A check-in after the due moment of a period counted early is the next period's (one
    counted late stays open to its grace's end: the test after this one)."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    world.checkin(goal, owner, value=1)  # Wednesday 4 March: counts for Monday 9 March
    timeline = []
    for week, monday in enumerate((9, 16, 23), start=2):
        timeline += run_until(checkins, clock, world, utc(2026, 3, monday, 9))  # 10:00 Berlin
        world.checkin(goal, owner, value=week)
    timeline += run_until(checkins, clock, world, utc(2026, 3, 24))

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"]) == (4, 4), streak
    assert timeline == []  # each Monday's period counted a week early: no reminder, no miss


def test_a_second_checkin_minutes_after_a_late_one_counts_for_nothing(checkins, clock):
    """Ola checked in late on Monday 9 March (10:00 Berlin, due 09:00) and again five minutes
    later, a second update. The late one counts for that Monday; the second must not count for
    the next Monday as well: 16 March is still reminded, and missed when she skips it."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    run_until(checkins, clock, world, utc(2026, 3, 9, 9))  # 10:00 Berlin: reminded, not missed
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 9, 9, 5))
    world.checkin(goal, owner, value=2)
    clock.set(utc(2026, 3, 9, 10))

    timeline = run_until(checkins, clock, world, utc(2026, 3, 17))

    assert timeline == [(utc(2026, 3, 16, 6), "checkin.reminder", None),
                        (utc(2026, 3, 16, 20), "checkin.missed", 1)]


def test_nothing_is_due_reminded_or_missed_before_the_goal_starts(checkins, clock):
    """A goal activated on 4 March that starts on Monday 6 April: its first check-in is due that
    day (09:00 Berlin), not on the Mondays before it with reminders, misses and escalations."""
    world = World(checkins)
    owner = world.member("Ola")
    world.member("Lena", role="lead")
    goal = world.goal(owner, start_date="2026-04-06", due_date="2026-06-30")

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert streak["next_due_at"] == "2026-04-06T07:00:00+00:00", streak
    assert run_until(checkins, clock, world, datetime(2026, 4, 6, 6, tzinfo=UTC)) == [
        (datetime(2026, 4, 6, 5, tzinfo=UTC), "checkin.reminder", None)]  # 2 h before, once


def test_a_checkin_weeks_before_the_goal_starts_counts_for_no_period(checkins, clock):
    """Ola checked in on 4 March on a goal that starts on Monday 6 April: the check-in counted
    for the first period, so her streak read 1 a month before it began, next due moved to 13
    April, and 6 April passed with no reminder and no miss. The check-in is kept (progress is
    progress) but counts for no period: the streak reads 0, the first check-in is still wanted
    on 6 April, reminded and missed then like any other; one made that day counts."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner, start_date="2026-04-06", due_date="2026-06-30")

    early = world.checkin(goal, owner, value=1)

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"]) == (0, 0), streak
    assert streak["next_due_at"] == "2026-04-06T07:00:00+00:00", streak
    assert streak["last_checkin_at"] == early["created_at"], (streak, early)
    assert run_until(checkins, clock, world, utc(2026, 4, 7)) == [
        (utc(2026, 4, 6, 5), "checkin.reminder", None),  # 2 h before 09:00 Berlin (CEST)
        (utc(2026, 4, 6, 19), "checkin.missed", 1)]  # after 12 h of grace
    clock.set(utc(2026, 4, 13, 6, 30))
    world.checkin(goal, owner, value=2)  # counts for Monday 13 April
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["next_due_at"]) == (1, "2026-04-20T07:00:00+00:00")


def test_a_start_date_moved_past_a_period_already_due_leaves_it_unmissed(checkins, clock):
    """At noon on Monday 9 March, before Ola checked in for that morning, her lead moves her
    goal's start to Monday 23 March. Monday 9 March was still missed at 20:00Z and escalated,
    for a goal that now starts in two weeks; nothing is due before the new start."""
    world = World(checkins)
    owner = world.member("Ola")
    world.member("Lena", role="lead")
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin, started 5 January
    run_until(checkins, clock, world, utc(2026, 3, 9, 11))  # reminded at 06:00Z, due 08:00Z
    world.update_goal(goal, start_date="2026-03-23")

    assert run_until(checkins, clock, world, utc(2026, 3, 23, 12)) == [
        (utc(2026, 3, 23, 6), "checkin.reminder", None)]
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 23, 8)


def test_a_checkin_before_a_start_moved_later_counts_for_no_period(checkins, clock):
    """Ola checks in on Sunday 8 March for Monday's 09:00; that afternoon her goal's start
    moves to Monday 16 March. Her check-in was carried to 16 March, which then passed with no
    reminder and no miss: a check-in before the start counts for no period, as one made after
    the start was moved would not."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    clock.set(utc(2026, 3, 8, 12))
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 8, 13))
    world.update_goal(goal, start_date="2026-03-16")

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["next_due_at"]) == (0, "2026-03-16T08:00:00+00:00")
    assert run_until(checkins, clock, world, utc(2026, 3, 17)) == [
        (utc(2026, 3, 16, 6), "checkin.reminder", None),
        (utc(2026, 3, 16, 20), "checkin.missed", 1)]


def test_a_start_moved_later_while_the_goal_was_achieved_counts_no_checkin_made_before_it(
        checkins, clock):
    """Ola checks in on Sunday 8 March; her goal is marked achieved, its start moved to 16
    March, and it is reopened: reopening carried her check-in to 16 March, which passed with no
    reminder and no miss, as moving the start of an active goal no longer does."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    clock.set(utc(2026, 3, 8, 10))
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 8, 12))
    world.update_goal(goal, event="goal.achieved", status="achieved")
    world.update_goal(goal, start_date="2026-03-16")
    clock.set(utc(2026, 3, 8, 13))
    world.update_goal(goal, event="goal.reopened", status="active")

    assert run_until(checkins, clock, world, utc(2026, 3, 17)) == [
        (utc(2026, 3, 16, 6), "checkin.reminder", None),
        (utc(2026, 3, 16, 20), "checkin.missed", 1)]


def test_a_start_moved_later_stops_the_escalation_of_a_period_before_it(checkins, clock):
    """Ola missed Monday 9 March (level 1 at 20:00Z); the next morning her goal's start moves
    to 23 March. The leads still heard of that miss on Wednesday evening (level 3), for a goal
    that now starts in two weeks."""
    world = World(checkins)
    owner = world.member("Ola")
    world.member("Lena", role="lead")
    goal = world.goal(owner)
    missed = run_until(checkins, clock, world, utc(2026, 3, 10, 10))
    assert missed[-1] == (utc(2026, 3, 9, 20), "checkin.missed", 1)
    world.update_goal(goal, start_date="2026-03-23")

    assert run_until(checkins, clock, world, utc(2026, 3, 23, 12)) == [
        (utc(2026, 3, 23, 6), "checkin.reminder", None)]


def test_a_start_moved_later_leaves_no_streak_of_checkins_before_it(checkins, clock):
    """Ola's three weekly check-ins made a streak of 3 (and its milestone); her goal's start
    then moves to 30 March. The streak read 2 and reached 3 again a period after the new start,
    announced a second time: none of those check-ins was in a period of the goal as it is."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner)
    for monday in (9, 16, 23):
        clock.set(utc(2026, 3, monday, 7, 30))  # 08:30 Berlin, before 09:00
        world.checkin(goal, owner, value=monday)
    assert [e["length"] for e in world.published("streak.reached")] == [3]
    clock.set(utc(2026, 3, 24, 10))
    world.update_goal(goal, start_date="2026-03-30")

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"], streak["next_due_at"]) == (
        0, 3, "2026-03-30T07:00:00+00:00")
    for monday in ((3, 30), (4, 6), (4, 13)):
        clock.set(utc(2026, *monday, 6, 30))  # 08:30 Berlin (CEST)
        world.checkin(goal, owner, value=monday[1])
    assert [e["length"] for e in world.published("streak.reached")] == [3, 3]  # 13 April's


def test_a_member_who_leaves_is_nobodys_partner_and_gets_no_escalation(checkins, clock):
    """Pia leaves the team: her partnership with Ola ends (partnership.ended, which goals uses
    for private goals too), so Ola's missed check-in goes from Ola straight to the lead."""
    world = World(checkins)
    owner, partner = world.member("Ola"), world.member("Pia")
    lead = world.member("Lena", role="lead")
    paired(checkins, world, owner, partner)
    world.goal(owner)
    world.update_member(partner, state="left")
    world.update_member(partner, state="left")  # delivered twice: ended once

    [ended] = world.published("partnership.ended")
    assert sorted(ended["member_ids"]) == sorted([owner, partner]) and ended["ended_by"] is None
    listed = checkins.client.get(f"/v1/teams/{world.team_id}/partnerships",
                                 headers=world.as_(lead)).json["items"]
    assert [p["status"] for p in listed] == ["ended"]
    run_until(checkins, clock, world, datetime(2026, 3, 13, tzinfo=UTC))
    missed = world.published("checkin.missed")
    assert missed, "Ola missed no check-in by 13 March"
    assert [partner in e["recipients"] for e in missed] == [False] * len(missed), missed
    assert any(lead in e["recipients"] for e in missed), missed  # escalated past Pia


def test_switching_to_a_shorter_cadence_after_an_early_checkin_is_due_at_once(checkins, world,
                                                                           clock):
    """A monthly goal (the 1st) checked in on 4 March counts for 1 April; switched to daily,
    it counts for tomorrow's (its streak kept), so the next one is wanted the day after."""
    owner = world.member("Ola")
    goal = world.goal(owner, cadence={"frequency": "monthly", "day_of_month": 1,
                                      "time": "09:00"})
    world.checkin(goal, owner, value=1)
    clock.advance(hours=1)
    world.update_goal(goal, cadence={"frequency": "daily", "time": "09:00"})

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert streak["next_due_at"] == "2026-03-06T08:00:00+00:00", streak
    assert streak["current"] == 1
    run_until(checkins, clock, world, datetime(2026, 3, 5, 12, tzinfo=UTC))
    assert world.published("checkin.missed") == []  # the early check-in counted for 5 March


def test_a_later_checkin_time_after_an_early_checkin_is_not_due_again_that_day(checkins,
                                                                                world, clock):
    """Ola checks in on Sunday for Monday's 09:00, then moves her check-ins to Monday 17:00:
    her check-in counts for Monday 17:00. Monday was due a second time at 17:00 (reminded at
    21:00, missed, escalated) although she had checked in for it."""
    owner = world.member("Ola")
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin
    clock.set(utc(2026, 3, 8, 12))  # Sunday
    world.checkin(goal, owner, value=1)
    world.update_goal(goal, cadence={"frequency": "weekly", "weekday": 0, "time": "17:00"})

    assert run_until(checkins, clock, world, utc(2026, 3, 10, 12)) == []
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["next_due_at"]) == (1, "2026-03-16T16:00:00+00:00")


def test_a_cadence_changed_after_the_due_moment_of_an_early_checkin_starts_after_now(checkins,
                                                                                    world, clock):
    """Ola checks in on Sunday for Monday's 09:00 (Berlin), and at noon on Monday her goal moves
    to a daily 10:00. Monday stayed open to its grace's end (21:00) and the daily one after it
    was Monday 10:00, already 11 h past: reminded at 21:00 and missed at 22:00 for a time she
    could not have met. Monday is over; the first daily one is Tuesday's."""
    owner = world.member("Ola", tz="Europe/Berlin")
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin
    clock.set(utc(2026, 3, 8, 12))  # Sunday
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 9, 11))  # Monday 12:00 Berlin
    world.update_goal(goal, cadence={"frequency": "daily", "time": "10:00"})

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["next_due_at"]) == (1, "2026-03-10T09:00:00+00:00")
    assert run_until(checkins, clock, world, utc(2026, 3, 10, 12)) == [
        (utc(2026, 3, 10, 7), "checkin.reminder", None)]  # Tuesday, 2 h before 10:00 Berlin


def test_a_later_time_set_after_the_due_moment_of_an_early_checkin_keeps_it(checkins, world,
                                                                           clock):
    """Ola checks in on Sunday for Monday's 09:00 (Berlin), and at 09:30 on Monday her goal
    moves to a daily 10:00: Monday's check-in is Monday 10:00's, not a second one wanted that
    morning (reminded at once and missed at 22:00 with her streak broken)."""
    owner = world.member("Ola", tz="Europe/Berlin")
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin
    clock.set(utc(2026, 3, 8, 12))  # Sunday
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 9, 8, 30))  # Monday 09:30 Berlin
    world.update_goal(goal, cadence={"frequency": "daily", "time": "10:00"})
    clock.set(utc(2026, 3, 9, 9))  # ticks on the hour from here

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["next_due_at"]) == (1, "2026-03-10T09:00:00+00:00")
    assert run_until(checkins, clock, world, utc(2026, 3, 10, 12)) == [
        (utc(2026, 3, 10, 7), "checkin.reminder", None)]


def test_a_period_retimed_in_its_grace_is_missed_once_and_not_reminded_after_it_was_due(
        checkins, world, clock):
    """Ola has not checked in for Monday's 09:00 (Berlin) when, at noon, her goal moves to a
    daily 10:00. Monday was reminded at 21:00 of a check-in 'due' at 10:00 that morning, and
    missed at 21:00 for 09:00: it is Monday 10:00's period, missed once when its grace ends."""
    owner = world.member("Ola", tz="Europe/Berlin")
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin
    run_until(checkins, clock, world, utc(2026, 3, 9, 7))  # reminded at 06:00Z
    clock.set(utc(2026, 3, 9, 11))  # Monday 12:00 Berlin
    world.update_goal(goal, cadence={"frequency": "daily", "time": "10:00"})

    assert [(at, e["type"], e.get("due_at"))
            for at, e in ticks(checkins, clock, world, utc(2026, 3, 10, 12))] == [
        (utc(2026, 3, 9, 21), "checkin.missed", "2026-03-09T09:00:00+00:00"),
        (utc(2026, 3, 10, 7), "checkin.reminder", "2026-03-10T09:00:00+00:00")]


def test_a_change_that_keeps_the_times_leaves_a_late_scheduler_to_judge_each_period(checkins,
                                                                                    world,
                                                                                    clock):
    """The scheduler was down for nine days after Ola's early check-in for Monday 9 March; her
    name changed meanwhile (member.updated re-times her goals with the same times). Monday 16
    March, which she skipped, is still missed once the scheduler runs again, not passed over
    because its period ended while nobody looked."""
    owner = world.member("Ola", tz="Europe/Berlin")
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin
    clock.set(utc(2026, 3, 8, 12))  # Sunday
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 17, 12))  # no tick since
    world.update_member(owner, name="Ola Berg")

    missed = [(at, e["due_at"], e["level"])
              for at, e in ticks(checkins, clock, world, utc(2026, 3, 17, 13))
              if e["type"] == "checkin.missed"]
    assert missed == [(utc(2026, 3, 17, 13), "2026-03-16T08:00:00+00:00", 1)]
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 23, 8)


def test_a_second_checkin_after_a_late_one_and_a_move_east_counts_for_nothing(checkins, world,
                                                                              clock):
    """Ola checks in late for Monday 09:00 in New York (13:00Z), moves to Berlin ten minutes
    later and sends a second update five minutes after that. Her late check-in's period stays
    open to its grace's end, so the second counts for nothing, not for the next Monday:
    16 March is reminded, and missed when she skips it."""
    owner = world.member("Ola", tz="America/New_York")
    goal = world.goal(owner)  # weekly, Monday 09:00 New York
    run_until(checkins, clock, world, utc(2026, 3, 9, 13))
    clock.set(utc(2026, 3, 9, 13, 30))
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 9, 13, 40))
    world.update_member(owner, timezone="Europe/Berlin")
    clock.set(utc(2026, 3, 9, 13, 45))
    world.checkin(goal, owner, value=2)
    clock.set(utc(2026, 3, 9, 14))

    assert run_until(checkins, clock, world, utc(2026, 3, 17)) == [
        (utc(2026, 3, 16, 6), "checkin.reminder", None),  # 09:00 Berlin, 2 h before
        (utc(2026, 3, 16, 20), "checkin.missed", 1)]


def test_a_change_of_times_while_the_scheduler_was_down_still_judges_each_period(checkins,
                                                                                 world, clock):
    """The scheduler was down for ten days after Ola's early check-in for Monday 9 March; her
    goal then moves to Mondays 08:00. Monday 16 March, which she skipped, is missed and
    escalated once the scheduler runs again, not passed over for 23 March."""
    owner = world.member("Ola", tz="Europe/Berlin")
    world.member("Lena", role="lead")  # level 3 (Ola has no partner for level 2)
    goal = world.goal(owner)  # weekly, Monday 09:00 Berlin
    clock.set(utc(2026, 3, 8, 12))  # Sunday
    world.checkin(goal, owner, value=1)
    clock.set(utc(2026, 3, 18, 12))  # no tick since
    world.update_goal(goal, cadence={"frequency": "weekly", "weekday": 0, "time": "08:00"})

    missed = [(at, e["due_at"], e["level"])
              for at, e in ticks(checkins, clock, world, utc(2026, 3, 18, 20))
              if e["type"] == "checkin.missed"]
    assert missed == [(utc(2026, 3, 18, 13), "2026-03-16T07:00:00+00:00", 1),
                      (utc(2026, 3, 18, 19), "2026-03-16T07:00:00+00:00", 3)]
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 23, 7)


def test_moving_west_after_an_early_checkin_is_not_due_again_that_day(checkins, world, clock):
    """Ola checks in on Sunday for Monday's 09:00 in Berlin (08:00Z), then moves to New York:
    Monday 09:00 there (13:00Z) is the same check-in, not a second one to miss."""
    owner = world.member("Ola", tz="Europe/Berlin")
    goal = world.goal(owner)
    clock.set(utc(2026, 3, 8, 12))
    world.checkin(goal, owner, value=1)
    world.update_member(owner, timezone="America/New_York")

    assert run_until(checkins, clock, world, utc(2026, 3, 10, 12)) == []
    assert next_due(checkins, world, goal, owner) == utc(2026, 3, 16, 13)


def test_a_goal_reopened_in_the_period_its_owner_checked_in_is_not_reminded_or_missed(checkins,
                                                                                     clock):
    """Ola checks in at 13:00 for today's 18:00; her goal is marked achieved by mistake and
    reopened ten minutes later. Her check-in still counts for today: no reminder at 16:00, no
    miss at 06:00 tomorrow, and her streak stays 1."""
    world = World(checkins)
    owner = world.member("Ola")
    goal = world.goal(owner, cadence={"frequency": "daily", "time": "18:00"})
    world.checkin(goal, owner, value=1)
    world.update_goal(goal, event="goal.achieved", status="achieved")
    clock.advance(minutes=10)
    world.update_goal(goal, event="goal.reopened", status="active")

    timeline = run_until(checkins, clock, world, utc(2026, 3, 5, 12))

    assert timeline == []
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["next_due_at"]) == (1, "2026-03-05T17:00:00+00:00")


def test_a_missed_checkin_escalates_only_to_partners_and_leads_who_are_not_snoozed(checkins,
                                                                                  clock):
    """Ola misses Monday's check-in while her partner Pia and the lead Lena are on holiday
    (snoozed): the ladder skips them, as it skips anyone snoozed, and reaches Leo, the lead at
    work. Pia and Lena were asked about Ola's check-in before."""
    world = World(checkins)
    owner, partner = world.member("Ola"), world.member("Pia")
    lena, leo = world.member("Lena", role="lead"), world.member("Leo", role="lead")
    paired(checkins, world, owner, partner)
    world.goal(owner)
    for away in (partner, lena):
        world.update_member(away, state="snoozed", snoozed_until="2026-03-20")

    run_until(checkins, clock, world, utc(2026, 3, 13))

    missed = world.published("checkin.missed")
    assert [(e["level"], e["recipients"]) for e in missed] == [(1, [owner]), (3, [leo])]
