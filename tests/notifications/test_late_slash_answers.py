"""A slash command's answer made after its response_url expired (Slack takes answers there for
30 minutes) is DMed to its member instead, once however often its events come."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from services.notifications.adapters.orm import notifications, slack_tasks
from services.notifications.domain.slash import Answer, SlackRequest
from services.notifications.service_layer.on_events import GoalWaits, dm_answer
from shared.clock import ControlledClock
from tests.notifications.support import (
    Team,
    checkin,
    consumed,
    event,
    goal,
    handle,
    new_id,
    progressed,
)
from tests.notifications.test_slack_app_end_to_end import install, slack_env
from tests.notifications.test_slack_app_rules import Lead, slash_from
from tests.support.slack_api_server import Scripted, rate_limited
from tests.support.slack_server import Reply

LOGGED = "✅ Logged 40 km on *Run 100 km*."
LOGGED_40 = f"{LOGGED}\nProgress: ████░░░░░░ 40%"  # the figure goals gave for it
REFUSED = "❌ Your check-in on *Run 100 km* was not logged: the goal is closed"
PASSES = 50


def asked(make_service, slack, slack_api):
    """Notifications at 10:00 on a clock with the Slack app installed, no goal waits, a team
    with no copy of Ana's goal yet, and her check-in of 40 asked for by `/goals` at 10:00
    (its response_url on the local Slack stand-in; `handle` it to park it)."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False, **slack_env(slack_api))
    n.container.waits = GoalWaits(limit=0)
    team = Team(n, with_goal=False)
    install(n, Lead(team))
    request_id = new_id()
    with n.container.uow() as uow:
        uow.slack_requests.add_new(SlackRequest(request_id, team.id, team.ana, team.goal,
                                                f"{slack.url}/commands/T1/1", clock.now()))
        uow.commit()
    return clock, n, team, checkin(team.id, team.goal, team.ana, 40, source="slack",
                                   request_id=request_id)


def answers(clock, n, slack, slack_api) -> dict[str, list[str]]:
    """What Ana was answered, at the response_url and in her DM, once the deliverer and the
    Slack tasks have nothing left to do: they run 5 seconds on, then again at each moment a
    delivery or a Slack task still pending is next due (a backoff, a Retry-After of an hour),
    until none is pending: an answer sent twice, the second by a retry however late, is seen
    twice."""
    clock.advance(seconds=5)
    for _ in range(PASSES):
        delivered(n)
        due = next_due(n)
        if due is None:
            break
        clock.set(max(due, clock.now()))
    else:
        raise AssertionError(f"still delivering after {PASSES} passes")
    return {"url": [r.json()["text"] for r in slack.delivered() if r.path == "/commands/T1/1"],
            "dm": [c.args["text"] for c in slack_api.calls_of("chat.postMessage")
                   if c.args["channel"] == "DANA"]}


def delivered(n) -> int:
    """One pass of the deliverer, then of the Slack tasks: how many deliveries and tasks ran."""
    return n.container.deliverer.deliver_due() + n.container.slack_tasks.run_due()


def next_due(n) -> datetime | None:
    """The earliest moment a pending delivery or Slack task is due, read from their tables;
    None when nothing is pending."""
    firsts = [sa.select(sa.func.min(table.c.next_attempt_at))
              .where(table.c.status == "pending").scalar_subquery()
              for table in (notifications, slack_tasks)]
    with n.container.engine.connect() as connection:
        moments = connection.execute(sa.select(*firsts)).one()
    return min((m for m in moments if m is not None), default=None)


def test_a_checkin_answered_after_its_response_url_expired_is_dmed(make_service, slack,
                                                                     slack_api):
    """Ana's check-in waited 31 minutes for its goal: the answer went to a response_url Slack
    no longer takes, so she never heard. It is DMed to her, once, whatever comes again."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, logged)
    clock.advance(minutes=31)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), progressed(logged, 0.4))
    handle(n, logged, progressed(logged, 0.4))  # both again
    said = answers(clock, n, slack, slack_api)
    assert said == {"url": [], "dm": [LOGGED_40]}, said


def test_a_late_answer_slack_rate_limits_for_an_hour_is_dmed_once_the_hour_is_over(
        make_service, slack, slack_api):
    """Slack answered the DM with 429 and a Retry-After of an hour: the answer is not lost,
    nor sent twice; it goes once the hour is over."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged)
    clock.advance(minutes=31)
    slack_api.script("chat.postMessage", rate_limited(3600))
    handle(n, progressed(logged, 0.4))
    assert answers(clock, n, slack, slack_api) == {"url": [], "dm": [LOGGED_40]}
    assert len(slack_api.calls_of("chat.postMessage", answered=False)) == 2  # 429, then sent


def test_a_late_answer_dm_through_a_slack_outage_of_over_an_hour_is_sent_once_slack_is_back(
        make_service, slack, slack_api):
    """Slack answered 503 to every try for over an hour (40 tries backing off to five minutes
    apart; the tasks gave up after eight, 8.5 minutes): the DM waits for Slack, as a delivery
    does, and is sent once when it is back."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged)
    clock.advance(minutes=31)
    slack_api.script("chat.postMessage", *[Scripted(503, {"ok": False, "error": "fatal_error"})
                                           for _ in range(40)])
    handle(n, progressed(logged, 0.4))
    assert answers(clock, n, slack, slack_api) == {"url": [], "dm": [LOGGED_40]}
    assert len(slack_api.calls_of("chat.postMessage", answered=False)) == 41
    assert clock.now() - datetime(2030, 1, 7, 10, 31, tzinfo=UTC) > timedelta(hours=1)


def test_the_acknowledgement_says_a_late_answer_comes_by_dm(make_service, slack_api):
    """`/goals checkin` acknowledged "I'll confirm here in a moment", but an answer made after
    the response_url's 30 minutes (the check-in waiting for its goal, or its figure) comes by
    DM. Where the app is installed to DM it, the acknowledgement says so."""
    n = make_service("notifications", start_worker=False, **slack_env(slack_api))
    team = Team(n)
    install(n, Lead(team))
    ack = slash_from(n, slack_api.team_id, f"checkin {team.goal[:8]} 3")
    assert ack.json["text"] == ("⏳ Logging 3 km on *Run 100 km*; I'll confirm here, or by DM "
                                "if it takes a while."), ack.json


def test_a_checkin_answered_within_its_response_urls_life_is_answered_there(
        make_service, slack, slack_api):
    """Its goal came 20 minutes after the command: the answer goes to the response_url, as
    the command said it would, and no DM."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, logged)
    clock.advance(minutes=20)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), progressed(logged, 0.4))
    said = answers(clock, n, slack, slack_api)
    assert said == {"url": [LOGGED_40], "dm": []}, said


def test_a_refusal_made_after_the_response_url_expired_is_dmed(make_service, slack, slack_api):
    """checkins refused the check-in 40 minutes after the command (its topic lagging): the
    refusal is DMed to Ana, once, though it comes twice."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"))
    clock.advance(minutes=40)
    refused = event("checkin.rejected", team.id, request_id=logged.data["request_id"],
                    member_id=team.ana, reason="the goal is closed",
                    at="2030-01-07T10:40:00+00:00")
    handle(n, refused, refused)
    assert answers(clock, n, slack, slack_api) == {"url": [], "dm": [REFUSED]}


@pytest.mark.parametrize("spent", ["expired_url", "used_url",
                                   '{"ok": false, "error": "expired_url"}'])
def test_a_checkin_answer_that_slack_says_its_response_url_no_longer_takes_is_dmed(
        make_service, slack, slack_api, spent):
    """The answer was made in time by our clock, but Slack refused it at the response_url,
    expired or used up (404 with its reason, as text or as a Web API error): Ana never heard.
    It is DMed to her instead."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged, progressed(logged, 0.4))
    slack.reply_with(Reply(404, spent))
    said = answers(clock, n, slack, slack_api)
    assert said == {"url": [], "dm": [LOGGED_40]}, said
    assert len(slack.received) == 1  # the response_url was not tried again


@pytest.mark.parametrize("refusal", ["invalid_blocks", '{"ok": false, "error": "no_text"}',
                                     '{"error": ["expired_url"]}', "[]"])
def test_a_checkin_answer_slack_refuses_for_another_reason_is_not_dmed(
        make_service, slack, slack_api, refusal):
    """Only a spent URL sends the answer by DM: Slack refusing the message itself is not it."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged, progressed(logged, 0.4))
    slack.reply_with(Reply(400, refusal))
    assert answers(clock, n, slack, slack_api)["dm"] == []


def test_a_late_answer_made_by_the_job_and_by_its_figure_at_once_is_dmed_once(
        make_service, slack, slack_api):
    """Two workers on PostgreSQL: the awaited check-ins job announces Ana's check-in, its
    figure overdue, as the consumer takes the figure, which had read her request (not answered
    yet) before the job committed. The response_url answer this replaced was made once (one
    notification per event and target); the DM must be sent once too. The job made it, with
    the goal's figure as goals gave it then (0%: the figure for this check-in had not come),
    as the channels and the API showed it at that moment."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    if n.container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's writers take turns")
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged)
    clock.advance(minutes=31)
    handlers = n.container.handlers()
    with n.container.uow() as consumer:
        consumer.awaited_checkins.get(logged.data["checkin_id"])  # the batch's prefetch
        consumer.slack_requests.get(logged.data["request_id"])  # read: not answered yet
        assert n.container.awaited_checkins.announce_overdue() == 1  # the job, committed
        handlers["goal.progressed"](consumed(progressed(logged, 0.4)), consumer)
        consumer.commit()
    said = answers(clock, n, slack, slack_api)
    assert said == {"url": [], "dm": [f"{LOGGED}\nProgress: ░░░░░░░░░░ 0%"]}, said


def test_a_refusal_at_the_response_url_in_deeply_nested_json_is_recorded_not_dmed(
        make_service, slack, slack_api):
    """Slack's stand-in refuses the answer with a 400 whose body is JSON nested a thousand deep
    (9 kB, well inside what the deliverer reads): url_spent parses it, and json raises
    RecursionError, not the ValueError it suppresses. The refusal must be recorded like any
    other (the answer failed, no DM), not crash the deliverer's record of it (review 20)."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged, progressed(logged, 0.4))
    slack.reply_with(Reply(400, '{"error":' * 1000))
    assert answers(clock, n, slack, slack_api)["dm"] == []
    with n.container.uow() as uow:
        request = uow.slack_requests.get(logged.data["request_id"])
        assert request.answered_at is not None and request.dmed_at is None


def test_a_late_answer_dmed_names_no_goal_its_member_may_no_longer_see_when_it_is_sent(
        make_service, slack, slack_api):
    """Ana's check-in on Lena's team goal was answered 31 minutes on, so by DM; before the
    Slack task sent that DM (seconds, or hours of a Slack outage), the goal was made private
    (Ana is not Lena's partner). The DM still named it and showed its progress: its words were
    made when it was queued, whereas the refusal DM reads `goal_named` when it is sent."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.lead, "Run 100 km", kind="team"))
    clock.advance(minutes=31)
    handle(n, logged, event("goal.progressed", team.id, goal_id=team.goal, owner_id=team.lead,
                            current=40, progress=0.4, checkin_id=logged.data["checkin_id"],
                            at=logged.data["at"]))
    handle(n, goal(team.id, team.goal, team.lead, "Run 100 km", kind="team",
                   visibility="private", event_type="goal.updated"))
    assert answers(clock, n, slack, slack_api) == {"url": [], "dm": ["✅ Logged 40."]}


def test_an_answer_dmed_for_a_spent_response_url_names_no_goal_its_member_may_no_longer_see(
        make_service, slack, slack_api):
    """The answer was made in time, but Slack said its response_url was spent when the
    deliverer came to it, after Lena's team goal was made private (Ana is not her partner):
    the DM it became is worded when it is sent, the goal left out."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.lead, "Run 100 km", kind="team"), logged,
           event("goal.progressed", team.id, goal_id=team.goal, owner_id=team.lead,
                 current=40, progress=0.4, checkin_id=logged.data["checkin_id"],
                 at=logged.data["at"]))
    handle(n, goal(team.id, team.goal, team.lead, "Run 100 km", kind="team",
                   visibility="private", event_type="goal.updated"))
    slack.reply_with(Reply(404, "expired_url"))
    assert answers(clock, n, slack, slack_api) == {"url": [], "dm": ["✅ Logged 40."]}


def test_an_answer_queued_at_its_response_url_before_the_upgrade_is_still_dmed_once_spent(
        make_service, slack, slack_api):
    """The code before e8c4a2f6b913 kept a request's answer only once DMed: a response_url
    answer it queued (its request answered, `answer` NULL, left so by the migration) that
    Slack says is spent after the upgrade must still reach Ana, by DM, as it did before."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged, progressed(logged, 0.4))
    with n.container.uow() as uow:  # the row as the code before left it
        uow.slack_requests.get(logged.data["request_id"]).answer = None
        uow.commit()
    slack.reply_with(Reply(404, "expired_url"))
    said = answers(clock, n, slack, slack_api)
    assert said == {"url": [], "dm": [LOGGED_40]}, said


def test_an_answer_kept_as_words_does_not_stall_the_slack_tasks(make_service, slack,
                                                                  slack_api):
    """A worker still on the code before wrote the answer's words, not its JSON, to a request
    whose answer_dm task this code runs (a rolling upgrade): `Answer.loads` must not raise out
    of the Slack tasks' pass, leaving that task pending at the head of the queue, tried and
    failing every pass, and every Slack task due after it never run."""
    clock, n, team, logged = asked(make_service, slack, slack_api)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km"), logged)
    clock.advance(minutes=31)
    handle(n, progressed(logged, 0.4))  # late: queued as an answer_dm task
    other = new_id()
    with n.container.uow() as uow:
        uow.slack_requests.get(logged.data["request_id"]).answer = LOGGED  # old words
        later = SlackRequest(other, team.id, team.ana, team.goal, f"{slack.url}/commands/T1/2",
                             clock.now())
        uow.slack_requests.add_new(later)
        uow.commit()
    clock.advance(seconds=1)
    with n.container.uow() as uow:  # another late answer, queued after it
        request = uow.slack_requests.get(other)
        request.answered_at = clock.now()
        request.answer = Answer.refused("the goal is closed").dumps()
        assert dm_answer(request, uow, clock.now())
        uow.commit()
    said = answers(clock, n, slack, slack_api)
    assert REFUSED in said["dm"], said
    assert sorted(said["dm"]) == sorted([LOGGED, REFUSED]), said  # each DMed once, none lost
