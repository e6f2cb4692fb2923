"""A check-in whose goal reaches notifications late (the goals topic behind the checkins topic)
is told in full when the goal comes: partners, channels and the Slack answer, once each."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import UTC, datetime, timedelta

from sqlalchemy import event, select

from services.notifications.domain.notification import Notification
from services.notifications.domain.replicas import Activity, GoalReplica
from services.notifications.domain.slash import SlackRequest
from services.notifications.service_layer.on_events import GoalWaits
from shared.clock import ControlledClock
from tests.notifications.support import (
    AT,
    Team,
    checkin,
    consumed,
    goal,
    handle,
    new_id,
    produce,
    progressed,
)
from tests.support.plans import query_plan
from tests.support.waiting import eventually, quiet


def started(make_service, slack, **env):
    """Notifications on the broker, its goal waits cut to one, a team with a Slack channel
    and no copy of Ana's goal yet, and a slash command that asked for her check-in."""
    n = make_service("notifications", start_worker=False, **env)
    n.container.waits = GoalWaits(limit=1)
    team = Team(n, with_goal=False)
    team.channel(slack.webhook())
    request_id = asked_by_slash(n, team, slack)
    n.start_worker()
    logged = checkin(team.id, team.goal, team.ana, 40, "felt strong", source="slack",
                     request_id=request_id)
    produce(n, logged)
    eventually(lambda: handled(n, team), timeout=30)  # the waits are over: the goal is late
    return n, team, logged


def handled(n, team: Team) -> bool:
    with n.container.uow() as uow:
        return uow.session.scalar(select(Activity.team_id).where(
            Activity.team_id == team.id)) is not None


def told(n, team: Team, slack, logged) -> dict[str, int]:
    """Who was told of the check-in, by its event id: its notifications by kind of target
    (Ben's feed, the channel, the slash command's response_url), and the messages of it the
    Slack channel and the slash command got."""
    with n.container.uow() as uow:
        targets = uow.session.scalars(select(Notification.target).where(
            Notification.event_id == logged.id))
        counted = Counter("member:ben" if t == f"member:{team.ben}" else t.split(":")[0]
                          for t in targets)
    texts = [r.json()["text"] for r in slack.delivered()]
    return {**counted, "posted": texts.count("Check-in: Run 100 km"),
            "answered": sum(t.startswith("✅ Logged 40 km on *Run 100 km*") for t in texts)}


EACH_ONCE = {"member:ben": 1, "channel": 1, "url": 1, "posted": 1, "answered": 1}


def parked(make_service, slack, *, asked: bool = False):
    """Notifications at 10:00 on a clock, no goal waits, a team with a Slack channel and Ana's
    check-in of 40 on a goal not known yet (`handle` it to park it); `asked` for by a slash
    command."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    n.container.waits = GoalWaits(limit=0)
    team = Team(n, with_goal=False)
    team.channel(slack.webhook())
    slash = {"source": "slack", "request_id": asked_by_slash(n, team, slack)} if asked else {}
    return clock, n, team, checkin(team.id, team.goal, team.ana, 40, **slash)


def asked_by_slash(n, team: Team, slack) -> str:
    """The id of a slash command's request for Ana's check-in on the team's goal."""
    request_id = new_id()
    with n.container.uow() as uow:
        uow.slack_requests.add_new(SlackRequest(request_id, team.id, team.ana, team.goal,
                                                f"{slack.url}/commands/T1/1",
                                                datetime.now(UTC)))
        uow.commit()
    return request_id


def delivered(clock, n) -> None:
    """The deliverer's passes once the channel's quiet window is over, the channel's pace
    between them."""
    clock.advance(minutes=2)
    n.container.deliverer.deliver_due()
    clock.advance(seconds=2)
    n.container.deliverer.deliver_due()


def dropped(capsys, team: Team, logged) -> list[str]:
    """The levels of the log lines saying `logged` was dropped, its goal unknown for 3 days."""
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()
             if line.startswith("{")]
    return [e["level"] for e in lines if f"checkin.logged {logged.id}: goal {team.goal} "
            "still not known after 3 days" in e["event"]]


def test_a_checkin_before_its_goal_is_told_in_full_when_its_figure_comes(make_service, slack):
    """The goals topic lagged the checkins topic past the waits: the check-in went on without
    its goal, so Ben (Ana's partner) was never told and the channel never heard of it (an
    unknown goal is withheld). It is now parked, and told when goal.created and its
    goal.progressed arrive, with the goals figure."""
    n, team, logged = started(make_service, slack)
    assert told(n, team, slack, logged) == {"posted": 0, "answered": 0}  # nothing yet
    produce(n, goal(team.id, team.goal, team.ana, "Run 100 km"), progressed(logged, 0.4))
    eventually(lambda: told(n, team, slack, logged) == EACH_ONCE, timeout=60)
    assert quiet(lambda: told(n, team, slack, logged), seconds=3) == EACH_ONCE  # no late copy
    [item] = [i for i in team.feed(team.ben) if i["event_type"] == "checkin.logged"]
    assert "*Ana* checked in on *Run 100 km*: 40 km" in item["text"]
    [post] = [r.json() for r in slack.delivered() if r.json()["text"] == "Check-in: Run 100 km"]
    assert "████░░░░░░ 40%" in str(post["blocks"])
    assert told(n, team, slack, logged) == EACH_ONCE


def test_a_checkin_before_its_goal_that_moves_nothing_is_told_after_the_usual_wait(
        make_service, slack):
    """No goal.progressed follows (a check-in that moves nothing): once its goal is known, the
    awaited check-ins job tells it after the usual wait, with the goal's figure."""
    n, team, logged = started(make_service, slack, NOTIFICATIONS_PROGRESS_WAIT_SECONDS="1")
    produce(n, goal(team.id, team.goal, team.ana, "Run 100 km"))
    eventually(lambda: told(n, team, slack, logged) == EACH_ONCE, timeout=60)
    assert quiet(lambda: told(n, team, slack, logged), seconds=3) == EACH_ONCE  # no late copy
    [post] = [r.json() for r in slack.delivered() if r.json()["text"] == "Check-in: Run 100 km"]
    assert "░░░░░░░░░░ 0%" in str(post["blocks"])


def test_a_checkin_waits_days_for_its_goal_then_is_dropped_with_a_warning(make_service, slack,
                                                                          capsys):
    """The awaited check-ins job does not announce a check-in while its goal is unknown (it
    would go out without it, withheld from the channels); after three days it drops it, a
    warning naming it; a goal coming later tells nothing of it."""
    clock, n, team, logged = parked(make_service, slack)
    handle(n, logged)
    job, deliverer = n.container.awaited_checkins, n.container.deliverer
    clock.advance(days=2, hours=23)
    assert job.announce_overdue() == 0
    clock.advance(hours=1)
    assert job.announce_overdue() == 0
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), progressed(logged, 0.4))
    clock.advance(minutes=5)
    job.announce_overdue()
    clock.advance(minutes=2)
    deliverer.deliver_due()
    assert told(n, team, slack, logged) == {"posted": 0, "answered": 0}
    assert dropped(capsys, team, logged) == ["warning"]


def test_a_checkin_parked_for_its_goal_holds_back_no_other_announcement(make_service, slack):
    """More check-ins wait for their goals than the job takes at once (a hundred): another
    check-in's announcement, due after theirs, still goes out."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    n.container.waits = GoalWaits(limit=0)
    team = Team(n)
    team.channel(slack.webhook())
    handle(n, *[checkin(team.id, new_id(), team.ana, 1) for _ in range(101)])
    clock.advance(seconds=1)
    logged = checkin(team.id, team.goal, team.ana, 40)
    handle(n, logged)
    clock.advance(minutes=5)
    assert n.container.awaited_checkins.announce_overdue() == 1
    clock.advance(minutes=2)  # the channel's quiet window is over
    n.container.deliverer.deliver_due()
    assert told(n, team, slack, logged)["posted"] == 1



def test_a_replayed_checkin_parked_for_its_goal_keeps_its_three_days(make_service, slack,
                                                                     capsys):
    """checkin.logged comes again two days after it was parked (a replay): its goal still
    unknown, it is dropped three days after it was first parked, not five."""
    clock, n, team, logged = parked(make_service, slack)
    handle(n, logged)
    clock.advance(days=2)
    handle(n, logged)
    clock.advance(days=1, minutes=1)
    n.container.awaited_checkins.announce_overdue()
    with n.container.uow() as uow:
        assert uow.awaited_checkins.get(logged.data["checkin_id"]) is None
    assert dropped(capsys, team, logged) == ["warning"]


def test_a_parked_checkin_is_told_when_its_goal_comes_not_at_the_jobs_next_tick(
        make_service, slack):
    """Ana's check-in waited a day for its goal. The goal's copy comes: Ben hears of it then,
    in the same transaction, with the awaited check-ins job not running (he heard at the job's
    next tick, which also looked for the copy of every parked check-in's goal); its figure then
    announces it to the channel."""
    clock, n, team, logged = parked(make_service, slack)
    handle(n, logged)
    clock.advance(days=1)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"))
    assert told(n, team, slack, logged) == {"member:ben": 1, "posted": 0, "answered": 0}
    handle(n, progressed(logged, 0.4))
    delivered(clock, n)
    assert told(n, team, slack, logged) == {"member:ben": 1, "channel": 1, "posted": 1,
                                            "answered": 0}
    [post] = [r.json() for r in slack.delivered() if r.json()["text"] == "Check-in: Run 100 km"]
    assert "████░░░░░░ 40%" in str(post["blocks"])


def test_a_goal_and_a_parked_checkin_delivered_again_tell_each_once(make_service, slack):
    """The check-in comes twice while parked, its goal.created twice, a goal.updated after it,
    the check-in again once the goal is known, its figure twice, and the job ticks past every
    wait: Ben, the channel and the slash command each hear of it once."""
    clock, n, team, logged = parked(make_service, slack, asked=True)
    created = goal(team.id, team.goal, team.ana, "Run 100 km")
    handle(n, logged, logged, created, created)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km", event_type="goal.updated"))
    handle(n, logged, progressed(logged, 0.4))
    handle(n, progressed(logged, 0.4))
    clock.advance(minutes=10)
    n.container.awaited_checkins.announce_overdue()
    delivered(clock, n)
    assert told(n, team, slack, logged) == EACH_ONCE


def test_a_checkin_parked_as_its_goals_copy_is_written_is_told(make_service, slack):
    """Two workers: one parks Ana's check-in (no copy of its goal), the other writes the goal's
    copy before the first commits. The copy waits for the parked check-ins of its goal, so it
    finds hers and Ben hears of it (on PostgreSQL it saw no uncommitted check-in and left it
    parked for three days; SQLite's writers take turns)."""
    clock, n, team, logged = parked(make_service, slack)
    handlers = n.container.handlers()
    with n.container.uow() as parking, ThreadPoolExecutor(1) as other:
        handlers["checkin.logged"](consumed(logged), parking)
        writing = other.submit(handle, n, goal(team.id, team.goal, team.ana, "Run 100 km"))
        wait([writing], timeout=2)  # it waits for the parked check-ins (finished: it missed hers)
        parking.commit()
        writing.result(timeout=30)
    assert told(n, team, slack, logged)["member:ben"] == 1


def test_a_checkin_that_comes_as_its_goals_copy_is_written_is_not_parked(make_service, slack):
    """Two workers: one writes the copy of Ana's goal, the other takes her check-in before the
    first commits. The check-in waits for the goal's parked check-ins, then finds the copy:
    Ben hears of it at once (on PostgreSQL it was parked, the copy having taken none, until it
    was dropped three days later)."""
    clock, n, team, logged = parked(make_service, slack)
    handlers = n.container.handlers()
    with n.container.uow() as writing, ThreadPoolExecutor(1) as other:
        handlers["goal.created"](consumed(goal(team.id, team.goal, team.ana, "Run 100 km")),
                                 writing)
        taking = other.submit(handle, n, logged)
        wait([taking], timeout=2)  # it waits for the copy's commit (finished: it parked)
        writing.commit()
        taking.result(timeout=30)
    assert told(n, team, slack, logged)["member:ben"] == 1
    with n.container.uow() as uow:
        assert not uow.awaited_checkins.get(logged.data["checkin_id"]).waits_for_goal


def test_a_checkin_parked_by_an_earlier_version_whose_goal_came_is_told_when_its_days_are_up(
        make_service, slack):
    """A check-in parked before the goal's copy took its parked check-ins, the copy written
    since: after three days it is not dropped but told, as the copy would have told it (Ben
    at once, the channel after the usual wait for its figure)."""
    clock, n, team, logged = parked(make_service, slack)
    handle(n, logged)
    with n.container.uow() as uow:  # the copy as the version before wrote it
        uow.replicas.upsert(GoalReplica.from_state(
            consumed(goal(team.id, team.goal, team.ana, "Run 100 km")).data))
        uow.commit()
    clock.advance(days=3, minutes=1)
    job = n.container.awaited_checkins
    assert job.announce_overdue() == 0
    assert told(n, team, slack, logged) == {"member:ben": 1, "posted": 0, "answered": 0}
    clock.advance(minutes=10)
    assert job.announce_overdue() == 1
    delivered(clock, n)
    assert told(n, team, slack, logged) == {"member:ben": 1, "channel": 1, "posted": 1,
                                            "answered": 0}


def test_the_jobs_tick_reads_off_an_index_only_the_checkins_it_acts_on(make_service, slack):
    """A thousand check-ins parked for their goals an hour ago, three waiting for their figure
    past the wait: the tick announces the three, reading the two ranges of
    ix_awaited_checkins_due (it looked for the goal of every parked one, each tick)."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    n.container.waits = GoalWaits(limit=0)
    team = Team(n)
    engine = n.container.engine
    awaited = n.container.metadata.tables["awaited_checkins"]
    with engine.begin() as conn:
        conn.execute(awaited.insert(), [{
            "checkin_id": new_id(), "goal_id": new_id(), "team_id": team.id,
            "event_id": new_id(), "event_time": AT, "data": "{}",
            "created_at": clock.now() - timedelta(hours=1), "waits_for_goal": True,
        } for _ in range(1000)])
    handle(n, *[checkin(team.id, team.goal, team.ana, v) for v in (1, 2, 3)])
    clock.advance(minutes=10)
    reads: list = []

    def keep_the_reads(conn, cursor, statement, parameters, *args) -> None:
        if statement.startswith("SELECT") and "FROM awaited_checkins" in statement:
            reads.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep_the_reads)
    try:
        assert n.container.awaited_checkins.announce_overdue() == 3
    finally:
        event.remove(engine, "before_cursor_execute", keep_the_reads)
    assert len(reads) == 2 and not any("goal_replicas" in s for s, _ in reads), reads
    plans = "\n".join(query_plan(engine, "awaited_checkins", statement, parameters)
                      for statement, parameters in reads)
    assert plans.count("ix_awaited_checkins_due") == 2, plans
    assert "SCAN awaited_checkins" not in plans and "Seq Scan" not in plans, plans


def test_a_parked_checkin_replayed_once_its_goal_came_waits_for_its_figure_from_then(
        make_service, slack):
    """Parked, its goal came two days later, and checkin.logged came again before the job's
    tick: it then waits for its figure as a check-in of a known goal does, from the replay. It
    had kept the moment it was parked, so the next tick announced it at once, days overdue,
    without waiting for its figure."""
    clock, n, team, logged = parked(make_service, slack)
    handle(n, logged)
    clock.advance(days=2)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged)
    clock.advance(seconds=1)
    assert n.container.awaited_checkins.announce_overdue() == 0
    handle(n, progressed(logged, 0.4))
    clock.advance(minutes=2)
    n.container.deliverer.deliver_due()
    clock.advance(seconds=2)
    n.container.deliverer.deliver_due()
    [post] = [r.json() for r in slack.delivered() if r.json()["text"] == "Check-in: Run 100 km"]
    assert "████░░░░░░ 40%" in str(post["blocks"]), post


def test_a_checkin_parked_for_nearly_three_days_is_still_told_when_its_goal_comes(
        make_service, slack, capsys):
    """Its goal comes an hour before the three days are over: the check-in is still parked,
    and told in full (Ben, the channel with the goals figure), not dropped. A job that
    dropped a parked check-in after an hour, or a day, passed every other test here."""
    clock, n, team, logged = parked(make_service, slack)
    handle(n, logged)
    clock.advance(days=2, hours=23)
    assert n.container.awaited_checkins.announce_overdue() == 0
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), progressed(logged, 0.4))
    clock.advance(minutes=2)  # the channel's quiet window is over
    n.container.deliverer.deliver_due()  # the new goal, then the check-in at the channel's pace
    clock.advance(seconds=2)
    n.container.deliverer.deliver_due()
    [post] = [r.json() for r in slack.delivered() if r.json()["text"] == "Check-in: Run 100 km"]
    assert "████░░░░░░ 40%" in str(post["blocks"])
    assert told(n, team, slack, logged) == {"member:ben": 1, "channel": 1, "posted": 1,
                                            "answered": 0}
    assert dropped(capsys, team, logged) == []
