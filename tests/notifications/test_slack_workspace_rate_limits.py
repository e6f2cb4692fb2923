"""A 429's wait is the workspace's, for the method it limits: every Slack task calling that
method waits for it, queued before the 429 or after, on any worker, and no other method waits;
the install's code exchange answered 429 tells the lead what will work (review 36)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest

from shared.clock import ControlledClock
from tests.notifications.support import Team, event, goal, handle, new_id
from tests.notifications.test_slack_app_end_to_end import slack_env
from tests.notifications.test_slack_app_rules import Lead, events_post
from tests.notifications.test_slack_long_rate_limits import install, passes, redirect_of
from tests.support.slack_api_server import Scripted, rate_limited

START = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)


def notifications_at(make_service, slack_api, clock: ControlledClock):
    return make_service("notifications", clock=clock, start_worker=False,
                        **slack_env(slack_api))


def remind(notifications, team: Team, goal_id: str) -> None:
    handle(notifications.container, event(
        "checkin.reminder", team.id, goal_id=goal_id, owner_id=team.ana,
        due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T08:00:00+00:00"))


def test_a_dm_queued_a_minute_after_a_429_of_an_hour_waits_for_the_hour_too(
        make_service, slack_api):
    """Ana's first reminder DM got 429, Retry-After 3600. Her second reminder comes a minute
    later, in the same workspace: it waits for the hour as the DMs queued before the 429 do,
    and is not tried at once (where Slack answers its own 429 of an hour; the stand-in answers
    it 200, so a call at all is the fault)."""
    clock = ControlledClock(START)
    notifications = notifications_at(make_service, slack_api, clock)
    team = Team(notifications)
    install(notifications, team)
    passes(notifications)  # the installing lead's Home
    second = new_id()
    handle(notifications.container, goal(team.id, second, team.ana, "Read 12 books"))
    slack_api.script("chat.postMessage", rate_limited(3600))
    remind(notifications, team, team.goal)
    passes(notifications)
    clock.advance(seconds=60)
    remind(notifications, team, second)
    passes(notifications)
    tried = slack_api.calls_of("chat.postMessage", answered=False)
    assert [c.status for c in tried] == [429], [(c.status, c.args.get("text")) for c in tried]


def test_a_429_of_an_hour_on_a_dm_does_not_hold_the_workspaces_home_for_the_hour(
        make_service, slack_api):
    """Slack limits a workspace's calls per method: a 429 of an hour on chat.postMessage says
    nothing of views.publish. Ana opens her Home as her reminder
    DM is answered 429, Retry-After 3600: her Home is published within a minute, not an hour
    later (and every change meanwhile rides along with the held task, attempts == 0, so the
    Home would show nothing new for the hour)."""
    clock = ControlledClock(datetime.now(UTC))  # Slack's signed requests are checked by it
    notifications = notifications_at(make_service, slack_api, clock)
    team = Team(notifications)
    install(notifications, team)
    passes(notifications)  # the installing lead's Home
    slack_api.script("chat.postMessage", rate_limited(3600))
    remind(notifications, team, team.goal)
    opened = events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                         "event": {"type": "app_home_opened", "user": "UANA",
                                                   "tab": "home"}})
    assert opened.status_code == 200
    passes(notifications)
    clock.advance(seconds=60)
    passes(notifications)
    assert "UANA" in [c.args["user_id"] for c in slack_api.calls_of("views.publish")]


def test_an_install_slack_rate_limited_for_an_hour_is_made_when_reloaded_as_the_page_says(
        make_service, slack_api):
    """oauth.v2.access answered 429, Retry-After 3600: the page tells the lead to reload it
    in 3600 seconds. Reloaded then, it installs, as the page promised; it is not refused
    (the install ticket lives 15 minutes, the restored OAuth state 10, and Slack's code
    itself 10: a page that cannot keep that promise says to start the install again)."""
    clock = ControlledClock(START)
    notifications = notifications_at(make_service, slack_api, clock)
    team = Lead(Team(notifications))
    slack_api.script("oauth.v2.access", rate_limited(3600))
    redirect = redirect_of(notifications, team)
    busy = notifications.client.get(redirect).get_data(as_text=True)
    if "reload this page in 3600 seconds" not in busy:
        assert "start the install again" in busy, busy
        return
    clock.advance(seconds=3600)
    again = notifications.client.get(redirect)
    assert again.status_code == 200, again.get_data(as_text=True)[-400:]


def test_two_workers_answered_429_at_once_for_one_workspace_both_hold_it_for_the_hour(
        make_service, slack_api):
    """Two Slack task workers each run one of Ana's two reminder DMs (each task's row locked
    by its worker); Slack answers both 429, Retry-After 3600, at the same moment. Both keep
    the wait (each one's tasks locked, no worker waits on another's: a hold that updated the
    other's locked task rows deadlocked on PostgreSQL, and the loser's task was due again in
    seconds). No DM of the workspace may be tried again within the hour."""
    clock = ControlledClock(START)
    notifications = notifications_at(make_service, slack_api, clock)
    if notifications.container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes no row locks: its writers take turns")
    team = Team(notifications)
    install(notifications, team)
    passes(notifications)  # the installing lead's Home
    second = new_id()
    handle(notifications.container, goal(team.id, second, team.ana, "Read 12 books"))
    remind(notifications, team, team.goal)
    remind(notifications, team, second)
    slack_api.script("chat.postMessage", rate_limited(3600), rate_limited(3600))
    release = slack_api.hold("chat.postMessage")
    workers = [threading.Thread(target=passes, args=(notifications,)) for _ in range(2)]
    for worker in workers:
        worker.start()
    assert slack_api.wait_held("chat.postMessage")
    threading.Event().wait(1.5)  # the second worker's call arrives and waits too
    release.set()
    for worker in workers:
        worker.join(30)
    assert [c.status for c in slack_api.calls_of("chat.postMessage", answered=False)] == [
        429, 429]
    clock.advance(seconds=301)  # past any backoff, well within the hour
    passes(notifications)
    tried = slack_api.calls_of("chat.postMessage", answered=False)
    assert [c.status for c in tried] == [429, 429], [(c.status, c.args.get("text"))
                                                     for c in tried]


def test_a_dm_whose_channel_is_open_is_not_held_by_a_limit_on_opening_channels(
        make_service, slack_api):
    """Ana's reminder DM opened her channel, then chat.postMessage answered 500: its retry
    calls chat.postMessage only (the channel is kept). Slack then asks the workspace to wait
    an hour before conversations.open (another member's DM): Ana's retry is posted when its
    backoff ends, not an hour later, as no other method waits (review 37)."""
    clock = ControlledClock(START)
    notifications = notifications_at(make_service, slack_api, clock)
    team = Team(notifications)
    install(notifications, team)
    passes(notifications)  # the installing lead's Home
    slack_api.script("chat.postMessage", Scripted(500, {"ok": False, "error": "fatal_error"}))
    remind(notifications, team, team.goal)
    passes(notifications)
    with notifications.container.uow() as uow:
        uow.slack.rate_limit(slack_api.team_id, "conversations.open",
                             clock.now() + timedelta(hours=1))
        uow.commit()
    for _ in range(10):  # the 500's backoff, well under the hour
        clock.advance(seconds=60)
        passes(notifications)
    assert len(slack_api.calls_of("conversations.open")) == 1  # her channel, kept
    tried = slack_api.calls_of("chat.postMessage", answered=False)
    assert [c.status for c in tried] == [500, 200], [c.status for c in tried]
