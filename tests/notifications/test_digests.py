"""Digests: the weekly team digest at the team's chosen time, and members' personal digests."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

from sqlalchemy import select

from services.notifications.domain.notification import Notification
from shared.clock import ControlledClock
from tests.notifications.support import (
    AT,
    Team,
    checkin,
    event,
    goal,
    handle,
    held_ids,
    make_digests_at_eight,
    new_id,
)
from tests.notifications.weekly_digest import MONDAY_0905_CET, WeeklyDigest
from tests.support.races import run_together
from tests.support.stack import scheduled_job

MONDAY_0830_BERLIN = datetime(2030, 1, 7, 7, 30, tzinfo=UTC)


def job(container, name: str):
    return scheduled_job(container, name).run


def test_weekly_team_digest_goes_out_once_at_the_chosen_day_and_hour(make_service, slack):
    clock = ControlledClock(MONDAY_0830_BERLIN)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook(), event_types=["digest.team"])
    risky, hidden = new_id(), new_id()
    handle(n,
           goal(team.id, risky, team.ben, "Write the handbook", health="off_track"),
           goal(team.id, hidden, team.ben, "Secret plan", visibility="private",
                health="off_track"),
           checkin(team.id, team.goal, team.ana, 30, at="2030-01-03T10:00:00+00:00"),
           event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                 from_id=team.ben, to_id=team.ana, emoji="🎉", at="2030-01-04T10:00:00+00:00"),
           event("streak.reached", team.id, goal_id=team.goal, owner_id=team.ana, length=5,
                 at="2030-01-05T10:00:00+00:00"))
    settings = n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                            json={"weekday": 0, "hour": 9})
    assert settings.status_code == 200, settings.json
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(team.ana),
                        json={"weekday": 0, "hour": 9}).status_code == 403
    run_digests, deliver = job(n.container, "team-digests"), n.container.deliverer.deliver_due
    run_digests()
    deliver()
    assert slack.received == []  # 08:30 in Berlin: not yet
    clock.set(datetime(2030, 1, 7, 8, 5, tzinfo=UTC))  # 09:05 in Berlin
    run_digests()
    run_digests()
    deliver()
    [digest] = slack.received
    text = str(digest.json()["blocks"])
    assert digest.json()["text"] == "Weekly digest: Platform"
    assert "🔴 1 off track" in text and "🟢 1 on track" in text
    assert "1/2 goals checked in" in text
    assert "*Kudos given:* 1" in text
    assert "*Ana* reached a 5 check-in streak" in text
    assert "*Write the handbook* (Ben)" in text
    assert "Secret plan" not in text


def test_a_weekly_digest_covers_the_week_since_the_last_one_across_a_change_of_clock(
        make_service, slack):
    """Berlin moves to summer time on Sunday 31 March 2030; the digest is on Mondays at 09:00.
    Kudos at 08:30 on the 25th are in that day's digest and not again in the next one (which a
    week of 7 × 24 h, from 08:00 on the 25th, counted a second time)."""
    clock = ControlledClock(datetime(2030, 3, 25, 7, 0, tzinfo=UTC))  # Mon 08:00 CET
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook(), event_types=["digest.team"])
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 9}).status_code == 200
    handle(n, event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                    from_id=team.ben, to_id=team.ana, emoji="🎉",
                    at="2030-03-25T07:30:00+00:00"))  # 08:30 CET, before that day's digest
    run, deliver = job(n.container, "team-digests"), n.container.deliverer.deliver_due
    for moment in (datetime(2030, 3, 25, 8, 5, tzinfo=UTC),  # 09:05 CET
                   datetime(2030, 4, 1, 7, 5, tzinfo=UTC)):  # 09:05 CEST, a week later
        clock.set(moment)
        assert run() == 1
        deliver()
    first, second = (str(r.json()["blocks"]) for r in slack.received)
    assert "*Kudos given:* 1" in first
    assert "*Kudos given:* 0" in second
    assert [r.json()["text"] for r in slack.received] == ["Weekly digest: Platform"] * 2


def test_a_digest_moved_to_a_later_weekday_tells_from_the_last_digest_not_a_week_before(
        make_service, slack):
    """Monday's 09:00 digest told Saturday's kudos; the lead then moves the digest to Fridays.
    Friday's tells what came since Monday's (Tuesday's kudos), not the week from the Friday
    before, which counted Saturday's kudos a second time."""
    digest = WeeklyDigest(make_service, slack)
    digest.kudos("2030-01-05T10:00:00+00:00")  # Saturday
    digest.kudos("2030-01-08T10:00:00+00:00")  # Tuesday
    assert digest.run_at(MONDAY_0905_CET) == 1
    digest.move(weekday=4, hour=9)
    assert digest.run_at(datetime(2030, 1, 11, 8, 5, tzinfo=UTC)) == 1  # Fri 11 Jan, 09:05 CET
    monday, friday = digest.told()
    assert "*Kudos given:* 1" in monday  # Saturday's; Tuesday's had not happened yet
    assert "*Kudos given:* 1" in friday  # Tuesday's only
    assert [r.json()["text"] for r in slack.received] == [
        "Weekly digest: Platform", "Digest since Monday 7 January: Platform"]


def test_a_digest_moved_to_a_later_hour_the_day_it_went_out_waits_for_its_next_day(
        make_service, slack):
    """The 09:00 digest went out; the lead moves it to 12:00 the same Monday. No second
    digest that day (one a day): the next is the Monday after, at 12:00."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    digest.move(weekday=0, hour=12)
    assert digest.run_at(datetime(2030, 1, 7, 11, 5, tzinfo=UTC)) == 0  # 12:05 CET, that day
    assert digest.run_at(datetime(2030, 1, 14, 11, 5, tzinfo=UTC)) == 1  # the next Monday
    assert len(digest.told()) == 2


def test_a_digest_moved_to_a_later_hour_waits_for_its_next_day_in_the_teams_own_days(
        make_service, slack):
    """Sydney's Monday 09:00 digest (Sunday 22:00 UTC) went out; the lead moves it to 12:00 the
    same Monday (Monday 01:00 UTC). No second digest that Monday, as for a team in Berlin: the
    rule's "day" is the team's, not UTC's."""
    monday_0905_aedt = datetime(2030, 1, 6, 22, 5, tzinfo=UTC)
    digest = WeeklyDigest(make_service, slack, timezone="Australia/Sydney",
                          start=monday_0905_aedt)
    assert digest.run_at(monday_0905_aedt) == 1
    digest.move(weekday=0, hour=12)
    digest.run_at(datetime(2030, 1, 7, 1, 5, tzinfo=UTC))  # 12:05 AEDT, the same Monday
    assert len(digest.told()) == 1


def test_a_digest_moved_to_a_later_hour_tells_what_came_since_the_last_one(make_service, slack):
    """Monday's 09:00 digest went out; kudos came at 10:00; the lead moves the digest to 12:00.
    The next Monday's 12:00 digest tells those kudos: no digest told them, and a week from
    12:00 the Monday before leaves 09:00 to 12:00 of that day out of every digest."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    digest.kudos("2030-01-07T09:00:00+00:00")  # 10:00 CET, after that digest
    digest.move(weekday=0, hour=12)
    assert digest.run_at(datetime(2030, 1, 14, 11, 5, tzinfo=UTC)) == 1  # the next Monday
    first, second = digest.told()
    assert "*Kudos given:* 0" in first
    assert "*Kudos given:* 1" in second


def test_a_member_on_daily_digest_gets_one_feed_item_at_eight(make_service):
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    response = n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                            json={"delivery": "digest", "digest": "daily"})
    assert response.json["delivery"] == "digest"
    handle(n, checkin(team.id, team.goal, team.ana, 10, at=AT),
           checkin(team.id, team.goal, team.ana, 20, at=AT))
    run = job(n.container, "personal-digests")
    run()
    assert [i for i in team.feed(team.ben) if i["event_type"] == "checkin.logged"] == []
    assert [i for i in team.feed(team.ben) if i["event_type"] == "digest.personal"] == []
    clock.set(datetime(2030, 1, 8, 8, 1, tzinfo=UTC))
    run()
    run()
    [digest] = [i for i in team.feed(team.ben) if i["event_type"] == "digest.personal"]
    assert digest["title"] == "Your daily digest: 2 updates"
    assert "10 km" in digest["text"] and "20 km" in digest["text"]


def test_an_update_stamped_before_a_digest_that_lands_after_it_is_in_the_next_digest(
        make_service):
    """An update stamped 07:59:59 whose transaction commits after the 08:00 digest was made
    (or made by a worker whose clock is a second behind) waits for the next digest. It was
    folded into the 08:00 digest that had gone out already: marked digested, shown nowhere."""
    clock = ControlledClock(datetime(2030, 1, 8, 7, 50, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                 json={"delivery": "digest", "digest": "daily"})
    run = job(n.container, "personal-digests")
    handle(n, checkin(team.id, team.goal, team.ana, 10))
    clock.set(datetime(2030, 1, 8, 8, 0, 1, tzinfo=UTC))
    run()
    clock.set(datetime(2030, 1, 8, 7, 59, 59, tzinfo=UTC))
    handle(n, checkin(team.id, team.goal, team.ana, 20))
    clock.set(datetime(2030, 1, 8, 8, 5, tzinfo=UTC))
    run()
    clock.set(datetime(2030, 1, 9, 8, 1, tzinfo=UTC))
    run()
    digests = [i for i in team.feed(team.ben) if i["event_type"] == "digest.personal"]
    assert [d["title"] for d in digests] == ["Your daily digest: 1 update"] * 2
    assert "20 km" in digests[0]["text"] and "10 km" in digests[1]["text"]


def waiting_for_the_digest(n, member_id: str) -> list[str]:
    with n.container.uow() as uow:
        return list(uow.session.scalars(select(Notification.id).where(
            Notification.recipient_id == member_id, Notification.status == "digest")))


def ben_on_daily_digest(make_service, *values: float):
    """Ben on daily digests at Monday noon, with Ana's check-ins of `values` waiting for it:
    the clock, the service, the team and the ids of what waits."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                 json={"delivery": "digest", "digest": "daily"})
    handle(n, *(checkin(team.id, team.goal, team.ana, value) for value in values))
    waited = waiting_for_the_digest(n, team.ben)
    assert len(waited) == len(values)
    return clock, n, team, waited


def mute_meanwhile(n, team: Team, muted: str) -> None:
    """Ben's mute of `muted`, committed by a transaction of its own (as a save the handlers
    racing it did not see)."""
    with n.container.uow() as uow:
        uow.preferences.of(team.ben, team.id).muted = muted
        uow.commit()


def feed_of(team: Team, member_id: str, event_type: str) -> Counter:
    """The member's feed items of `event_type`, counted by id."""
    return Counter(i["id"] for i in team.feed(member_id) if i["event_type"] == event_type)


def test_muting_the_personal_digest_shows_what_waited_for_it_in_the_feed(make_service):
    """Ben, on daily digests, mutes the digest itself: the updates that waited for it were
    folded into a digest nobody got, and were shown nowhere. They now show in his feed, each
    once, on the deliverer's next pass, and later updates come one by one."""
    clock, n, team, waited = ben_on_daily_digest(make_service, 10, 20)
    muted = n.client.put("/v1/me/preferences", headers=team.auth(team.ben), json={
        "delivery": "digest", "digest": "daily", "muted": ["digest.personal"]})
    assert muted.status_code == 200, muted.json
    n.container.deliverer.deliver_due()
    assert feed_of(team, team.ben, "checkin.logged") == Counter(waited)
    handle(n, checkin(team.id, team.goal, team.ana, 30))
    make_digests_at_eight(clock, n)
    n.container.deliverer.deliver_due()
    shown = feed_of(team, team.ben, "checkin.logged")
    assert len(shown) == 3 and set(waited) < set(shown) and set(shown.values()) == {1}
    assert feed_of(team, team.ben, "digest.personal") == Counter()


def test_muting_a_type_drops_what_of_it_waited_for_the_digest(make_service):
    """Ben, on daily digests, mutes check-ins: the two waiting for his digest were still in it."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    digest = {"delivery": "digest", "digest": "daily"}
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben), json=digest)
    handle(n, checkin(team.id, team.goal, team.ana, 10), checkin(team.id, team.goal, team.ana, 20),
           event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                 from_id=team.ana, to_id=team.ben, emoji="🎉", at=AT))
    assert len(waiting_for_the_digest(n, team.ben)) == 3
    muted = n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                         json={**digest, "muted": ["checkin.logged"]})
    assert muted.status_code == 200, muted.json
    make_digests_at_eight(clock, n)
    n.container.deliverer.deliver_due()
    [shown] = [i for i in team.feed(team.ben) if i["event_type"] == "digest.personal"]
    assert shown["title"] == "Your daily digest: 1 update"
    assert "kudos" in shown["text"]
    assert "10 km" not in shown["text"] and "20 km" not in shown["text"]
    assert feed_of(team, team.ben, "checkin.logged") == Counter()


def test_muting_the_digest_drops_a_digest_made_and_held_by_quiet_hours(make_service):
    """Ben's 08:00 digest was made while his quiet hours (07:00-09:00) held it; he muted the
    digest at 08:30 and it still showed at 09:00. Muting now drops it, as muting a type drops
    what is held of that type."""
    clock, n, team, waited = ben_on_daily_digest(make_service, 10)
    quiet = {"delivery": "digest", "digest": "daily",
             "quiet_hours": {"start": "07:00", "end": "09:00"}}
    put = n.client.put("/v1/me/preferences", headers=team.auth(team.ben), json=quiet)
    assert put.status_code == 200, put.json
    make_digests_at_eight(clock, n)
    assert len(held_ids(n, team.ben)) == 1  # the digest, made and held
    clock.set(datetime(2030, 1, 8, 8, 30, tzinfo=UTC))
    muted = n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                         json={**quiet, "muted": ["digest.personal"]})
    assert muted.status_code == 200, muted.json
    clock.set(datetime(2030, 1, 8, 9, 1, tzinfo=UTC))
    n.container.deliverer.deliver_due()
    assert feed_of(team, team.ben, "digest.personal") == Counter()


def test_going_back_to_immediate_delivery_shows_what_waited_for_the_digest(make_service):
    clock, n, team, waited = ben_on_daily_digest(make_service, 10)
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                 json={"delivery": "immediate"})
    n.container.deliverer.deliver_due()
    assert feed_of(team, team.ben, "checkin.logged") == Counter(waited)
    make_digests_at_eight(clock, n)
    n.container.deliverer.deliver_due()
    assert feed_of(team, team.ben, "digest.personal") == Counter()
    assert feed_of(team, team.ben, "checkin.logged") == Counter(waited)


def test_going_immediate_as_the_digest_is_made_shows_each_update_once(make_service):
    """Ben goes back to immediate delivery in the moment his 08:00 digest is made: both read
    the updates waiting for it before either commits (held there up to 2 s, as two workers at
    once may be). Each update showed twice: in the digest and on its own."""
    clock, n, team, waited = ben_on_daily_digest(make_service, 10, 20)
    clock.set(datetime(2030, 1, 8, 8, 1, tzinfo=UTC))

    def save() -> None:
        saved = n.app.test_client().put("/v1/me/preferences", headers=team.auth(team.ben),
                                        json={"delivery": "immediate"})
        assert saved.status_code == 200, saved.json

    def reads_what_waits(sql: str) -> bool:
        return (sql.lstrip().upper().startswith("SELECT") and "FROM notifications" in sql
                and "notifications.status" in sql and "recipient_id = " in sql)

    race = run_together(n.container.engine, reads_what_waits,
                        save, job(n.container, "personal-digests"))
    if n.container.engine.dialect.name == "postgresql":  # SQLite writes one at a time
        assert race.held == 2  # both reached their read
    n.container.deliverer.deliver_due()
    alone = feed_of(team, team.ben, "checkin.logged")
    digests = [i for i in team.feed(team.ben) if i["event_type"] == "digest.personal"]
    in_digests = sum(("10 km" in d["text"]) + ("20 km" in d["text"]) for d in digests)
    assert sorted(alone.values()) + [1] * in_digests == [1, 1], (alone, digests)
    assert not alone or set(alone) == set(waited)


def test_an_update_left_waiting_for_a_digest_the_member_muted_shows_at_the_digest_hour(
        make_service):
    """An update placed for the digest by a transaction that read Ben's preferences before he
    muted the digest: the digest job folded it into a digest it never made."""
    clock, n, team, waited = ben_on_daily_digest(make_service, 10)
    mute_meanwhile(n, team, "digest.personal")  # the mute, committed meanwhile
    make_digests_at_eight(clock, n)
    n.container.deliverer.deliver_due()
    assert feed_of(team, team.ben, "checkin.logged") == Counter(waited)
    assert feed_of(team, team.ben, "digest.personal") == Counter()


def test_an_update_placed_for_the_digest_as_its_type_was_muted_is_not_in_the_digest(
        make_service):
    """Ben, on daily digests, mutes check-ins while a check-in is being placed for his digest:
    the transaction placing it read his preferences before the mute saved and committed after
    it, so the mute's save did not see it (it drops only what was waiting when it saved). The
    digest still showed it; it now leaves it out, as the mute says."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    digest = {"delivery": "digest", "digest": "daily"}
    n.client.put("/v1/me/preferences", headers=team.auth(team.ben), json=digest)
    handle(n, checkin(team.id, team.goal, team.ana, 10),
           event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                 from_id=team.ana, to_id=team.ben, emoji="🎉", at=AT))
    assert len(waiting_for_the_digest(n, team.ben)) == 2
    mute_meanwhile(n, team, "checkin.logged")  # the mute, committed after the check-in was placed
    make_digests_at_eight(clock, n)
    n.container.deliverer.deliver_due()
    [shown] = [i for i in team.feed(team.ben) if i["event_type"] == "digest.personal"]
    assert shown["title"] == "Your daily digest: 1 update", shown
    assert "kudos" in shown["text"] and "10 km" not in shown["text"]
    assert feed_of(team, team.ben, "checkin.logged") == Counter()
    with n.container.uow() as uow:
        statuses = Counter(uow.session.scalars(select(Notification.status).where(
            Notification.recipient_id == team.ben, Notification.event_type == "checkin.logged")))
    assert statuses == Counter({"muted": 1})


def test_kudos_on_a_private_goal_are_not_counted_in_the_team_digest(make_service, slack):
    """The digest leaves private goals out of every line: the kudos count counted theirs."""
    clock = ControlledClock(MONDAY_0830_BERLIN)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook(), event_types=["digest.team"])
    hidden = new_id()
    handle(n, goal(team.id, hidden, team.ben, "Secret plan", visibility="private"),
           *[event("kudos.given", team.id, checkin_id=new_id(), goal_id=goal_id,
                   from_id=team.ana, to_id=team.ben, emoji="🎉", at="2030-01-04T10:00:00+00:00")
             for goal_id in (team.goal, hidden)])
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 9}).status_code == 200
    clock.set(datetime(2030, 1, 7, 8, 5, tzinfo=UTC))  # 09:05 in Berlin
    job(n.container, "team-digests")()
    n.container.deliverer.deliver_due()
    [digest] = slack.received
    assert "*Kudos given:* 1" in str(digest.json()["blocks"])


def test_a_team_with_no_goals_and_no_activity_gets_no_digest_but_a_quiet_team_with_goals_does(
        make_service, slack):
    """A team with nothing at all got "Weekly digest: no open goals, 0 kudos" every week. It
    gets none now; a team whose goals nobody checked in on still gets its digest, as that
    silence is the week's news."""
    clock = ControlledClock(MONDAY_0830_BERLIN)
    n = make_service("notifications", clock=clock, start_worker=False)
    empty = Team(n, timezone="Europe/Berlin", with_goal=False)
    quiet = Team(n, timezone="Europe/Berlin")
    for team, hook in ((empty, "T/B/empty"), (quiet, "T/B/quiet")):
        team.channel(slack.webhook(hook), event_types=["digest.team"])
        assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                            json={"weekday": 0, "hour": 9}).status_code == 200
    clock.set(datetime(2030, 1, 7, 8, 5, tzinfo=UTC))  # 09:05 in Berlin

    job(n.container, "team-digests")()
    job(n.container, "team-digests")()
    n.container.deliverer.deliver_due()

    [digest] = slack.received
    assert digest.path == "/services/T/B/quiet"
    assert "0/1 goals checked in" in str(digest.json()["blocks"])
    assert empty.log() == []


def test_a_digest_moved_to_the_next_day_goes_out_that_day_in_a_team_west_of_utc(
        make_service, slack):
    """New York's Monday 20:00 digest went out (Tuesday 01:00 UTC); kudos came at 22:00; the
    lead moves the digest to Tuesday 09:00 (Tuesday 14:00 UTC). Tuesday is another day for the
    team, as it is for a Berlin team moving the same way, whose Tuesday digest goes out: New
    York's must too, telling the kudos, not wait a week because both slots are of one UTC day
    (review 20)."""
    monday_2005_est = datetime(2030, 1, 8, 1, 5, tzinfo=UTC)  # Mon 7 Jan, 20:05 EST
    digest = WeeklyDigest(make_service, slack, timezone="America/New_York",
                          start=monday_2005_est, hour=20)
    assert digest.run_at(monday_2005_est) == 1
    digest.kudos("2030-01-08T03:00:00+00:00")  # Mon 22:00 EST, after that digest
    digest.move(weekday=1, hour=9)
    assert digest.run_at(datetime(2030, 1, 8, 14, 5, tzinfo=UTC)) == 1  # Tue 8 Jan, 09:05 EST
    monday, tuesday = digest.told()
    assert "*Kudos given:* 0" in monday
    assert "*Kudos given:* 1" in tuesday


def test_a_digest_moved_to_an_earlier_weekday_than_today_tells_what_came_since_the_last_one(
        make_service, slack):
    """Monday's 09:00 digest went out; kudos came on Tuesday; on Thursday the lead moves the
    digest to Wednesday 09:00, this week's Wednesday slot long past. The next digest, the
    Wednesday after (nine days after Monday's), must tell Tuesday's kudos: a week from the
    Wednesday before leaves Monday 09:00 to Wednesday 09:00 out of every digest (review 20)."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    digest.kudos("2030-01-08T10:00:00+00:00")  # Tue 8 Jan, 11:00 CET
    digest.clock.set(datetime(2030, 1, 10, 10, 0, tzinfo=UTC))  # Thu 10 Jan, 11:00 CET
    digest.move(weekday=2, hour=9)
    assert digest.run_at(digest.clock.now()) == 0  # Wednesday's slot was yesterday
    assert digest.run_at(datetime(2030, 1, 16, 8, 5, tzinfo=UTC)) == 1  # Wed 16 Jan, 09:05 CET
    monday, wednesday = digest.told()
    assert "*Kudos given:* 0" in monday
    assert "*Kudos given:* 1" in wednesday


def test_a_digest_skipped_for_being_late_then_moved_to_a_weekday_past_leaves_nothing_out(
        make_service, slack):
    """Monday 7's 09:00 digest went out; kudos came on Tuesday 8. The worker was down through
    Monday 14's slot (skipped, days late); on Thursday 17 the lead moves the digest to
    Wednesday 09:00, Wednesday 16's slot long past. The next digest, Wednesday 23's (16 days
    after Monday 7's), must tell Tuesday's kudos: each of the two alone is within the reach,
    together they leave 7 to 16 January out of every digest (review 22)."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    digest.kudos("2030-01-08T10:00:00+00:00")  # Tue 8 Jan, 11:00 CET
    # Mon 14 Jan, 17:00 CET, back up: that morning's slot past the grace, skipped
    assert digest.run_at(datetime(2030, 1, 14, 16, 0, tzinfo=UTC)) == 0
    digest.clock.set(datetime(2030, 1, 17, 10, 0, tzinfo=UTC))  # Thu 17 Jan, 11:00 CET
    digest.move(weekday=2, hour=9)
    assert digest.run_at(digest.clock.now()) == 0  # Wednesday's slot was yesterday
    assert digest.run_at(datetime(2030, 1, 23, 8, 5, tzinfo=UTC)) == 1  # Wed 23 Jan, 09:05 CET
    monday, wednesday = digest.told()
    assert "*Kudos given:* 0" in monday
    assert "*Kudos given:* 1" in wednesday


def test_the_digest_after_the_worker_was_down_for_weeks_tells_them_and_says_since_when(
        make_service, slack):
    """Monday 7's digest went out; kudos came on Tuesday 8 and Tuesday 5 February; the worker
    was down through four Mondays' slots (skipped, days late). Monday 11 February's digest
    told the week from 4 February only (more than 22 days since the last digest): Tuesday 8's
    kudos were in no digest, and nothing said the weeks before were left out. It tells all
    that came since Monday 7's digest, and its title says since when."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    digest.kudos("2030-01-08T10:00:00+00:00")  # Tue 8 Jan
    digest.kudos("2030-02-05T10:00:00+00:00")  # Tue 5 Feb
    assert digest.run_at(datetime(2030, 2, 11, 8, 5, tzinfo=UTC)) == 1  # Mon 11 Feb, 09:05 CET
    assert "*Kudos given:* 2" in digest.told()[1]
    assert [r.json()["text"] for r in slack.received] == [
        "Weekly digest: Platform", "Digest since Monday 7 January: Platform"]


def test_a_digest_turned_on_again_after_months_tells_its_one_week(make_service, slack):
    """The lead turned the digest off after Monday 7 January's and on again in April: the
    first digest is the weekly one, not a quarter's, nor titled since January."""
    digest = WeeklyDigest(make_service, slack)
    assert digest.run_at(MONDAY_0905_CET) == 1
    url, auth = f"/v1/teams/{digest.team.id}/digest", digest.team.auth()
    off = {"enabled": False, "weekday": 0, "hour": 9}
    assert digest.n.client.put(url, headers=auth, json=off).status_code == 200
    digest.kudos("2030-01-08T10:00:00+00:00")  # Tue 8 Jan
    digest.kudos("2030-04-02T10:00:00+00:00")  # Tue 2 Apr
    assert digest.n.client.put(url, headers=auth,
                               json={**off, "enabled": True}).status_code == 200
    assert digest.run_at(datetime(2030, 4, 8, 7, 5, tzinfo=UTC)) == 1  # Mon 8 Apr, 09:05 CEST
    assert "*Kudos given:* 1" in digest.told()[1]
    assert slack.received[1].json()["text"] == "Weekly digest: Platform"


def test_weekly_digests_at_an_hour_the_change_to_summer_time_skips_are_titled_weekly(
        make_service, slack):
    """The digest is on Sundays at 02:00 in Berlin; on Sunday 31 March 2030 the clock jumps
    from 02:00 to 03:00, so that day's digest leaves at 03:00 (01:00 UTC, a week of 7 × 24 h
    after the last). Each digest tells its one week (`week_of`), none of them more or less:
    all are titled "Weekly digest". The two digests next to the change were titled "Digest
    since Sunday 24 March" and "Digest since Sunday 31 March" (the team's clock reads 7 days
    and an hour, then 6 days and 23 hours)."""
    digest = WeeklyDigest(make_service, slack, start=datetime(2030, 3, 24, 1, 5, tzinfo=UTC),
                          hour=2)
    digest.move(weekday=6, hour=2)
    for moment in (datetime(2030, 3, 24, 1, 5, tzinfo=UTC),  # Sun 24 Mar 02:05 CET
                   datetime(2030, 3, 31, 1, 5, tzinfo=UTC),  # Sun 31 Mar 03:05 CEST
                   datetime(2030, 4, 7, 0, 5, tzinfo=UTC)):  # Sun 7 Apr 02:05 CEST
        assert digest.run_at(moment) == 1
    assert [r.json()["text"] for r in slack.received] == ["Weekly digest: Platform"] * 3
