"""A snoozed member (on holiday): what teammates said to them, and a lead's notice of a broken
team channel, wait for their return; what is stale by then is dropped."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from services.notifications.domain.notification import Notification
from shared.clock import ControlledClock
from tests.notifications.support import (
    AT,
    Team,
    event,
    goal,
    handle,
    make_digests_at_eight,
    member,
    new_id,
    snoozed,
)
from tests.support.batches import statements
from tests.support.slack_server import Reply, archived

MONDAY = datetime(2030, 1, 7, 10, 0, tzinfo=UTC)  # 11:00 in Berlin
LAST_DAY = date(2030, 1, 10)  # Ana's last day on holiday, a Thursday
BACK = datetime(2030, 1, 10, 23, 0, tzinfo=UTC)  # midnight in Berlin: Friday has begun
SAID_TO_HER = ("kudos.given", "comment.added")
STALE = ("checkin.reminder", "checkin.missed")


def on_holiday(make_service, until: date = LAST_DAY):
    """A worker-less service at MONDAY whose Berlin team's Ana is snoozed until `until`."""
    clock = ControlledClock(MONDAY)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    handle(n, snoozed(team, team.ana, "Ana", until, timezone="Europe/Berlin"))
    return clock, n, team


def kudos_to_ana(team: Team):
    return event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                 from_id=team.ben, to_id=team.ana, emoji="🎉", at=AT)


def comment_to_ana(team: Team):
    return event("comment.added", team.id, comment_id=new_id(), checkin_id=new_id(),
                 goal_id=team.goal, author_id=team.ben, to_id=team.ana, text="Enjoy the sun!",
                 at=AT)


def stale_for_ana(team: Team) -> list:
    """A reminder of her check-in, and its miss."""
    due = {"goal_id": team.goal, "owner_id": team.ana, "due_at": AT, "at": AT}
    return [event("checkin.reminder", team.id, **due),
            event("checkin.missed", team.id, level=1, recipients=[team.ana], **due)]


def shown(n, team: Team, clock: ControlledClock, at: datetime) -> list[dict]:
    """Ana's feed after the deliverer's pass at `at`: what was said to her, or is stale (not
    her pairing with Ben, from before her holiday)."""
    clock.set(at)
    n.container.deliverer.deliver_due()
    return [i for i in team.feed(team.ana) if i["event_type"] in SAID_TO_HER + STALE]


def by_event(n, team: Team, items: list[dict]) -> Counter:
    """How often each event shows in `items` (Ana's feed), by the event's id."""
    with n.container.uow() as uow:
        event_of = dict(uow.session.execute(select(Notification.id, Notification.event_id)
                                            .where(Notification.recipient_id == team.ana)).all())
    return Counter(event_of[item["id"]] for item in items)


def test_kudos_and_a_comment_to_a_snoozed_member_show_once_when_her_snooze_ends(make_service):
    """Ana is on holiday until Thursday: Ben's kudos and comment on Monday were dropped, never
    seen, not even in her feed once back. They wait, and show from Friday's first moment in
    her time zone, once each even though the kudos came twice; her reminder and missed
    check-in of that week are stale by then and never show."""
    clock, n, team = on_holiday(make_service)
    kudos, comment = kudos_to_ana(team), comment_to_ana(team)
    handle(n, kudos, comment, *stale_for_ana(team), kudos)
    assert shown(n, team, clock, MONDAY) == []
    assert shown(n, team, clock, datetime(2030, 1, 10, 22, 59, tzinfo=UTC)) == []  # 23:59

    back = shown(n, team, clock, BACK)
    assert by_event(n, team, back) == {kudos.id: 1, comment.id: 1}
    assert sorted(i["event_type"] for i in back) == sorted(SAID_TO_HER)
    assert {i["created_at"] for i in back} == {BACK.isoformat()}


def test_a_snooze_lifted_early_shows_what_it_held_on_the_next_pass(make_service):
    """Ana comes back on Tuesday instead of after Thursday: Ben's kudos of Monday shows at once."""
    clock, n, team = on_holiday(make_service)
    kudos = kudos_to_ana(team)
    handle(n, kudos, *stale_for_ana(team))
    tuesday = datetime(2030, 1, 8, 9, 0, tzinfo=UTC)
    clock.set(tuesday)
    handle(n, snoozed(team, team.ana, "Ana", None, timezone="Europe/Berlin"))
    back = shown(n, team, clock, tuesday)
    assert by_event(n, team, back) == {kudos.id: 1}


def test_a_snooze_moved_later_holds_what_it_held_until_its_new_end(make_service):
    """Ana stays away until Sunday: the kudos waits until Monday 00:00 in Berlin, not Friday."""
    clock, n, team = on_holiday(make_service)
    kudos = kudos_to_ana(team)
    handle(n, kudos)
    handle(n, snoozed(team, team.ana, "Ana", date(2030, 1, 13), timezone="Europe/Berlin"))
    assert shown(n, team, clock, BACK) == []
    assert shown(n, team, clock, datetime(2030, 1, 13, 22, 59, tzinfo=UTC)) == []
    back = shown(n, team, clock, datetime(2030, 1, 13, 23, 0, tzinfo=UTC))
    assert by_event(n, team, back) == {kudos.id: 1}


def test_a_snooze_over_at_midnight_stays_over_when_the_clock_goes_back_past_it(make_service):
    """Ana in St. John's is away until Saturday 6 November 2010; that night the clock went from
    00:01 back to 23:01. Her snooze ended at midnight and stays over: a reminder at 23:30 of the
    hour read twice shows, as the kudos held for her does. It was dropped: the rule of whether
    she hears read Saturday on her clock again, while the rule of when her snooze ends had
    released the kudos at midnight."""
    midnight = datetime(2010, 11, 7, 2, 30, tzinfo=UTC)  # 00:00 NDT, Sunday's first moment
    clock = ControlledClock(midnight - timedelta(days=1))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="America/St_Johns")
    handle(n, snoozed(team, team.ana, "Ana", date(2010, 11, 6), timezone="America/St_Johns"))
    kudos = kudos_to_ana(team)
    handle(n, kudos)
    assert shown(n, team, clock, midnight - timedelta(minutes=1)) == []

    clock.set(midnight + timedelta(minutes=30))  # 23:30 NST, Saturday again on her clock
    reminder, _missed = stale_for_ana(team)
    handle(n, reminder)
    back = shown(n, team, clock, clock.now())
    assert by_event(n, team, back) == {kudos.id: 1, reminder.id: 1}


def leads_on_holiday(make_service, slack, reply: Reply, channel: dict):
    """A worker-less Berlin team whose leads are both snoozed, Lena until LAST_DAY and Max two
    days longer, and whose one channel (made by `channel`'s body) answers `reply` to the
    goal achieved on MONDAY, delivered then. Returns (service, team, Max's id)."""
    clock = ControlledClock(MONDAY)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook("hook"), **channel)
    max_id = new_id()
    handle(n, member(team.id, max_id, "Max", role="lead", timezone="Europe/Berlin"),
           snoozed(team, team.lead, "Lena", LAST_DAY, role="lead", timezone="Europe/Berlin"),
           snoozed(team, max_id, "Max", LAST_DAY + timedelta(days=2), role="lead",
                   timezone="Europe/Berlin"))
    slack.reply_with(reply)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km", event_type="goal.achieved"))
    n.container.deliverer.deliver_due()
    assert len(slack.received) == 1
    return n, team, max_id


def notices(n, team: Team, member_id: str, event_type: str, at: datetime) -> list[dict]:
    """The member's notices of `event_type` after the deliverer's pass at `at`."""
    n.container.clock.set(at)
    n.container.deliverer.deliver_due()
    return [i for i in team.feed(member_id) if i["event_type"] == event_type]


@pytest.mark.parametrize(("reply", "channel", "notice", "says"), [
    (archived(), {}, "channel.disabled", "channel_is_archived"),
    (Reply(422, '{"error": "unknown field"}'), {"type": "webhook", "name": "Audit hook"},
     "channel.refused", "unknown field")], ids=["disabled", "refused"])
def test_a_broken_channel_reaches_the_first_lead_back_when_every_lead_is_on_holiday(
        make_service, slack, reply, channel, notice, says):
    """Both leads were snoozed when the channel broke (Slack's 410 disabled it; a webhook's
    422 refused a message): neither ever heard. Lena hears on her return, once; Max, away
    longer, on his."""
    n, team, max_id = leads_on_holiday(make_service, slack, reply, channel)
    assert notices(n, team, team.lead, notice, datetime(2030, 1, 10, 22, 59, tzinfo=UTC)) == []
    [told] = notices(n, team, team.lead, notice, BACK)
    assert says in told["text"] and told["created_at"] == BACK.isoformat()
    assert notices(n, team, max_id, notice, BACK) == []
    max_back = BACK + timedelta(days=2)
    assert len(notices(n, team, max_id, notice, max_back)) == 1
    assert len(notices(n, team, team.lead, notice, max_back)) == 1


def test_a_snooze_lifted_early_places_what_it_held_for_the_digest_of_a_member_taking_one(
        make_service):
    """Ana takes a daily digest (chosen while away: the kudos still waits for her return).
    Her snooze lifted early on Tuesday before 08:00, Ben's kudos comes in that morning's
    digest, not as an item of its own, as it would have had it come then."""
    clock, n, team = on_holiday(make_service)
    saved = team.harness.client.put("/v1/me/preferences", headers=team.auth(team.ana),
                                    json={"delivery": "digest", "digest": "daily"})
    assert saved.status_code == 200, saved.json
    handle(n, kudos_to_ana(team))
    tuesday_early = datetime(2030, 1, 8, 5, 0, tzinfo=UTC)
    assert shown(n, team, clock, tuesday_early) == []
    handle(n, snoozed(team, team.ana, "Ana", None, timezone="Europe/Berlin"))
    assert shown(n, team, clock, tuesday_early) == []
    make_digests_at_eight(clock, n)
    n.container.deliverer.deliver_due()
    assert shown(n, team, clock, clock.now()) == []
    [digest] = [i for i in team.feed(team.ana) if i["event_type"] == "digest.personal"]
    assert "*Ben* gave you kudos on *Run 100 km*" in digest["text"]


def test_a_snooze_that_ran_out_stays_ran_out_when_goals_wakes_the_member(make_service):
    """Ana takes a daily digest; her snooze ran out at Friday's first moment in Berlin, and
    goals wakes her (member.updated: active, no day) within the minute after, before the
    deliverer's next pass. That wake was read as a snooze lifted early: Ben's kudos went to
    the next digest instead of showing as her snooze's end shows it."""
    clock, n, team = on_holiday(make_service)
    saved = team.harness.client.put("/v1/me/preferences", headers=team.auth(team.ana),
                                    json={"delivery": "digest", "digest": "daily"})
    assert saved.status_code == 200, saved.json
    kudos = kudos_to_ana(team)
    handle(n, kudos)
    woken = BACK + timedelta(seconds=40)
    clock.set(woken)

    handle(n, snoozed(team, team.ana, "Ana", None, timezone="Europe/Berlin"))

    assert by_event(n, team, shown(n, team, clock, woken)) == {kudos.id: 1}


def refusing_hook_while_lena_is_away(make_service, slack):
    """A worker-less Berlin team whose webhook answers 422 to everything; its lead Lena is
    snoozed until LAST_DAY, its lead Max is not. Returns (service, team, Max's id, refuse),
    where refuse(at, goal event) delivers an achieved goal at `at` to the refusing hook."""
    clock = ControlledClock(MONDAY)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook("hook"), type="webhook", name="Audit hook")
    max_id = new_id()
    handle(n, member(team.id, max_id, "Max", role="lead", timezone="Europe/Berlin"),
           snoozed(team, team.lead, "Lena", LAST_DAY, role="lead", timezone="Europe/Berlin"))

    def refuse(at: datetime, achieved=None):
        slack.reply_with(Reply(422, '{"error": "unknown field"}'))
        clock.set(at)
        achieved = achieved or goal(team.id, new_id(), team.ana, "Run 100 km",
                                    event_type="goal.achieved")
        handle(n, achieved)
        n.container.deliverer.deliver_due()
        return achieved
    return n, team, max_id, refuse


def test_a_channel_refusing_all_week_leaves_one_notice_for_the_lead_back_from_holiday(
        make_service, slack):
    """The hook refused a message every hour from Monday 11:00 (Berlin): Lena came back to
    one held notice per hour, all at once. She reads one, saying how often and since when,
    with the latest refusal; Max, not away, was told each hour as before."""
    n, team, max_id, refuse = refusing_hook_while_lena_is_away(make_service, slack)
    for hour in range(5):
        refuse(MONDAY + timedelta(hours=7 * hour))
    [told] = notices(n, team, team.lead, "channel.refused", BACK)
    assert told["created_at"] == BACK.isoformat()
    assert "this notice came 5 times since Mon 07 Jan 2030, 11:00" in told["text"]
    assert told["text"].count("unknown field") == 1
    assert len(notices(n, team, max_id, "channel.refused", BACK)) == 5


def test_notices_held_before_they_folded_fold_in_a_fixed_number_of_statements(make_service,
                                                                               slack):
    """Lena was snoozed before notices folded: 24 refusal notices of the hook wait for her, one
    per hour. The next refusal folds them all into one, costing no more SQL statements than
    the one after it, which finds one notice held (it cost one more per notice held: 52
    statements against 31, as it read each one's folded notices on its own), and she reads
    one notice saying how often it came."""
    n, team, _max_id, refuse = refusing_hook_while_lena_is_away(make_service, slack)
    with n.container.uow() as uow:
        [hook] = uow.channels.active_for(team.id)
        for hour in range(24):
            at = MONDAY + timedelta(hours=hour)
            uow.notifications.add(Notification(
                team.id, f"member:{team.lead}", f"channel.refused:{hook.id}:{at.isoformat()}",
                "channel.refused", json.dumps({"title": "Audit hook refused", "text": "422",
                                               "link": None}),
                created_at=at, recipient_id=team.lead, status="held", due_at=BACK))
        uow.commit()
    with statements(n.container.engine) as folding_24:
        refuse(MONDAY + timedelta(hours=24))
    with statements(n.container.engine) as folding_1:  # one held, the 24 folded into it
        refuse(MONDAY + timedelta(hours=25))
    assert len(folding_24) <= len(folding_1), "\n".join(folding_24)
    [told] = notices(n, team, team.lead, "channel.refused", BACK)
    assert "this notice came 26 times since Mon 07 Jan 2030, 11:00" in told["text"]


def test_a_refusal_delivered_twice_counts_once_in_the_held_notice(make_service, slack):
    """The same achieved goal delivered twice, and a second refusal in the same hour (one
    notice an hour), do not count again in what Lena reads when back."""
    n, team, max_id, refuse = refusing_hook_while_lena_is_away(make_service, slack)
    first = refuse(MONDAY)
    refuse(MONDAY + timedelta(minutes=5), first)
    refuse(MONDAY + timedelta(minutes=10))
    refuse(MONDAY + timedelta(hours=1))
    refuse(MONDAY + timedelta(hours=1, minutes=1), first)
    [told] = notices(n, team, team.lead, "channel.refused", BACK)
    assert "this notice came 2 times since Mon 07 Jan 2030, 11:00" in told["text"]
    assert len(notices(n, team, max_id, "channel.refused", BACK)) == 2


def test_a_channel_disabled_twice_while_the_lead_is_away_leaves_her_one_notice(
        make_service, slack):
    """Slack archived the channel (410), Max re-enabled it, and Slack refused it again: Lena,
    on holiday throughout, reads one notice of it when back, saying it came twice; Max, not
    away, was told each time."""
    clock = ControlledClock(MONDAY)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    chat = team.channel(slack.webhook("chat"))
    max_id = new_id()
    handle(n, member(team.id, max_id, "Max", role="lead", timezone="Europe/Berlin"),
           snoozed(team, team.lead, "Lena", LAST_DAY, role="lead", timezone="Europe/Berlin"))
    for at in (MONDAY, MONDAY + timedelta(hours=5)):
        enabled = team.harness.client.patch(f"/v1/teams/{team.id}/channels/{chat['id']}",
                                            headers=team.auth(max_id), json={"state": "active"})
        assert enabled.status_code == 200, enabled.json
        slack.reply_with(archived())
        clock.set(at)
        handle(n, goal(team.id, new_id(), team.ana, "Run 100 km", event_type="goal.achieved"))
        n.container.deliverer.deliver_due()
    assert len(slack.received) == 2
    [told] = notices(n, team, team.lead, "channel.disabled", BACK)
    assert "this notice came 2 times since Mon 07 Jan 2030, 11:00" in told["text"]
    assert told["text"].count("channel_is_archived") == 1
    assert len(notices(n, team, max_id, "channel.disabled", BACK)) == 2
