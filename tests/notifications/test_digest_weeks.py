"""The weekly digest after a channel was disabled for longer than LAST_DIGEST_REACH (its one
week), and its weekly title in a zone whose clock moves by two hours (review 27). A settings
row the code before stored is migrated: tests/test_migrations.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shared.clock import ControlledClock
from tests.notifications.support import Team, checkin, event, goal, handle, new_id, progressed
from tests.notifications.weekly_digest import MONDAY_0905_CET, WeeklyDigest
from tests.support.races import SQLITE_WAITS, run_together
from tests.support.slack_server import too_many_requests
from tests.support.stack import scheduled_job


def _channel_state(digest: WeeklyDigest, state: str) -> None:
    team = digest.team
    [channel] = digest.n.client.get(f"/v1/teams/{team.id}/channels",
                                    headers=team.auth()).json["items"]
    changed = digest.n.client.patch(f"/v1/teams/{team.id}/channels/{channel['id']}",
                                    headers=team.auth(), json={"state": state})
    assert changed.json["state"] == state


def test_a_channel_disabled_for_eleven_weeks_gets_a_weekly_digest_when_enabled_again(
        make_service, slack):
    """Monday 7 January's digest went out; the lead disabled the channel, and enabled it
    again eleven weeks later. README: "after more than eight weeks without one ... a digest
    tells its one week". Monday 25 March's digest told from Monday 4 March ("Digest since
    Monday 4 March"): the chain of digests made while the channel was off restarted at the
    reach (Monday 11 March's told week_of) and grew again, so the period told after a long
    outage is one to eight weeks by where the chain stands, neither all that was missed nor
    the one week."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    _channel_state(digest, "disabled")
    digest.kudos("2030-03-05T10:00:00+00:00")  # Tue 5 Mar
    digest.kudos("2030-03-19T10:00:00+00:00")  # Tue 19 Mar
    for week in range(1, 11):  # Mon 14 Jan .. Mon 18 Mar, 09:05 CET: the channel is off
        assert digest.run_at(MONDAY_0905_CET + timedelta(weeks=week)) == 0
    _channel_state(digest, "active")
    assert digest.run_at(datetime(2030, 3, 25, 8, 5, tzinfo=UTC)) == 1  # Mon 25 Mar
    assert [r.json()["text"] for r in slack.received] == ["Weekly digest: Platform"] * 2
    assert "*Kudos given:* 1" in digest.told()[1]


def test_weekly_digests_across_a_two_hour_change_of_clock_are_titled_weekly(make_service,
                                                                            slack):
    """A team in Antarctica/Troll (UTC+0, UTC+2 in summer from Sunday 31 March 2030, a zone
    the service takes) has its digest on Mondays at 09:00: Monday 1 April's tells the week
    since Monday 25 March's slot (`week_of`), 6 days 22 hours by UTC. It was titled "Digest
    since Monday 25 March" (weekly within an hour only); bd46f5e's team-clock rule titled it
    weekly."""
    digest = WeeklyDigest(make_service, slack, timezone="Antarctica/Troll",
                          start=datetime(2030, 3, 25, 9, 5, tzinfo=UTC))
    assert digest.run_at(datetime(2030, 3, 25, 9, 5, tzinfo=UTC)) == 1  # Mon 09:05 +00
    assert digest.run_at(datetime(2030, 4, 1, 7, 5, tzinfo=UTC)) == 1  # Mon 09:05 +02
    assert [r.json()["text"] for r in slack.received] == ["Weekly digest: Platform"] * 2


def test_a_channel_disabled_for_nine_weeks_gets_the_one_week_when_enabled_again(
        make_service, slack):
    """Monday 7 January's digest went out; the lead disabled the channel through eight
    Mondays' digests and enabled it again: Monday 11 March's, more than eight weeks after the
    last the channel got, tells its one week (README), titled weekly. Guards the bound
    (`ChannelWeek.since_for` measuring the reach from where the digest would begin): measured
    from the last slot, the chain of digests made while the channel was off never ends and
    this one is "Digest since Monday 7 January"."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    _channel_state(digest, "disabled")
    digest.kudos("2030-01-08T10:00:00+00:00")  # Tue 8 Jan
    digest.kudos("2030-03-05T10:00:00+00:00")  # Tue 5 Mar
    for week in range(1, 9):  # Mon 14 Jan .. Mon 4 Mar, 09:05 CET: the channel is off
        assert digest.run_at(MONDAY_0905_CET + timedelta(weeks=week)) == 0
    _channel_state(digest, "active")
    assert digest.run_at(datetime(2030, 3, 11, 8, 5, tzinfo=UTC)) == 1  # Mon 11 Mar
    assert [r.json()["text"] for r in slack.received] == ["Weekly digest: Platform"] * 2
    assert "*Kudos given:* 1" in digest.told()[1]


def test_a_weekly_digest_made_again_after_the_team_moved_timezone_keeps_its_weekly_title(
        make_service, slack):
    """A Berlin team's digest is on Mondays at 05:00: Monday 11 March 2030's is made weekly
    (since Monday 4 March, 05:00 CET) and answered 429; the team moves to New York (summer
    time from Sunday 10 March) before the retry. `period_words` promises that a change of the
    team's time zone before a digest is made again leaves it weekly; in New York's days the
    same week runs from Sunday 3 March 23:00 EST to Monday 11 March 00:00 EDT, eight dates
    apart, and the retry left as "Digest since Sunday 3 March"."""
    clock = ControlledClock(datetime(2030, 3, 11, 4, 5, tzinfo=UTC))  # Mon 05:05 CET
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin", with_goal=False)
    team.channel(slack.webhook(), event_types=["digest.team"])
    handbook = new_id()
    handle(n, goal(team.id, handbook, team.ben, "Write the handbook"))
    logged = checkin(team.id, handbook, team.ben, 3, at="2030-03-07T10:00:00+00:00")
    handle(n, logged, progressed(logged, 0.3))
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 5}).status_code == 200
    slack.reply_with(too_many_requests(60))
    assert scheduled_job(n.container, "team-digests").run() == 1
    n.container.deliverer.deliver_due()
    [refused] = slack.received
    assert refused.json()["text"] == "Weekly digest: Platform"
    handle(n, event("team.updated", team.id, name="Platform", timezone="America/New_York"))
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert "1/1 goals checked in" in str(digest.json()["blocks"])
    assert digest.json()["text"] == "Weekly digest: Platform"


def _channel_filter(digest: WeeklyDigest, event_types: list[str]) -> None:
    team = digest.team
    [channel] = digest.n.client.get(f"/v1/teams/{team.id}/channels",
                                    headers=team.auth()).json["items"]
    changed = digest.n.client.patch(f"/v1/teams/{team.id}/channels/{channel['id']}",
                                    headers=team.auth(), json={"event_types": event_types})
    assert changed.status_code == 200, changed.json


def test_a_channel_that_stopped_taking_the_digest_for_a_week_is_not_told_a_week_twice(
        make_service, slack):
    """Monday 7 January's digest told the channel Wednesday 2 January's kudos. The lead then
    filtered the digest out of the channel (Monday 14's was not for it) and back in; Monday
    21's digest must not tell the week of Monday 7's again: its copy was sent, but it is
    counted only by the next digest made for the channel, so its row still says it was told
    from Monday 31 December, and Monday 21's says "since Monday 31 December" with both
    kudos."""
    digest = WeeklyDigest(make_service, slack)
    digest.kudos("2030-01-02T10:00:00+00:00")  # Wed 2 Jan
    assert digest.run_at(MONDAY_0905_CET) == 1
    assert "*Kudos given:* 1" in digest.told()[0]
    _channel_filter(digest, ["goal.created"])
    assert digest.run_at(MONDAY_0905_CET + timedelta(weeks=1)) == 0  # Mon 14 Jan
    _channel_filter(digest, ["digest.team"])
    digest.kudos("2030-01-15T10:00:00+00:00")  # Tue 15 Jan
    assert digest.run_at(MONDAY_0905_CET + timedelta(weeks=2)) == 1  # Mon 21 Jan
    titles = [r.json()["text"] for r in slack.received]
    assert "31 December" not in titles[1], titles
    assert "*Kudos given:* 1" in digest.told()[1], digest.told()[1]


def test_two_workers_making_the_digest_at_once_leave_its_copy_retriable(make_service, slack):
    """Two workers run the digest job at Monday 14's slot together (PostgreSQL), both reading
    the team's settings before either commits. The first makes the copy; the second, let on
    after the first commits, finds the copy made (`Notifier._make` answers None), counts it
    `missed`, and so wipes the channel's stored period. The copy, answered 429, is then failed
    on its retry ("the period this channel's copy tells is not known") instead of sent. The
    settings row is read locked, so the second run waits and finds the digest made."""
    digest = WeeklyDigest(make_service, slack)
    if digest.n.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    assert digest.run_at(MONDAY_0905_CET) == 1
    digest.kudos("2030-01-08T10:00:00+00:00")  # Tue 8 Jan
    digest.clock.set(MONDAY_0905_CET + timedelta(weeks=1))  # Mon 14 Jan
    job = scheduled_job(digest.n.container, "team-digests").run
    race = run_together(digest.n.container.engine,
                        lambda s: "FROM digest_settings" in s and "team_id =" in s, job, job)
    assert race.held == 2 and sorted(race.results) == [0, 1]
    slack.reply_with(too_many_requests(60))
    deliverer = digest.n.container.deliverer
    deliverer.deliver_due()
    deliverer.clock.advance(seconds=61)
    deliverer.deliver_due()
    assert [r.json()["text"] for r in slack.delivered()] == ["Weekly digest: Platform"] * 2
