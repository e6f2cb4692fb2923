"""Who hears what: partners, leads, channels, private goals, health alerts, duplicates."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from marshmallow import fields, validate
from sqlalchemy import select, update

from services.notifications.adapters.orm import member_views, partnerships
from services.notifications.domain.fanout import CHANNEL_EVENT_TYPES
from services.notifications.domain.notification import Notification
from shared.clock import ControlledClock
from shared.events.catalog.fields import Timestamp
from shared.events.registry import all_types
from tests.notifications.support import (
    AT,
    Team,
    checkin,
    delivering,
    event,
    goal,
    handle,
    new_id,
    produce,
    progressed,
    snoozed,
)
from tests.support.slack_server import too_many_requests
from tests.support.stack import scheduled_job
from tests.support.waiting import eventually


def of_type(items: list[dict], event_type: str) -> list[dict]:
    return [i for i in items if i["event_type"] == event_type]


def health_changed(team: Team, health: str, previous: str = "on_track"):
    return event("goal.health_changed", team.id, goal_id=team.goal, owner_id=team.ana,
                 title="Run 100 km", previous=previous, health=health, progress=0.1,
                 expected=0.5, days_of_safety=None, at=AT)


def test_a_checkin_reaches_the_owners_partner_and_the_channel_with_fresh_progress(
        notifications, team, slack):
    team.channel(slack.webhook())
    logged = checkin(team.id, team.goal, team.ana, 40, "felt strong")
    with delivering(notifications):
        handle(notifications, logged, progressed(logged, 0.4))
        eventually(lambda: len(slack.delivered()) == 1)
    [item] = of_type(team.feed(team.ben), "checkin.logged")
    assert "*Ana* checked in on *Run 100 km*: 40 km" in item["text"]
    assert not of_type(team.feed(team.lead), "checkin.logged")
    text = str(slack.received[0].json()["blocks"])
    assert "████░░░░░░ 40%" in text and "felt strong" in text  # the goals figure, not 0 %


def test_a_partnership_ended_by_another_teams_event_still_hears_its_check_ins(
        notifications, team):
    """An event of another team naming this team's partnership ended it: Ben no longer heard
    of his partner Ana's check-ins. An event ends only a partnership of its own team."""
    with notifications.container.engine.connect() as conn:
        [pair] = conn.execute(select(partnerships.c.partnership_id).where(
            partnerships.c.team_id == team.id)).scalars()
    handle(notifications, event("partnership.ended", new_id(), partnership_id=pair,
                                member_ids=[team.ana, team.ben], at=AT))
    logged = checkin(team.id, team.goal, team.ana, 40)

    handle(notifications, logged, progressed(logged, 0.4))

    assert len(of_type(team.feed(team.ben), "checkin.logged")) == 1


def one_of_each_type(team: Team) -> list:
    """An event of every type in the catalogue about `team`: Ana's goal, one check-in of hers,
    its members (each field those name, required or not), and each other required field of the
    type's schema given a value of its kind."""
    named = {"team_id": team.id, "goal_id": team.goal, "owner_id": team.ana,
             "author_id": team.ana, "member_id": team.ana, "to_id": team.ana,
             "from_id": team.ben, "member_ids": [team.ana, team.ben],
             "recipients": [team.ana, team.ben], "groups": [[team.ana, team.ben]],
             "checkin_id": new_id(), "status": "active", "health": "off_track",
             "timezone": "UTC", "email": "ana@example.com", "link": "https://example.com/in",
             "start_date": "2030-01-01", "title": "Run 100 km"}

    def value(name: str, field: fields.Field):
        if name in named:
            return named[name]
        if isinstance(field.validate, validate.OneOf):
            return field.validate.choices[0]
        kinds = ((Timestamp, AT), (fields.Float, 0.5), (fields.Integer, 1),
                 (fields.Boolean, False), (fields.List, []), (fields.String, new_id()))
        return next(made for kind, made in kinds if isinstance(field, kind))

    return [event(name, team.id, **{key: value(key, field)
                                    for key, field in kind.schema().fields.items()
                                    if (field.required or key in named) and key != "team_id"})
            for name, kind in all_types().items()]


def test_team_channels_are_sent_exactly_the_types_a_channel_filter_may_name(make_service, slack):
    """`CHANNEL_EVENT_TYPES`, which a channel's filter is checked against, is what the routing
    sends channels: one event of every catalogued type through the worker's handlers, and the
    weekly digest, into a channel that filters nothing."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 5, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    channel = team.channel(slack.webhook())
    handlers = n.container.handlers()
    handle(n, *(item for item in one_of_each_type(team) if item.type in handlers))
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 10}).status_code == 200
    scheduled_job(n.container, "team-digests").run()
    with n.container.uow() as uow:
        sent = set(uow.session.scalars(select(Notification.event_type).where(
            Notification.channel_id == channel["id"])))
    assert sent == set(CHANNEL_EVENT_TYPES)


def test_private_goals_never_reach_team_channels(notifications, team, slack):
    team.channel(slack.webhook())
    secret = new_id()
    handle(notifications,
           goal(team.id, secret, team.ana, "Private plan", visibility="private"),
           checkin(team.id, secret, team.ana, 5),
           goal(team.id, secret, team.ana, "Private plan", visibility="private",
                event_type="goal.achieved"))
    with delivering(notifications):
        handle(notifications, goal(team.id, team.goal, team.ana, "Run 100 km",
                                   event_type="goal.achieved"))
        eventually(lambda: len(slack.delivered()) == 1)
    assert [r.json()["text"] for r in slack.received] == ["🎉 Goal achieved: Run 100 km"]
    assert of_type(team.feed(team.ben), "checkin.logged")  # the partner still hears


def test_a_checkin_on_a_goal_made_private_while_its_burst_waited_is_not_sent(make_service,
                                                                            slack):
    """Ana checked in on two goals, with a note, and made one private a second later, while
    the burst waited out its quiet window: the channel still got both, note included.
    Privacy was looked at only as the message was queued. As it leaves, the private goal's
    check-in is failed, the log saying why, and only the other one is posted."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook(), event_types=["checkin.logged"])
    other = new_id()
    secret = checkin(team.id, team.goal, team.ana, 30, note="my secret note")
    shown = checkin(team.id, other, team.ana, 2, note="fine to share")
    handle(n, goal(team.id, other, team.ana, "Read 10 books"),
           secret, progressed(secret, 0.3), shown, progressed(shown, 0.2))
    clock.advance(seconds=1)
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km", visibility="private",
                   event_type="goal.updated"))
    clock.advance(seconds=10)
    n.container.deliverer.deliver_due()
    n.container.deliverer.deliver_due()  # the loop's next pass: the burst's next is due now

    [posted] = [str(r.json()) for r in slack.received]
    assert "Read 10 books" in posted and "fine to share" in posted
    assert "Run 100 km" not in posted and "my secret note" not in posted
    logged = {e["notification"]["summary"]: (e["notification"]["status"],
                                             e["notification"]["last_error"])
              for e in team.log()}
    assert sorted(logged.values()) == [("failed", "the goal was made private"), ("sent", None)]


def test_an_announcement_backing_off_is_not_sent_once_its_goal_is_private(make_service, slack):
    """A goal achieved was answered 429 (Retry-After a minute); its owner made it private
    meanwhile: the retry posted it all the same. It now fails, "the goal was made private"."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    slack.reply_with(too_many_requests(60))
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km", event_type="goal.achieved"))
    n.container.deliverer.deliver_due()
    assert len(slack.received) == 1
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km", visibility="private",
                   event_type="goal.updated"))
    clock.advance(seconds=120)
    n.container.deliverer.deliver_due()

    assert len(slack.received) == 1  # the 429 only
    [entry] = team.log()
    assert (entry["notification"]["status"], entry["notification"]["last_error"]) == (
        "failed", "the goal was made private")


def two_checkins_for_one_burst(make_service, slack, secret_first: bool):
    """Notifications on a controlled clock, a team whose Slack channel hears check-ins, and two
    check-ins of Ana's waiting for it: 'Read 10 books' (its note 'fine to share') and, first
    or second, 'Run 100 km' (its note 'my secret note'), the goal a test then makes private."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook(), event_types=["checkin.logged"])
    other = new_id()
    shown = checkin(team.id, other, team.ana, 2, note="fine to share")
    secret = checkin(team.id, team.goal, team.ana, 30, note="my secret note")
    events = [(shown, progressed(shown, 0.2)), (secret, progressed(secret, 0.3))]
    handle(n, goal(team.id, other, team.ana, "Read 10 books"),
           *(e for pair in (events[::-1] if secret_first else events) for e in pair))
    return clock, n, team


@pytest.mark.parametrize("secret_first", [False, True], ids=["merged", "head"])
def test_a_burst_retried_after_one_of_its_goals_was_made_private_goes_without_it(
        make_service, slack, secret_first):
    """Two check-ins merged into one message, answered 429; one goal was made private before
    the retry. Its text was made at the first attempt, so the retry posted the private check-in
    and its note all the same; and when the private one headed the burst, the whole message
    failed and the other check-in was never posted. The retry tells the burst again without
    the private goal: only the other check-in is posted, once."""
    clock, n, team = two_checkins_for_one_burst(make_service, slack, secret_first)
    slack.reply_with(too_many_requests(60))
    clock.advance(seconds=10)
    n.container.deliverer.deliver_due()
    assert len(slack.received) == 1 and "2 new check-ins" in str(slack.received[0].json())
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km", visibility="private",
                   event_type="goal.updated"))
    clock.advance(seconds=120)
    n.container.deliverer.deliver_due()
    n.container.deliverer.deliver_due()  # the loop's next pass: what left the burst is due now

    retried = [str(r.json()) for r in slack.received[1:]]
    assert len(retried) == 1, retried
    assert "Read 10 books" in retried[0]
    assert "Run 100 km" not in retried[0] and "my secret note" not in retried[0]
    failed = [(e["notification"]["status"], e["notification"]["last_error"])
              for e in team.log() if e["notification"]["status"] == "failed"]
    assert failed == [("failed", "the goal was made private")]


@pytest.mark.parametrize("secret_first", [False, True], ids=["merged", "head"])
def test_a_burst_whose_claim_ran_out_unsent_goes_without_a_goal_made_private_since(
        make_service, slack, secret_first):
    """A burst claimed and merged, never sent (its worker died, or its batch outlasted the
    lease), is claimed again once the lease runs out: with no attempt counted, its goals were
    not looked at again, so a goal made private meanwhile was posted, or, heading the burst,
    failed it with the other check-in merged into it, never posted."""
    clock, n, team = two_checkins_for_one_burst(make_service, slack, secret_first)
    clock.advance(seconds=10)
    deliverer = n.container.deliverer
    assert len(deliverer._claim_due()) == 1  # claimed and merged; never sent
    handle(n, goal(team.id, team.goal, team.ana, "Run 100 km", visibility="private",
                   event_type="goal.updated"))
    clock.advance(seconds=600)  # the lease runs out
    for _ in range(3):
        deliverer.deliver_due()
        clock.advance(seconds=5)

    posted = [str(r.json()) for r in slack.received]
    assert len(posted) == 1 and "Read 10 books" in posted[0], posted
    assert "Run 100 km" not in posted[0] and "my secret note" not in posted[0]


def test_a_burst_whose_claim_ran_out_keeps_what_it_merged_when_it_takes_in_more(make_service,
                                                                               slack):
    """A burst of two check-ins claimed, never sent, and claimed again after a third arrived:
    it was made again from its head and the third, and the second, merged at the first claim,
    was never posted though the log said it was merged."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook(), event_types=["checkin.logged"])
    books, swim = new_id(), new_id()
    first = checkin(team.id, team.goal, team.ana, 30, note="one")
    second = checkin(team.id, books, team.ana, 2, note="two")
    handle(n, goal(team.id, books, team.ana, "Read 10 books"),
           goal(team.id, swim, team.ana, "Swim 5 km"),
           first, progressed(first, 0.3), second, progressed(second, 0.2))
    clock.advance(seconds=10)
    deliverer = n.container.deliverer
    assert len(deliverer._claim_due()) == 1
    clock.advance(seconds=590)
    third = checkin(team.id, swim, team.ana, 1, note="three")
    handle(n, third, progressed(third, 0.2))
    clock.advance(seconds=70)
    for _ in range(4):
        deliverer.deliver_due()
        clock.advance(seconds=5)

    titles = ("Run 100 km", "Read 10 books", "Swim 5 km")
    posted = " ".join(str(r.json()) for r in slack.received)
    assert all(title in posted for title in titles), posted
    told = Counter(t for r in slack.delivered() for t in titles if t in str(r.json()))
    assert told == dict.fromkeys(titles, 1), told  # each in one message sent, none twice


def test_events_of_a_team_naming_another_teams_goal_reach_none_of_its_channels(make_service,
                                                                               slack, capsys):
    """Team B's events named team A's goal (a check-in with its figure, a health change, a
    goal.updated): B's Slack channel was told of A's goal, and A's copy of it took B's health
    and title. Such a goal is now unknown to the event: B's channels hear nothing of it, the
    copy stays A's, and a warning names the event."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    a, b = Team(n), Team(n)
    b.channel(slack.webhook())
    logged = checkin(b.id, a.goal, b.ana, 5, note="A's goal, B's channel")
    handle(n, logged, progressed(logged, 0.05),
           event("goal.health_changed", b.id, goal_id=a.goal, owner_id=a.ana,
                 title="Run 100 km", previous="on_track", health="off_track", progress=0.05,
                 expected=0.5, days_of_safety=None, at=AT),
           goal(b.id, a.goal, b.ana, "Renamed by B", event_type="goal.updated"))
    clock.advance(seconds=120)
    n.container.deliverer.deliver_due()
    n.container.deliverer.deliver_due()

    assert slack.received == []
    with n.container.uow() as uow:
        copy = uow.replicas.goal(a.goal)
        assert (copy.team_id, copy.owner_id, copy.title, copy.health, copy.progress) == (
            a.id, a.ana, "Run 100 km", "on_track", 0.0)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines()
              if line.startswith("{")]
    assert [(e["event"].split()[0], e["level"]) for e in logged
            if f"of team {b.id} names goal {a.goal} of team {a.id}" in e["event"]] == [
        ("checkin.logged", "warning"), ("goal.progressed", "warning"),
        ("goal.health_changed", "warning"), ("goal.updated", "warning")]


def test_off_track_tells_owner_and_leads_and_alert_channels_by_their_health_filter(
        notifications, team, slack):
    team.channel(slack.webhook("all"))
    team.channel(slack.webhook("red"), event_types=["goal.health_changed"], health=["off_track"])
    with delivering(notifications):
        handle(notifications, health_changed(team, "at_risk"))
        eventually(lambda: len(slack.delivered()) == 1)
        handle(notifications, health_changed(team, "off_track", "at_risk"))
        eventually(lambda: len(slack.delivered()) == 3)
    paths = sorted(r.path.rsplit("/", 1)[1] for r in slack.received)
    assert paths == ["all", "all", "red"]
    assert len(of_type(team.feed(team.ana), "goal.health_changed")) == 1
    assert len(of_type(team.feed(team.lead), "goal.health_changed")) == 1
    assert not of_type(team.feed(team.ben), "goal.health_changed")


def test_missed_checkins_kudos_and_comments_reach_their_recipients(notifications, team):
    handle(notifications,
           event("checkin.missed", team.id, goal_id=team.goal, owner_id=team.ana, due_at=AT,
                 level=3, recipients=[team.lead], at=AT),
           event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                 from_id=team.ben, to_id=team.ana, emoji="🎉", at=AT),
           event("comment.added", team.id, comment_id=new_id(), checkin_id=new_id(),
                 goal_id=team.goal, author_id=team.lead, to_id=team.ana, text="Keep going",
                 at=AT))
    assert len(of_type(team.feed(team.lead), "checkin.missed")) == 1
    assert not of_type(team.feed(team.ana), "checkin.missed")
    assert "*Ben* gave you kudos" in of_type(team.feed(team.ana), "kudos.given")[0]["text"]
    assert "Keep going" in of_type(team.feed(team.ana), "comment.added")[0]["text"]


def test_a_comment_on_ones_own_checkin_is_not_sent_to_oneself(notifications, team):
    """A comment goes to the check-in's author (`to_id`): Ana answering a comment on her own
    check-in was told of her own comment. A lead's comment still reaches her."""
    own, leads = new_id(), new_id()
    handle(notifications,
           event("comment.added", team.id, comment_id=own, checkin_id=new_id(),
                 goal_id=team.goal, author_id=team.ana, to_id=team.ana, text="Thanks!", at=AT),
           event("comment.added", team.id, comment_id=leads, checkin_id=new_id(),
                 goal_id=team.goal, author_id=team.lead, to_id=team.ana, text="Well done",
                 at=AT))
    told = [item["text"] for item in of_type(team.feed(team.ana), "comment.added")]
    assert len(told) == 1 and "Well done" in told[0], told


def test_the_same_event_handled_twice_notifies_each_target_once(notifications, team, slack):
    channel = team.channel(slack.webhook())
    twice = checkin(team.id, team.goal, team.ana, 10)
    handle(notifications, twice, twice, progressed(twice, 0.1))
    with notifications.container.uow() as uow:
        targets = [x.target for x in uow.session.query(Notification)
                   .filter(Notification.event_id == twice.id)]
    assert sorted(targets) == sorted([f"member:{team.ben}", f"channel:{channel['id']}"])


def test_an_event_delivered_twice_by_the_broker_yields_one_message(make_service, slack):
    n = make_service("notifications")
    team = Team(n)
    team.channel(slack.webhook())
    twice = goal(team.id, team.goal, team.ana, "Run 100 km", event_type="goal.achieved")
    marker_id = new_id()
    produce(n, twice, twice, goal(team.id, marker_id, team.ana, "Marker"),
            goal(team.id, marker_id, team.ana, "Marker", event_type="goal.achieved"))
    eventually(lambda: len(slack.delivered()) >= 3, timeout=30)
    texts = [r.json()["text"] for r in slack.delivered()]
    assert texts.count("🎉 Goal achieved: Run 100 km") == 1
    assert texts[-1] == "🎉 Goal achieved: Marker"


def test_a_closed_goal_keeps_no_health_from_when_it_was_open(notifications, team):
    """`goal.closed` says health None: a closed goal has no pace. The replica kept the health it
    had while open (off track here), so anything showing it would still call it off track."""
    handle(notifications, health_changed(team, "off_track"))
    handle(notifications, event("goal.closed", team.id, goal_id=team.goal, owner_id=team.ana,
                                title="Run 100 km", status="closed", visibility="team",
                                start_date="2030-01-01", due_date="2030-12-31", health=None,
                                outcome="missed"))
    with notifications.container.uow() as uow:
        replica = uow.replicas.goal(team.goal)
        assert (replica.status, replica.health) == ("closed", None)


def targets_of(notifications, *events) -> list[str]:
    with notifications.container.uow() as uow:
        return sorted(x.target for x in uow.session.query(Notification)
                      .filter(Notification.event_id.in_([e.id for e in events])))


def test_snoozed_partners_and_leads_are_told_nothing_until_their_snooze_ends(
        notifications, team):
    """Ben (Ana's partner) and the lead are on holiday: Ana's check-in and her goal going off
    track reach neither, and Ben's feed does not show kudos and a comment to him (held until
    he is back: test_snooze); once Ben's snooze day has passed, the next check-in reaches him
    again."""
    today = datetime.now(UTC).date()
    handle(notifications, snoozed(team, team.ben, "Ben", today + timedelta(days=14)),
           snoozed(team, team.lead, "Lena", today, role="lead"))
    logged, off_track = checkin(team.id, team.goal, team.ana, 40), health_changed(
        team, "off_track")
    kudos = event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                  from_id=team.ana, to_id=team.ben, emoji="🎉", at=AT)
    comment = event("comment.added", team.id, comment_id=new_id(), checkin_id=new_id(),
                    goal_id=team.goal, author_id=team.ana, to_id=team.ben, text="Enjoy!",
                    at=AT)
    handle(notifications, logged, progressed(logged, 0.4), off_track, kudos, comment)
    assert targets_of(notifications, logged) == []
    said = [i for i in team.feed(team.ben) if i["event_type"] in ("kudos.given", "comment.added")]
    assert said == []
    assert targets_of(notifications, off_track) == [f"member:{team.ana}"]

    handle(notifications, snoozed(team, team.ben, "Ben", today - timedelta(days=1)))
    again = checkin(team.id, team.goal, team.ana, 50)
    handle(notifications, again)
    assert targets_of(notifications, again) == [f"member:{team.ben}"]


def test_a_member_copied_as_snoozed_before_the_copy_kept_the_day_still_hears(notifications, team):
    """Member copies made before migration e5c1b7a3d926 say `snoozed` with no day, and goals
    publishes nothing when a snooze ends: such a copy hears as it did before (everything), not
    nothing for ever, until the member's next `member.updated` brings the day."""
    handle(notifications, snoozed(team, team.ben, "Ben", datetime.now(UTC).date()))
    with notifications.container.uow() as uow:
        uow.session.execute(update(member_views).where(member_views.c.member_id == team.ben)
                            .values(snoozed_until=None))
        uow.commit()
    logged = checkin(team.id, team.goal, team.ana, 40)
    handle(notifications, logged)
    assert targets_of(notifications, logged) == [f"member:{team.ben}"]
