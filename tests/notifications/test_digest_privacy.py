"""The weekly team digest speaks of no goal private when it is sent, made private while the
digest waited included."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
from sqlalchemy import update

from shared.clock import ControlledClock
from tests.notifications.support import Team, checkin, event, goal, handle, new_id, progressed
from tests.notifications.weekly_digest import WeeklyDigest
from tests.support.slack_server import OK, archived, too_many_requests
from tests.support.stack import scheduled_job

MONDAY_0905_BERLIN = datetime(2030, 1, 7, 8, 5, tzinfo=UTC)


def _digest_waiting_out_a_429(clock, make_service, slack, *, timezone: str = "Europe/Berlin",
                              checked_in_at: str | None = "2030-01-03T10:00:00+00:00",
                              health: str = "on_track", with_goal: bool = False):
    """Monday's 09:00 digest of a team with Ben's handbook (and Ana's goal `with_goal`), the
    handbook checked in at `checked_in_at` (None: not), made and answered 429 by Slack."""
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone=timezone, with_goal=with_goal)
    team.channel(slack.webhook(), event_types=["digest.team"])
    handbook = new_id()
    handle(n, goal(team.id, handbook, team.ben, "Write the handbook", health=health))
    if checked_in_at is not None:
        logged = checkin(team.id, handbook, team.ben, 3, at=checked_in_at)
        handle(n, logged, progressed(logged, 0.3))
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 9}).status_code == 200
    slack.reply_with(too_many_requests(60))
    scheduled_job(n.container, "team-digests").run()
    n.container.deliverer.deliver_due()
    [refused] = slack.received
    return n, team, handbook, str(refused.json()["blocks"])


def _digest_log(team) -> list[tuple[str, str | None]]:
    return [(e["notification"]["status"], e["notification"]["last_error"]) for e in team.log()
            if e["notification"]["event_type"] == "digest.team"]


def test_a_goal_made_private_while_the_digest_waits_out_a_429_is_not_in_it(make_service,
                                                                          slack):
    """The digest is made at 09:00 with Ben's off-track "Write the handbook" among the goals at
    risk; Slack answers 429, and Ben makes the goal private before the retry. The digest was
    sent as it was made, the private goal's title in the team's channel. It is made again as
    it leaves: the goal is not in it, nor in its counts."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, handbook, first = _digest_waiting_out_a_429(clock, make_service, slack,
                                                         health="off_track", with_goal=True,
                                                         checked_in_at=None)
    assert "*Write the handbook* (Ben)" in first  # made with it

    handle(n, goal(team.id, handbook, team.ben, "Write the handbook", health="off_track",
                   visibility="private", event_type="goal.updated"))
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    text = str(digest.json()["blocks"])
    assert "Write the handbook" not in text
    assert "off track" not in text and "🟢 1 on track" in text
    assert "*At risk:* nothing, nice work" in text
    assert [status for status, _ in _digest_log(team)] == ["sent"]


def test_a_digest_still_waiting_when_the_next_one_is_made_is_not_sent(make_service, slack):
    """Slack answers 429 for a day; meanwhile the lead moves the digest to Tuesdays and
    Tuesday's is made. Monday's, made again as it leaves, would tell Tuesday's week under
    Monday's id: it fails, the delivery log saying why, and Tuesday's is sent."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook(), event_types=["digest.team"])
    put = {"weekday": 0, "hour": 9}
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json=put).status_code == 200
    slack.reply_with(too_many_requests(3600))
    digests, deliver = scheduled_job(n.container, "team-digests").run, n.container.deliverer
    digests()
    deliver.deliver_due()
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={**put, "weekday": 1}).status_code == 200
    clock.advance(days=1)
    digests()
    deliver.deliver_due()
    deliver.deliver_due()
    assert len(slack.delivered()) == 1
    logged = sorted((e["notification"]["event_id"].split(":", 2)[2],
                     e["notification"]["status"], e["notification"]["last_error"])
                    for e in team.log())
    assert logged == [  # by the slots' ids: Monday's and Tuesday's 09:00 in Berlin
        ("2030-01-07T08:00:00+00:00", "failed", "a newer digest of the team was made since"),
        ("2030-01-08T08:00:00+00:00", "sent", None)]


def test_a_digest_made_again_tells_the_week_it_told_when_the_lead_moved_it(make_service,
                                                                           slack):
    """Ben checked in on Thursday; Monday's digest says so and is answered 429. The lead moves
    the digest to Fridays before the retry. Made again with Friday's week (Friday to Monday),
    it said 0/1 goals checked in: it tells Monday's week, as made."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, first = _digest_waiting_out_a_429(clock, make_service, slack)
    assert "1/1 goals checked in" in first
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 4, "hour": 9}).status_code == 200
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert "1/1 goals checked in" in str(digest.json()["blocks"])


def test_a_digest_made_again_tells_the_week_it_told_when_the_team_moved_timezone(
        make_service, slack):
    """Ben checked in on Monday 31 December at 11:00 Berlin time, in the week Monday's digest
    tells; the team moves to New York before the retry, where that week began at 15:00 Berlin
    time. It tells the week it told."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, first = _digest_waiting_out_a_429(clock, make_service, slack,
                                                  checked_in_at="2029-12-31T10:00:00+00:00")
    assert "1/1 goals checked in" in first
    handle(n, event("team.updated", team.id, name="Platform", timezone="America/New_York"))
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert "1/1 goals checked in" in str(digest.json()["blocks"])


def test_a_digest_the_team_turned_off_while_it_waited_is_not_sent(make_service, slack):
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, _ = _digest_waiting_out_a_429(clock, make_service, slack)
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"enabled": False, "weekday": 0, "hour": 9}).status_code == 200
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    assert slack.delivered() == []
    assert _digest_log(team) == [("failed", "the team turned its digest off since")]


def test_a_digest_with_nothing_left_to_tell_is_not_sent_empty(make_service, slack):
    """The team's only goal is made private while its digest waits: made again, it would
    tell an empty week in the channel."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, handbook, first = _digest_waiting_out_a_429(clock, make_service, slack)
    assert "1/1 goals checked in" in first
    handle(n, goal(team.id, handbook, team.ben, "Write the handbook", health="on_track",
                   visibility="private", event_type="goal.updated"))
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    assert slack.delivered() == []
    assert _digest_log(team) == [
        ("failed", "nothing to tell: no goal the team's channels may hear of, nor activity")]


def test_a_digest_whose_team_settings_are_gone_says_so(make_service, slack):
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, _ = _digest_waiting_out_a_429(clock, make_service, slack)
    with n.container.uow() as uow:
        uow.session.delete(uow.preferences.digest(team.id))
        uow.commit()
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    assert slack.delivered() == []
    assert _digest_log(team) == [("failed", "the team's digest settings are gone")]


def test_a_digest_made_again_tells_the_week_it_told_when_the_lead_moved_its_hour_that_day(
        make_service, slack):
    """Ben checked in on Monday 31 December at 10:00 Berlin time, in the week Monday's 09:00
    digest tells; it is answered 429, and the lead moves the digest to 12:00 the same day.
    At 12:00 the job made the day's digest again (its id then the day's, so nothing new was
    queued) and kept the 12:00 week as the week told: the 09:00 digest, made again at its
    retry, said 0/1 goals checked in, the week from 31 December 12:00. The job makes no second
    digest that day now, and the 09:00 one tells the week it told when made (README: whatever
    the digest's hour became)."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, first = _digest_waiting_out_a_429(clock, make_service, slack,
                                                  checked_in_at="2029-12-31T09:00:00+00:00")
    assert "1/1 goals checked in" in first
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 12}).status_code == 200
    clock.advance(hours=3)  # 12:05 Berlin: the job runs at the new hour
    scheduled_job(n.container, "team-digests").run()
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert "1/1 goals checked in" in str(digest.json()["blocks"])


def test_a_digest_waiting_since_before_ids_named_their_slot_is_still_sent(make_service, slack):
    """Digests' event ids named their slot's UTC day before they named the slot. One made so
    and waiting out a 429 at the upgrade is its slot's digest still, not one superseded."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, _ = _digest_waiting_out_a_429(clock, make_service, slack)
    table = n.container.metadata.tables["notifications"]
    with n.container.engine.begin() as conn:
        conn.execute(update(table).where(table.c.event_type == "digest.team")
                     .values(event_id=f"digest.team:{team.id}:2030-01-07"))
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    assert len(slack.delivered()) == 1
    assert [status for status, _ in _digest_log(team)] == ["sent"]


def test_a_digest_of_an_earlier_slot_waiting_with_its_old_id_is_not_sent_as_todays_too(
        make_service, slack):
    """New York's Monday 20:00 digest (Tuesday 01:00 UTC) was made before ids named their slot,
    so its id names Tuesday 8 January, and waits out a 429. The lead moves the digest to
    Tuesday 09:00 (Tuesday 14:00 UTC, another day for the team), and Tuesday's is made under
    its new id. Monday's, whose old id is the old form of Tuesday's slot too, is a digest of an
    earlier slot: superseded, not sent as a second copy of Tuesday's (review 22)."""
    monday_2005_est = datetime(2030, 1, 8, 1, 5, tzinfo=UTC)  # Mon 7 Jan, 20:05 EST
    digest = WeeklyDigest(make_service, slack, timezone="America/New_York",
                          start=monday_2005_est, hour=20)
    slack.reply_with(too_many_requests(3600))
    assert digest.run_at(monday_2005_est) == 1
    n, team = digest.n, digest.team
    table = n.container.metadata.tables["notifications"]
    with n.container.engine.begin() as conn:  # made before the upgrade: its slot's UTC day
        conn.execute(update(table).where(table.c.event_type == "digest.team")
                     .values(event_id=f"digest.team:{team.id}:2030-01-08"))
    digest.move(weekday=1, hour=9)
    assert digest.run_at(datetime(2030, 1, 8, 14, 5, tzinfo=UTC)) == 1  # Tue 8 Jan, 09:05 EST
    for _ in range(3):
        digest.clock.advance(seconds=61)
        n.container.deliverer.deliver_due()
    assert len(slack.delivered()) == 1
    assert sorted(_digest_log(team)) == [
        ("failed", "a newer digest of the team was made since"), ("sent", None)]


def test_the_week_of_a_digest_superseded_while_it_waited_is_told_by_the_next(make_service,
                                                                             slack):
    """Ben checked in on Thursday 3 January; Monday's digest tells it and is answered 429. The
    lead moves the digest to Tuesdays, and Tuesday's is made before Monday's retry: Monday's
    is superseded, and Tuesday's tells from Monday 09:00 only. Ben's check-in was then in no
    digest the channel saw: the one sent must tell it (nothing is lost on an outage; review
    22)."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, first = _digest_waiting_out_a_429(clock, make_service, slack)
    assert "1/1 goals checked in" in first
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 1, "hour": 9}).status_code == 200
    clock.advance(days=1)  # Tue 8 Jan, 09:05 Berlin: Monday's still waits
    assert scheduled_job(n.container, "team-digests").run() == 1
    n.container.deliverer.deliver_due()
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert sorted(_digest_log(team)) == [
        ("failed", "a newer digest of the team was made since"), ("sent", None)]
    assert "1/1 goals checked in" in str(digest.json()["blocks"])
    assert digest.json()["text"] == "Digest since Monday 31 December 2029: Platform"


@pytest.mark.parametrize("answer", [OK, too_many_requests(60)], ids=["sent", "429 again"])
def test_a_digest_being_sent_as_the_next_is_made_tells_its_week_once_whatever_its_answer(
        make_service, slack, answer):
    """Monday's digest, telling Ben's Thursday check-in, is being posted (claimed) when
    Tuesday's is made. Tuesday's waits for its answer: posted, Tuesday's tells from Monday
    09:00; answered 429 again, Monday's is superseded and Tuesday's tells its week. Ben's
    check-in is in exactly one digest the channel saw, not two, not none."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, _ = _digest_waiting_out_a_429(clock, make_service, slack)
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 1, "hour": 9}).status_code == 200
    clock.advance(days=1)  # Tue 8 Jan, 09:05 Berlin
    deliverer, digests = n.container.deliverer, scheduled_job(n.container, "team-digests").run
    [monday] = deliverer._claim_due()  # being posted
    assert digests() == 0  # waits for Monday's answer
    slack.reply_with(answer)
    deliverer._attempt(monday)
    assert digests() == 1
    clock.advance(seconds=61)
    deliverer.deliver_due()
    told = [str(r.json()["blocks"]) for r in slack.delivered()]
    assert len(told) == (2 if answer is OK else 1)
    assert sum("1/1 goals checked in" in text for text in told) == 1, told


def test_the_week_of_a_digest_turned_off_while_it_waited_is_told_when_it_is_on_again(
        make_service, slack):
    """Monday's digest, telling Ben's Thursday check-in, waits out a 429; the lead turns the
    digest off, so it fails, then on again on Tuesdays. Tuesday's told from Monday 09:00: the
    week before was in no digest the channel saw. It tells Monday's week too."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team, _, _ = _digest_waiting_out_a_429(clock, make_service, slack)
    for put in ({"enabled": False, "weekday": 0, "hour": 9}, {"weekday": 1, "hour": 9}):
        assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                            json=put).status_code == 200
        clock.advance(seconds=61)
        n.container.deliverer.deliver_due()
    clock.set(datetime(2030, 1, 8, 8, 5, tzinfo=UTC))  # Tue 8 Jan, 09:05 Berlin
    assert scheduled_job(n.container, "team-digests").run() == 1
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert sorted(_digest_log(team)) == [("failed", "the team turned its digest off since"),
                                         ("sent", None)]
    assert "1/1 goals checked in" in str(digest.json()["blocks"])


def test_the_week_of_a_digest_failed_by_a_channel_gone_is_told_when_the_channel_is_back(
        make_service, slack):
    """Ben checked in on Thursday 3 January; Monday 7's digest tells it and Slack answers 410
    (the channel archived): it fails and the channel is disabled. Monday 14's digest is made
    while the channel is still off, to no channel; the lead enables it again on Tuesday 15.
    Monday 21's digest told from Monday 14 only (a digest made to no channel counted as told):
    Ben's check-in reached the channel in no digest. Nothing is lost on an outage: the first
    digest the channel gets tells from where the undelivered week began."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team = _mondays_in_berlin(make_service, clock)
    channel = team.channel(slack.webhook(), event_types=["digest.team"])
    _bens_handbook(n, team, "2030-01-03T10:00:00+00:00")
    digests, deliverer = scheduled_job(n.container, "team-digests").run, n.container.deliverer
    slack.reply_with(archived())
    assert digests() == 1
    deliverer.deliver_due()
    [gone] = slack.received
    assert gone.status == 410 and "1/1 goals checked in" in str(gone.json()["blocks"])
    clock.advance(days=7)  # Mon 14 Jan, 09:05 Berlin: the channel is still disabled
    assert digests() == 0
    clock.advance(days=1)
    enabled = n.client.patch(f"/v1/teams/{team.id}/channels/{channel['id']}",
                             headers=team.auth(), json={"state": "active"})
    assert enabled.json["state"] == "active"
    clock.advance(days=6)  # Mon 21 Jan, 09:05 Berlin
    assert digests() == 1
    deliverer.deliver_due()
    [digest] = slack.delivered()
    assert "1/1 goals checked in" in str(digest.json()["blocks"]), digest.json()["text"]


def test_a_digest_made_again_after_the_team_moved_timezone_keeps_its_weekly_title(
        make_service, slack):
    """Monday 11 March 2030's digest is made weekly in Berlin (09:00 CET, a week after Monday
    4's) and answered 429; the team moves to New York, which changed to summer time on Sunday
    10 March, before the retry. Made again, it tells the week it told, and is titled as made
    (`week_digest`: "a digest made again as it leaves is titled as made"): in New York's
    clock the same week reads 7 days and an hour, and it left as "Digest since Monday 4
    March"."""
    clock = ControlledClock(datetime(2030, 3, 11, 8, 5, tzinfo=UTC))  # Mon 09:05 CET
    n, team, _, _ = _digest_waiting_out_a_429(clock, make_service, slack,
                                              checked_in_at="2030-03-07T10:00:00+00:00")
    [refused] = slack.received
    assert refused.json()["text"] == "Weekly digest: Platform"
    handle(n, event("team.updated", team.id, name="Platform", timezone="America/New_York"))
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert "1/1 goals checked in" in str(digest.json()["blocks"])
    assert digest.json()["text"] == "Weekly digest: Platform"


def test_a_team_that_connects_its_first_channel_gets_a_weekly_digest_not_the_weeks_before(
        make_service, slack):
    """Ben checked in on Thursday 3 January, when the team had no channel taking digests:
    Monday 7's digest went nowhere, and needed to go nowhere. The lead connects a channel on
    Tuesday 8; Monday 14's digest tells its own week, titled weekly, not the weeks before the
    team had a channel."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team = _mondays_in_berlin(make_service, clock)
    _bens_handbook(n, team, "2030-01-03T10:00:00+00:00")
    digests = scheduled_job(n.container, "team-digests").run
    assert digests() == 0  # no channel: made, sent to none
    clock.advance(days=1)
    team.channel(slack.webhook(), event_types=["digest.team"])
    clock.advance(days=6)  # Mon 14 Jan, 09:05 Berlin
    assert digests() == 1
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert digest.json()["text"] == "Weekly digest: Platform"
    assert "0/1 goals checked in" in str(digest.json()["blocks"])


def test_the_digest_after_one_with_nothing_to_tell_is_weekly(make_service, slack):
    """The team had no goal on Monday 7 January: that digest had nothing to tell and was not
    sent. Ben makes a goal on Tuesday 8 and checks in: Monday 14's digest tells its week,
    titled weekly, not "since" the week before that had nothing in it."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n, team = _mondays_in_berlin(make_service, clock)
    team.channel(slack.webhook(), event_types=["digest.team"])
    digests = scheduled_job(n.container, "team-digests").run
    assert digests() == 0  # nothing to tell
    _bens_handbook(n, team, "2030-01-08T10:00:00+00:00")
    clock.advance(days=7)  # Mon 14 Jan, 09:05 Berlin
    assert digests() == 1
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    assert digest.json()["text"] == "Weekly digest: Platform"
    assert "1/1 goals checked in" in str(digest.json()["blocks"])


def _mondays_in_berlin(make_service, clock: ControlledClock):
    """A Berlin team with no goal and no channel yet, its digest on Mondays at 09:00."""
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin", with_goal=False)
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 9}).status_code == 200
    return n, team


def _bens_handbook(n, team: Team, checked_in_at: str) -> None:
    """Ben's goal "Write the handbook", and his check-in on it at `checked_in_at`."""
    handbook = new_id()
    handle(n, goal(team.id, handbook, team.ben, "Write the handbook"))
    logged = checkin(team.id, handbook, team.ben, 3, at=checked_in_at)
    handle(n, logged, progressed(logged, 0.3))


def test_each_channel_of_a_team_hears_of_every_week_when_one_missed_the_last_digest(
        make_service, slack):
    """Two channels take the digest. Monday 7's, telling Ben's Thursday check-in, is posted to
    ONE and answered 429 for an hour by TWO. Monday 14's digest is made before the retry:
    TWO's copy of Monday 7's is superseded, so TWO's Monday 14 tells from where TWO was last
    told (Monday 31 December), Ben's check-in in it; ONE's tells its one week, nothing twice.
    (The week is each channel's: review 24.)"""
    one, two, digests, deliverer = _two_channels_one_missed_monday_7(make_service, slack)
    slack.reply_with(OK, OK)
    assert digests() == 2
    deliverer.deliver_due()
    assert _told(slack, one) == [("Weekly digest: Platform", True),
                                 ("Weekly digest: Platform", False)]
    assert _told(slack, two) == [("Digest since Monday 31 December 2029: Platform", True)]


def test_copies_of_one_digest_telling_their_channels_different_periods_keep_them_on_retry(
        make_service, slack):
    """Monday 14's digest tells ONE its week and TWO (which missed Monday 7's) two weeks; both
    copies are answered 429 and retried in one pass: each is made again with its own period
    and title, not the other's."""
    one, two, digests, deliverer = _two_channels_one_missed_monday_7(make_service, slack)
    slack.reply_with(too_many_requests(60), too_many_requests(60))
    assert digests() == 2
    deliverer.deliver_due()
    deliverer.clock.advance(seconds=61)
    slack.reply_with(OK, OK)
    deliverer.deliver_due()
    assert _told(slack, one) == [("Weekly digest: Platform", True),
                                 ("Weekly digest: Platform", False)]
    assert _told(slack, two) == [("Digest since Monday 31 December 2029: Platform", True)]


def _two_channels_one_missed_monday_7(make_service, slack):
    """A Berlin team with channels ONE and TWO taking its Monday 09:00 digest; Ben checked in
    on Thursday 3 January. Monday 7's digest went to ONE; TWO answered 429 for an hour. The
    clock is then Monday 14, 09:05 Berlin, TWO's copy still waiting: the URLs of ONE and TWO,
    the digest job and the deliverer."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin", with_goal=False)
    one, two = (slack.webhook(name) for name in ("T000/B000/ONE", "T000/B000/TWO"))
    for url in (one, two):
        team.channel(url, event_types=["digest.team"])
    handbook = new_id()
    handle(n, goal(team.id, handbook, team.ben, "Write the handbook"))
    logged = checkin(team.id, handbook, team.ben, 3, at="2030-01-03T10:00:00+00:00")
    handle(n, logged, progressed(logged, 0.3))
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 9}).status_code == 200
    digests, deliverer = scheduled_job(n.container, "team-digests").run, n.container.deliverer
    slack.reply_with(OK, too_many_requests(3600))
    assert digests() == 2
    deliverer.deliver_due()
    assert [(r.path, r.status) for r in slack.received] == [(_path(one), 200), (_path(two), 429)]
    clock.advance(days=7)
    return one, two, digests, deliverer


def _path(url: str) -> str:
    return urlsplit(url).path


def _told(slack, url: str) -> list[tuple[str, bool]]:
    """The digests posted to `url`: each one's title, and whether it tells Ben's check-in."""
    return [(r.json()["text"], "1/1 goals checked in" in str(r.json()["blocks"]))
            for r in slack.delivered() if r.path == _path(url)]
