"""The team's check-ins due in one call, on both engines: overdue first, then soonest,
streaks, one owner's only, and private goals only for the people who may see them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import event, text

from services.checkins.service_layer import due_handlers
from tests.checkins.conftest import World

DAILY = {"frequency": "daily", "time": "09:00"}


def due(checkins, world, member_id: str, **query) -> list[dict]:
    response = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                                   headers=world.as_(member_id), query_string=query)
    assert response.status_code == 200, response.json
    return response.json["items"]


def test_the_team_sees_when_each_goal_is_next_due_and_which_are_overdue(checkins, world, clock):
    ola, pia = world.member("Ola"), world.member("Pia")
    daily = world.goal(ola, "Daily standup notes", cadence=DAILY)
    weekly = world.goal(pia, "Weekly demo", cadence={"frequency": "weekly", "weekday": 4,
                                                    "time": "16:00"})

    items = due(checkins, world, ola)

    assert [i["goal_id"] for i in items] == [daily, weekly]  # soonest first
    assert not any(i["overdue"] for i in items)
    clock.set(datetime(2026, 3, 5, 10, tzinfo=UTC))  # past Thursday's 09:00 for the daily goal
    overdue = {i["goal_id"]: i["overdue"] for i in due(checkins, world, pia)}
    assert overdue == {daily: True, weekly: False}


def test_a_streak_shows_beside_the_due_time(checkins, world, clock):
    ola = world.member("Ola")
    goal = world.goal(ola, cadence=DAILY)
    clock.set(datetime(2026, 3, 4, 21, tzinfo=UTC))
    for _ in range(2):
        world.checkin(goal, ola, value=1)
        clock.advance(days=1)
        checkins.container.advance_due_schedules()

    [item] = due(checkins, world, ola)

    assert (item["current_streak"], item["longest_streak"]) == (2, 2)
    assert item["last_checkin_at"] is not None


def test_one_owners_goals_only(checkins, world):
    ola, pia = world.member("Ola"), world.member("Pia")
    world.goal(ola, cadence=DAILY)
    mine = world.goal(pia, cadence=DAILY)

    assert [i["goal_id"] for i in due(checkins, world, ola, owner_id=pia)] == [mine]


def test_an_owner_that_is_no_member_id_is_refused_not_answered_with_nothing_due(checkins,
                                                                              world):
    """`?owner_id=me` (or a name, or an id cut short) answered 200 with no goals, as if the
    owner had nothing due; the goals API refuses such an owner_id by name, and so does this."""
    ola = world.member("Ola")
    world.goal(ola, cadence=DAILY)

    answers = [checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                                   headers=world.as_(ola), query_string={"owner_id": owner})
               for owner in ("me", "Ola", ola[:-1], ola.upper())]

    assert [(a.status_code, a.json["errors"]) for a in answers] == [
        (422, {"owner_id": ["Must be a member id."]})] * 4


def test_a_private_goal_is_listed_for_its_owner_and_a_lead_but_not_a_teammate(checkins, world):
    ola, pia = world.member("Ola"), world.member("Pia")
    lead = world.member("Lena", role="lead")
    secret = world.goal(ola, cadence=DAILY, visibility="private")

    assert [i["goal_id"] for i in due(checkins, world, ola)] == [secret]
    assert [i["goal_id"] for i in due(checkins, world, lead)] == [secret]
    assert due(checkins, world, pia) == []


def test_another_teams_due_list_is_not_found(checkins, world):
    world.goal(world.member("Ola"), cadence=DAILY)
    other = World(checkins)
    outsider = other.member("Otto", role="lead")

    response = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                                   headers=other.as_(outsider))

    assert response.status_code == 404


def test_a_goal_checked_in_for_its_open_period_is_due_next_period_and_not_overdue(checkins,
                                                                                 world, clock):
    """Ola checks in at 10:00 for today's 09:00: My week showed 'Overdue since 09:00' until the
    grace period ended (21:00), and after an early check-in 'Due 09:00' for a done check-in.
    Both now show the next period's due time, and the list stays soonest first."""
    ola = world.member("Ola")
    goal = world.goal(ola, cadence=DAILY)
    later = world.goal(ola, "Weekly demo", cadence={"frequency": "weekly", "weekday": 4,
                                                    "time": "16:00"})
    clock.set(datetime(2026, 3, 5, 9, tzinfo=UTC))  # 10:00 Berlin, an hour after 09:00
    world.checkin(goal, ola, value=1)

    items = {i["goal_id"]: i for i in due(checkins, world, ola)}
    assert (items[goal]["overdue"], items[goal]["next_due_at"]) == (
        False, "2026-03-06T08:00:00+00:00")
    clock.set(datetime(2026, 3, 5, 15, tzinfo=UTC))  # checked in early for Friday's 16:00
    world.checkin(later, ola, value=1)
    items = due(checkins, world, ola)
    assert [(i["goal_id"], i["next_due_at"], i["overdue"]) for i in items] == [
        (goal, "2026-03-06T08:00:00+00:00", False),
        (later, "2026-03-13T15:00:00+00:00", False)]


def test_a_snoozed_owners_goal_is_not_overdue(checkins, world, clock):
    """Pia is on holiday until 10 March: her daily check-in passes without a reminder, a miss
    or a broken streak, and the team's board does not call it overdue either."""
    ola, pia = world.member("Ola"), world.member("Pia")
    goal = world.goal(pia, cadence=DAILY)
    world.update_member(pia, state="snoozed", snoozed_until="2026-03-10")
    clock.set(datetime(2026, 3, 5, 10, tzinfo=UTC))  # an hour past Thursday's 09:00

    [item] = due(checkins, world, ola)

    assert (item["goal_id"], item["overdue"]) == (goal, False)


def test_overdue_check_ins_come_first_then_the_soonest_due(checkins, world, clock):
    """Pia (on holiday) was due at 09:00 and Ola at 09:30: at 11:00 only Ola's is overdue, and
    it came after Pia's, though the list promises overdue first."""
    ola, pia = world.member("Ola"), world.member("Pia")
    ola_goal = world.goal(ola, "Ola's notes", cadence={"frequency": "daily", "time": "09:30"})
    pia_goal = world.goal(pia, "Pia's notes", cadence=DAILY)
    world.update_member(pia, state="snoozed", snoozed_until="2026-03-10")
    clock.set(datetime(2026, 3, 5, 10, tzinfo=UTC))  # 11:00 Berlin, past both

    items = due(checkins, world, ola)

    assert [(i["goal_id"], i["overdue"]) for i in items] == [(ola_goal, True),
                                                             (pia_goal, False)]


def test_the_streak_says_the_next_check_in_is_due_next_period_once_this_one_is_done(checkins,
                                                                                     world,
                                                                                     clock):
    """Ola checks in at 10:00 for today's 09:00: her streak's next due is tomorrow's 09:00, as
    the team's list of check-ins due says, not the 09:00 she has just checked in for."""
    ola = world.member("Ola")
    goal = world.goal(ola, cadence=DAILY)
    clock.set(datetime(2026, 3, 5, 9, tzinfo=UTC))  # 10:00 Berlin
    world.checkin(goal, ola, value=1)

    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(ola)).json

    [item] = due(checkins, world, ola)
    assert (streak["current"], streak["next_due_at"]) == (1, "2026-03-06T08:00:00+00:00")
    assert item["next_due_at"] == streak["next_due_at"]


def test_each_goal_says_the_frequency_that_applies_to_it_its_own_or_a_default(checkins, world):
    """The due list and the streak gave streaks as bare counts of periods, and a goal with no
    cadence of its own (`cadence` null on the goal) said nothing of its period: a client had to
    guess the owner's or the team's default, or the built-in weekly one. Each item names the
    frequency its schedule follows."""
    ola = world.member("Ola")
    pia = world.member("Pia", default_cadence={"frequency": "monthly", "day_of_month": 1,
                                               "time": "09:00"})
    first = world.goal(ola, "Write the handbook")
    assert [i["frequency"] for i in due(checkins, world, ola)] == ["weekly"]  # the built-in one
    world.apply("team.updated", {"team_id": world.team_id, "name": "Platform",
                                 "timezone": "Europe/Berlin", "default_cadence": DAILY})
    goals = {world.goal(ola, "Daily standup notes"): "daily",
             world.goal(pia, "Monthly report"): "monthly",
             world.goal(ola, "Weekly demo", cadence={"frequency": "biweekly", "weekday": 4,
                                                    "time": "16:00"}): "biweekly"}

    assert {i["goal_id"]: i["frequency"] for i in due(checkins, world, ola)} == {
        **goals, first: "daily"}
    for goal, frequency in goals.items():
        streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(ola)).json
        assert streak["frequency"] == frequency, streak


def test_the_check_ins_due_come_a_page_at_a_time_in_the_lists_order(checkins, world, clock):
    """The list answered every due goal of the team in one body, however many: it now comes a
    page at a time, as the other lists do (`limit` up to 200, default 50, `next_cursor`),
    overdue first and then soonest across the pages."""
    ola = world.member("Ola")
    weekly = [world.goal(ola, f"Weekly {n}") for n in range(3)]
    daily = [world.goal(ola, f"Daily {n}", cadence=DAILY) for n in range(2)]
    clock.set(datetime(2026, 3, 5, 10, tzinfo=UTC))  # the daily goals are overdue
    whole = due(checkins, world, ola, limit=200)

    walked, pages, cursor = [], 0, None
    while pages == 0 or cursor:
        page = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                                   headers=world.as_(ola),
                                   query_string={"limit": 2, **({"cursor": cursor} if cursor
                                                                 else {})}).json
        walked, pages, cursor = walked + page["items"], pages + 1, page["next_cursor"]
    bad = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                              headers=world.as_(ola), query_string={"cursor": "nonsense"})

    assert [i["overdue"] for i in whole] == [True, True, False, False, False]
    assert sorted(i["goal_id"] for i in whole[:2]) == sorted(daily)
    assert sorted(i["goal_id"] for i in whole[2:]) == sorted(weekly)
    assert (walked, pages) == (whole, 3)
    assert len(due(checkins, world, ola, limit=1)) == 1
    assert bad.status_code == 400, bad.json


def a_team_with_every_kind_of_due_goal(world, clock) -> tuple[str, list[str]]:
    """At 11:00 Berlin on Thursday 5 March: Ola's goals due at 08:00 and at 18:00 (overdue
    since yesterday's), snoozed Pia's and Max's at 09:00 (Max checked in for today's) and Max's
    weekly ones. Ola and the goals' ids."""
    ola, pia, max_ = world.member("Ola"), world.member("Pia"), world.member("Max")
    early = {"frequency": "daily", "time": "08:00"}
    goals = [world.goal(ola, f"Early {n}", cadence=early) for n in range(4)]
    goals += [world.goal(owner, f"Daily {n}", cadence=DAILY)
              for n in range(4) for owner in (pia, max_)]
    goals += [world.goal(ola, f"Evening {n}", cadence={"frequency": "daily", "time": "18:00"})
              for n in range(3)]
    goals += [world.goal(max_, f"Weekly {n}") for n in range(3)]
    world.update_member(pia, state="snoozed", snoozed_until="2026-03-10")
    clock.set(datetime(2026, 3, 5, 10, tzinfo=UTC))
    for goal in goals[5:12:2]:  # Max's daily goals: checked in for today's
        world.checkin(goal, max_, value=1)
    return ola, goals


def walk(checkins, world, member_id: str, limit: int) -> list[dict]:
    items, cursor = [], None
    while True:
        page = checkins.client.get(
            f"/v1/teams/{world.team_id}/checkins-due", headers=world.as_(member_id),
            query_string={"limit": limit, **({"cursor": cursor} if cursor else {})}).json
        items, cursor = items + page["items"], page["next_cursor"]
        if not cursor:
            return items


def test_a_walk_across_pages_of_any_size_lists_every_due_goal_once_in_the_lists_order(
        checkins, world, clock):
    """Each page is ranked from where its cursor stands (it no longer ranks the whole list):
    walked a page of 1, 2, 5 or 7 at a time, the list gives each due goal once, in the order
    of the whole list read in one page (overdue, then the snoozed one's and the rest by when
    next due)."""
    ola, goals = a_team_with_every_kind_of_due_goal(world, clock)
    whole = due(checkins, world, ola, limit=200)
    assert sorted(i["goal_id"] for i in whole) == sorted(goals)
    assert sorted(i["goal_id"] for i in whole if i["overdue"]) == sorted(
        goals[:4] + goals[12:15])
    assert [i["overdue"] for i in whole] == [True] * 7 + [False] * (len(goals) - 7)
    assert [i["goal_id"] for i in whole] == [i["goal_id"] for i in sorted(
        whole, key=lambda i: (not i["overdue"], i["next_due_at"], i["goal_id"]))]

    for limit in (1, 2, 5, 7):
        walked = [i["goal_id"] for i in walk(checkins, world, ola, limit)]
        assert walked == [i["goal_id"] for i in whole], limit


def test_a_page_of_the_due_list_ranks_only_the_goals_it_needs(checkins, world, clock,
                                                              monkeypatch):
    """Every page worked out when each of the team's goals is next due, and sorted them all,
    to answer two: the board and My week paid for the whole team on each page. A page now
    reads the schedules soonest due first, and stops once no later one can come before."""
    ola, goals = a_team_with_every_kind_of_due_goal(world, clock)
    ranked = []
    original = due_handlers.timetable_of
    monkeypatch.setattr(due_handlers, "timetable_of",
                        lambda uow, goal: ranked.append(goal.goal_id) or original(uow, goal))

    first = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                                headers=world.as_(ola), query_string={"limit": 2}).json

    assert [i["goal_id"] for i in first["items"]] == sorted(goals[12:15])[:2]  # due yesterday
    assert first["next_cursor"]
    assert len(ranked) == 3 < len(goals), ranked


def due_page_reading_schedules(checkins, world, member_id: str, limit: int,
                               after_first=lambda: None) -> tuple[dict, list[str]]:
    """A page of the due list as `member_id` asks for it, and the statements that read the
    schedules for it; `after_first` runs right after the first of them."""
    engine, reads = checkins.container.engine, []

    def read(conn, cursor, statement, parameters, context, many):
        if "FROM goal_schedules" in statement and statement.lstrip().startswith("SELECT"):
            reads.append(statement)
            if len(reads) == 1:
                after_first()

    event.listen(engine, "after_cursor_execute", read)
    try:
        page = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                                   headers=world.as_(member_id),
                                   query_string={"limit": limit}).json
    finally:
        event.remove(engine, "after_cursor_execute", read)
    return page, reads


def goals_a_page_reads_in_chunks(checkins, world, clock, monkeypatch,
                                 *times: str) -> tuple[str, list[str]]:
    """Ola (PostgreSQL only) with a goal due daily at each of `times` (Berlin) and six due at
    09:00 checked in for today, at 11:00 on 5 March: a page of 2 reads the schedules 3 at a
    time, and past its first 3 (a goal checked in ranks at tomorrow's occurrence)."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads a page in one snapshot")
    ola = world.member("Ola")
    goals = [world.goal(ola, f"At {time}", cadence={"frequency": "daily", "time": time})
             for time in times]
    checked_in = [world.goal(ola, f"Daily {n}", cadence=DAILY) for n in range(6)]
    clock.set(datetime(2026, 3, 5, 10, tzinfo=UTC))
    for goal in checked_in:
        world.checkin(goal, ola, value=1)
    monkeypatch.setattr(due_handlers, "SCHEDULES_READ_AT_ONCE", 1)  # a chunk of limit + 1
    return ola, goals


def moving_its_schedule(checkins, goal_id: str, by: str):
    """What moves `goal_id`'s next due moment `by` (a PostgreSQL interval), committed apart."""
    def move() -> None:
        with checkins.container.engine.begin() as other:
            other.execute(text("UPDATE goal_schedules SET due_at = due_at + CAST(:by AS interval)"
                               " WHERE goal_id = :g"), {"g": goal_id, "by": by})
    return move


def test_a_goal_moved_later_while_a_page_is_read_is_listed_once(checkins, world, clock,
                                                                 monkeypatch):
    """On PostgreSQL each statement of a page reads the schedules as committed at its start: a
    goal whose next due moment moved later between two of them (its occurrence advanced, a
    snooze) was read again by the next, and the page listed it twice, the second copy where
    the cursor pointed. It is listed once, as first read."""
    ola, [moved] = goals_a_page_reads_in_chunks(checkins, world, clock, monkeypatch, "08:00")

    page, chunks = due_page_reading_schedules(checkins, world, ola, 2,
                                              after_first=moving_its_schedule(checkins, moved,
                                                                              "1 day"))

    assert len(chunks) >= 2, chunks  # the page read past its first chunk
    ids = [i["goal_id"] for i in page["items"]]
    assert ids[0] == moved and len(ids) == 2 and ids.count(moved) == 1, page


def test_a_goal_moved_earlier_while_a_page_is_read_is_still_on_the_page(checkins, world, clock,
                                                                        monkeypatch):
    """On PostgreSQL each statement of a page read the schedules as committed at its start: a
    goal not read yet whose next due moment moved earlier, to where a statement before had
    already read (a cadence changed, a check-in corrected), was read by none of them and
    missing from the page. A page now reads its schedules in one snapshot: the goal is on it,
    as it stood when the page began."""
    ola, [early, noon] = goals_a_page_reads_in_chunks(checkins, world, clock, monkeypatch,
                                                      "08:00", "12:00")

    page, chunks = due_page_reading_schedules(checkins, world, ola, 2,
                                              after_first=moving_its_schedule(checkins, noon,
                                                                              "-5 hours"))

    assert len(chunks) >= 2, chunks  # the page read past its first chunk
    assert [i["goal_id"] for i in page["items"]] == [early, noon], page  # as it stood at 12:00
    assert [i["overdue"] for i in page["items"]] == [True, False]


def test_a_small_page_of_a_team_that_checks_in_reads_its_schedules_in_one_statement(
        checkins, world, clock):
    """A goal checked in for today ranks at tomorrow's occurrence, after where it is read, so a
    page seldom stops early in a team that checks in: a page of 1 read the schedules 2 at a
    time, 11 statements for 20 goals. It reads them 100 at a time at the least."""
    ola = world.member("Ola")
    goals = [world.goal(ola, f"Daily {n}", cadence=DAILY) for n in range(20)]
    clock.set(datetime(2026, 3, 5, 10, tzinfo=UTC))
    for goal in goals[1:]:
        world.checkin(goal, ola, value=1)
    page, reads = due_page_reading_schedules(checkins, world, ola, 1)

    assert [i["goal_id"] for i in page["items"]] == [goals[0]]  # the one not checked in
    assert len(reads) == 1, reads
