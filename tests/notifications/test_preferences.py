"""Member preferences: muting, quiet hours in the member's time zone, and coalesced bursts."""

from __future__ import annotations

import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from services.notifications.domain.notification import Notification
from services.notifications.domain.schedule import quiet_until
from shared.clock import ControlledClock
from tests.notifications.support import (
    AT,
    Team,
    checkin,
    event,
    handle,
    held_ids,
    new_id,
    progressed,
)
from tests.support.races import waiting_on_a_lock
from tests.support.waiting import eventually

# 23:30 in Berlin (UTC+1 in January)
LATE = datetime(2030, 1, 7, 22, 30, tzinfo=UTC)


def put_preferences(team: Team, member_id: str, **prefs):
    response = team.harness.client.put("/v1/me/preferences", headers=team.auth(member_id),
                                       json=prefs)
    assert response.status_code == 200, response.json
    return response.json


def checkins_in(team: Team, member_id: str) -> list[dict]:
    return [i for i in team.feed(member_id) if i["event_type"] == "checkin.logged"]


def test_a_muted_event_type_never_reaches_the_member(notifications, team):
    put_preferences(team, team.ben, muted=["checkin.logged"])
    handle(notifications, checkin(team.id, team.goal, team.ana, 10))
    assert checkins_in(team, team.ben) == []
    put_preferences(team, team.ben, muted=[])
    handle(notifications, checkin(team.id, team.goal, team.ana, 20))
    assert len(checkins_in(team, team.ben)) == 1


def test_quiet_hours_hold_a_notification_until_they_end_in_the_members_zone(make_service):
    clock = ControlledClock(LATE)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    saved = put_preferences(team, team.ben, quiet_hours={"start": "22:00", "end": "07:00"})
    assert saved["quiet_hours"] == {"start": "22:00", "end": "07:00"}
    handle(n, checkin(team.id, team.goal, team.ana, 10))
    n.container.deliverer.deliver_due()
    assert checkins_in(team, team.ben) == []
    clock.set(datetime(2030, 1, 8, 5, 59, tzinfo=UTC))  # 06:59 in Berlin
    n.container.deliverer.deliver_due()
    assert checkins_in(team, team.ben) == []
    clock.set(datetime(2030, 1, 8, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    n.container.deliverer.deliver_due()
    [item] = checkins_in(team, team.ben)
    assert item["created_at"].startswith("2030-01-08T06:00:00")
    unread = n.client.get("/v1/me/feed/unread-count", headers=team.auth(team.ben)).json
    assert unread["unread"] >= 1


def shown_once(team: Team, member_id: str) -> Counter:
    return Counter(item["id"] for item in checkins_in(team, member_id))


def test_turning_quiet_hours_off_shows_what_they_held_on_the_next_pass(make_service):
    """Ben turns his quiet hours off at 23:40: what they held waited until 07:00 all the same."""
    clock = ControlledClock(LATE)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    put_preferences(team, team.ben, quiet_hours={"start": "22:00", "end": "07:00"})
    handle(n, checkin(team.id, team.goal, team.ana, 10), checkin(team.id, team.goal, team.ana, 20))
    held = held_ids(n, team.ben)
    assert len(held) == 2 and checkins_in(team, team.ben) == []
    clock.set(datetime(2030, 1, 7, 22, 40, tzinfo=UTC))  # 23:40 in Berlin
    put_preferences(team, team.ben, quiet_hours=None)
    n.container.deliverer.deliver_due()
    assert shown_once(team, team.ben) == Counter(held)
    assert {i["created_at"] for i in checkins_in(team, team.ben)} == {"2030-01-07T22:40:00+00:00"}


def test_muting_a_type_drops_what_quiet_hours_held_of_it(make_service):
    """Ben mutes check-ins at 23:40: the two his quiet hours held still showed at 07:00. They
    are dropped, as the mute would have at routing; the kudos they held still show."""
    clock = ControlledClock(LATE)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    quiet = {"start": "22:00", "end": "07:00"}
    put_preferences(team, team.ben, quiet_hours=quiet)
    handle(n, checkin(team.id, team.goal, team.ana, 10), checkin(team.id, team.goal, team.ana, 20),
           event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                 from_id=team.ana, to_id=team.ben, emoji="🎉", at=AT))
    held = held_ids(n, team.ben)
    assert len(held) == 3
    clock.set(datetime(2030, 1, 7, 22, 40, tzinfo=UTC))  # 23:40 in Berlin
    put_preferences(team, team.ben, quiet_hours=quiet, muted=["checkin.logged"])
    clock.set(datetime(2030, 1, 8, 6, 0, tzinfo=UTC))  # 07:00 in Berlin
    n.container.deliverer.deliver_due()
    assert checkins_in(team, team.ben) == []
    [kudos] = [i for i in team.feed(team.ben) if i["event_type"] == "kudos.given"]
    assert Counter(i["id"] for i in team.feed(team.ben) if i["id"] in held) == {kudos["id"]: 1}


def test_shorter_quiet_hours_show_what_they_held_at_their_new_end(make_service):
    clock = ControlledClock(LATE)  # 23:30 in Berlin
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    put_preferences(team, team.ben, quiet_hours={"start": "22:00", "end": "07:00"})
    handle(n, checkin(team.id, team.goal, team.ana, 10))
    held = held_ids(n, team.ben)
    put_preferences(team, team.ben, quiet_hours={"start": "22:00", "end": "00:00"})
    clock.set(datetime(2030, 1, 7, 22, 59, tzinfo=UTC))  # 23:59 in Berlin
    n.container.deliverer.deliver_due()
    assert checkins_in(team, team.ben) == []
    clock.set(datetime(2030, 1, 7, 23, 0, tzinfo=UTC))  # midnight in Berlin
    n.container.deliverer.deliver_due()
    assert shown_once(team, team.ben) == Counter(held)


def test_quiet_hours_ending_in_the_hour_clocks_skip_end_when_the_clocks_go_forward(
        make_service):
    """New York skips from 02:00 to 03:00 on 14 March 2027. Quiet hours until 02:30 ended at
    03:30, half an hour after the member's clock had passed 02:30; they now end at 03:00."""
    clock = ControlledClock(datetime(2027, 3, 14, 5, 0, tzinfo=UTC))  # midnight in New York
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="America/New_York")
    put_preferences(team, team.ben, quiet_hours={"start": "22:00", "end": "02:30"})
    handle(n, checkin(team.id, team.goal, team.ana, 10))
    held = held_ids(n, team.ben)
    clock.set(datetime(2027, 3, 14, 6, 59, 59, tzinfo=UTC))  # 01:59:59 EST
    n.container.deliverer.deliver_due()
    assert checkins_in(team, team.ben) == []
    clock.set(datetime(2027, 3, 14, 7, 0, tzinfo=UTC))  # 03:00 EDT, the first instant after
    n.container.deliverer.deliver_due()
    assert shown_once(team, team.ben) == Counter(held)
    assert checkins_in(team, team.ben)[0]["created_at"] == "2027-03-14T07:00:00+00:00"


@pytest.mark.parametrize(("zone", "now", "end", "ends_at"), [
    # 02:00 jumps to 03:00: the end at 02:30 is at 03:00 EDT
    ("America/New_York", datetime(2027, 3, 14, 6, 0, tzinfo=UTC), "02:30",
     datetime(2027, 3, 14, 7, 0, tzinfo=UTC)),
    # 02:00 jumps to 02:30 (half an hour): the end at 02:15 is at 02:30 +11:00
    ("Australia/Lord_Howe", datetime(2027, 10, 2, 15, 0, tzinfo=UTC), "02:15",
     datetime(2027, 10, 2, 15, 30, tzinfo=UTC)),
    # Samoa skipped 30 December 2011: an end at noon that day is at midnight, the 31st
    ("Pacific/Apia", datetime(2011, 12, 30, 9, 0, tzinfo=UTC), "12:00",
     datetime(2011, 12, 30, 10, 0, tzinfo=UTC)),
    # 02:00 goes back to 01:00: the end at 01:30 is its first occurrence, 01:30 EDT
    ("America/New_York", datetime(2027, 11, 7, 5, 0, tzinfo=UTC), "01:30",
     datetime(2027, 11, 7, 5, 30, tzinfo=UTC)),
])
def test_quiet_hours_end_at_the_first_instant_the_local_clock_reads_their_end(zone, now, end,
                                                                               ends_at):
    assert quiet_until(now, zone, "20:00", end) == ends_at


def test_ten_checkins_in_a_minute_become_one_slack_message(make_service, slack):
    clock = ControlledClock(LATE)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    deliver = n.container.deliverer.deliver_due
    for value in range(1, 11):
        logged = checkin(team.id, team.goal, team.ana, value * 5)
        handle(n, logged, progressed(logged, value * 0.05))
        assert deliver() == 0
        clock.advance(seconds=2)
    assert deliver() == 0  # 2 s after the last one: the burst may go on
    clock.advance(seconds=1)  # 3 s of quiet
    assert deliver() == 1
    [sent] = slack.received
    body = sent.json()
    assert body["text"] == "10 new check-ins"
    assert len(body["blocks"]) == 11
    assert "50 km (50%)" in body["blocks"][-1]["text"]["text"]
    statuses = sorted(e["notification"]["status"] for e in team.log())
    assert statuses == ["coalesced"] * 9 + ["sent"]

    logged = checkin(team.id, team.goal, team.ana, 60)
    handle(n, logged, progressed(logged, 0.6))
    clock.advance(seconds=3)
    assert deliver() == 1
    assert slack.received[-1].json()["text"] == "Check-in: Run 100 km"


def test_an_endless_burst_still_goes_out_a_minute_after_it_began(make_service, slack):
    clock = ControlledClock(LATE)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    sent = 0
    for value in range(45):  # one check-in every 2 s for 90 s
        logged = checkin(team.id, team.goal, team.ana, value)
        handle(n, logged, progressed(logged, value / 100))
        sent += n.container.deliverer.deliver_due()
        if clock.now() < LATE + timedelta(seconds=60):
            assert sent == 0
        clock.advance(seconds=2)
    assert sent == 1
    assert slack.received[0].json()["text"] == "31 new check-ins"


def test_preferences_are_validated(notifications, team):
    response = notifications.client.put("/v1/me/preferences", headers=team.auth(team.ben), json={
        "muted": ["no.such.event"], "delivery": "sometimes",
        "quiet_hours": {"start": "25:00", "end": "07:00"}})
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"muted.0", "delivery", "quiet_hours.start"}
    assert notifications.client.get("/v1/me/preferences").status_code == 401


def test_a_mute_of_what_members_are_never_told_is_refused_and_says_what_may_be_muted(
        notifications, team):
    """A goal achieved goes to the team channels, never to a member, yet muting it was saved
    (and the web app offered it): a mute that silenced nothing."""
    put_preferences(team, team.ben, muted=["kudos.given"])

    response = notifications.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                                        json={"muted": ["comment.added", "goal.achieved"]})

    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"muted.1": [
        "Members are not told of 'goal.achieved', so it cannot be muted. Members may mute: "
        "checkin.logged, checkin.reminder, checkin.missed, goal.health_changed, "
        "streak.reached, kudos.given, comment.added, partners.paired, channel.disabled, "
        "channel.refused, digest.personal."]}
    kept = notifications.client.get("/v1/me/preferences", headers=team.auth(team.ben)).json
    assert kept["muted"] == ["kudos.given"]


def test_a_mute_saved_before_such_mutes_were_refused_is_not_listed_so_it_can_be_sent_back(
        notifications, team):
    """Ben muted goal.achieved (members are never told of it) while that was accepted: his
    preferences listed it, and sending them back as read was refused."""
    with notifications.container.uow() as uow:
        prefs = uow.preferences.of(team.ben, team.id)
        prefs.update(muted=["goal.achieved", "kudos.given"], delivery="immediate",
                     digest="daily", quiet_hours=None)
        uow.preferences.save(prefs)
        uow.commit()

    read = notifications.client.get("/v1/me/preferences", headers=team.auth(team.ben)).json
    sent_back = notifications.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                                         json=read)

    assert read["muted"] == ["kudos.given"], read
    assert sent_back.status_code == 200, sent_back.json


def test_quiet_hours_that_start_when_they_end_are_refused_and_say_why(notifications, team):
    """A window of no length held nothing, yet was saved and shown as the member's quiet hours."""
    put_preferences(team, team.ben, quiet_hours={"start": "22:00", "end": "07:00"})
    response = notifications.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                                        json={"quiet_hours": {"start": "22:00", "end": "22:00"}})
    assert response.status_code == 422
    assert response.json["errors"] == {"quiet_hours.end": [
        "Must differ from the start: quiet hours run from the start until the end; to stop "
        "notifications altogether, mute them."]}
    kept = notifications.client.get("/v1/me/preferences", headers=team.auth(team.ben)).json
    assert kept["quiet_hours"] == {"start": "22:00", "end": "07:00"}


@pytest.mark.parametrize(("quiet_hours", "field"), [
    ({"start": "22:00\n", "end": "22:00"}, "quiet_hours.start"),
    ({"start": "22:00", "end": "07:00\n"}, "quiet_hours.end"),
    ({"start": "22:00", "end": "0\u0667:00"}, "quiet_hours.end"),  # an Arabic-Indic 7
])
def test_a_time_followed_by_a_line_break_or_in_other_digits_is_refused(notifications, team,
                                                                       quiet_hours, field):
    """`$` let a line break follow the time: 22:00 and "22:00\n" were saved as different, so
    quiet hours of no length were kept (holding nothing) and shown with the line break; `\\d`
    took any script's digits, shown back as typed."""
    put_preferences(team, team.ben, quiet_hours={"start": "22:00", "end": "07:00"})
    response = notifications.client.put("/v1/me/preferences", headers=team.auth(team.ben),
                                        json={"quiet_hours": quiet_hours})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {field: ["Use HH:MM, 24-hour local time."]}
    kept = notifications.client.get("/v1/me/preferences", headers=team.auth(team.ben)).json
    assert kept["quiet_hours"] == {"start": "22:00", "end": "07:00"}


def held_item(n, team: Team, id: str, visible_at: datetime) -> str:
    """A feed item of Ben's held by quiet hours until `visible_at`, committed on its own."""
    with n.container.uow() as uow:
        uow.notifications.add(Notification(
            team.id, f"member:{team.ben}", new_id(), "kudos.given",
            json.dumps({"title": id, "text": id, "link": None}), created_at=LATE,
            recipient_id=team.ben, status="held", due_at=visible_at, id=id))
        uow.commit()
    return id


def test_releasing_held_items_locks_them_in_id_order_and_never_deadlocks(make_service):
    """A preference save (`held_for`) locks a member's held items in id order; the deliverer's
    release of the held items due locked them in the order it scanned them. The save holding
    the first while the release held the second was a deadlock: PostgreSQL aborted one of
    them. The release now locks in id order too: it waits for the save, then shows both."""
    clock = ControlledClock(LATE)
    n = make_service("notifications", clock=clock, start_worker=False)
    if n.container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes one writer at a time: no row locks to order")
    team = Team(n)
    last = held_item(n, team, "ffffffff-ffff-4fff-bfff-ffffffffffff", LATE + timedelta(hours=8))
    first = held_item(n, team, "00000000-0000-4000-8000-000000000000",
                      LATE + timedelta(hours=8, minutes=1))
    clock.set(LATE + timedelta(hours=9))
    engine = n.container.engine
    with engine.connect() as save, ThreadPoolExecutor(1) as worker:
        lock = text("SELECT id FROM notifications WHERE id = :id FOR UPDATE")
        save.execute(lock, {"id": first})  # a preference save locks as `held_for`: id order
        released = worker.submit(n.container.deliverer.deliver_due)
        eventually(lambda: waiting_on_a_lock(engine), timeout=5)
        save.execute(lock, {"id": last})
        save.commit()
        released.result(timeout=10)
    shown = Counter(i["title"] for i in team.feed(team.ben) if i["event_type"] == "kudos.given")
    assert shown == {first: 1, last: 1}
