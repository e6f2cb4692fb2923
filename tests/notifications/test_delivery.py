"""Delivery to a Slack-like server: retries, waits, pacing, permanent errors, no duplicates."""

from __future__ import annotations

import contextlib
import json
import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.utils import formatdate

import pytest
from sqlalchemy import event, select

from services.notifications.adapters.webhook_client import WebhookClient
from services.notifications.domain.channel import Channel
from services.notifications.domain.notification import Notification, RetryPolicy, SendResult
from services.notifications.domain.signing import verify
from services.notifications.service_layer.jobs import Deliverer
from shared.clock import ControlledClock
from shared.worker import Stop
from tests.notifications.support import (
    Team,
    checkin,
    consumed,
    delivering,
    goal,
    handle,
    new_id,
    progressed,
)
from tests.support.batches import handle_batch, statements
from tests.support.races import SQLITE_WAITS, once_after
from tests.support.slack_server import Reply, archived, server_error, too_many_requests
from tests.support.stack import scheduled_job
from tests.support.waiting import eventually


def achieved(team: Team, title: str = "Run 100 km", goal_id: str | None = None):
    return goal(team.id, goal_id or team.goal, team.ana, title, event_type="goal.achieved")


def gaps(received) -> list[float]:
    return [b.at - a.at for a, b in zip(received, received[1:], strict=False)]


def deliver_one(make_service, slack, timeout: float = 10) -> Team:
    """A worker-less notifications service whose team has one Slack channel; one goal achieved
    is routed and delivered until the channel has taken one message (within `timeout` seconds).
    Returns the team."""
    n = make_service("notifications", start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    with delivering(n):
        handle(n, achieved(team))
        eventually(lambda: len(slack.delivered()) == 1, timeout=timeout)
    return team


def test_ok_is_delivered_once_and_logged(notifications, team, slack):
    team.channel(slack.webhook())
    with delivering(notifications):
        handle(notifications, achieved(team))
        eventually(lambda: len(slack.delivered()) == 1)
    assert slack.received[0].json()["text"] == "🎉 Goal achieved: Run 100 km"
    [entry] = team.log()
    assert entry["notification"]["status"] == "sent"
    assert [a["status_code"] for a in entry["attempts"]] == [200]


def test_429_waits_for_retry_after_then_sends_once(make_service, slack):
    slack.reply_with(too_many_requests(2))
    team = deliver_one(make_service, slack)
    assert len(slack.received) == 2
    assert gaps(slack.received)[0] >= 2.0  # Retry-After honoured
    [entry] = team.log()
    assert [(a["status_code"], a["outcome"]) for a in entry["attempts"]] == [
        (429, "retry"), (200, "sent")]


def test_503_with_retry_after_waits_that_long_then_sends_once(make_service, slack):
    """A receiver down for maintenance says when to come back (RFC 9110 names 503 and 429)."""
    slack.reply_with(Reply(503, "maintenance", {"Retry-After": "2"}))
    deliver_one(make_service, slack)
    assert [r.status for r in slack.received] == [503, 200]
    assert gaps(slack.received)[0] >= 2.0  # not the 0.5 to 1 s of the first backoff step


def test_a_retry_after_given_as_a_date_is_waited_until_that_moment(make_service, slack):
    """`Retry-After` may be an HTTP date instead of seconds."""
    moment = int(time.time()) + 4  # an HTTP date has whole seconds
    not_before = time.monotonic() + (moment - time.time())  # the server's clock for arrivals
    slack.reply_with(Reply(429, "rate_limited", {"Retry-After": formatdate(moment, usegmt=True)}))
    deliver_one(make_service, slack)
    assert [r.status for r in slack.received] == [429, 200]
    assert slack.received[1].at >= not_before


def test_a_retry_after_of_years_is_waited_an_hour_and_its_attempt_logged(make_service, slack):
    """A huge `Retry-After` neither parks the message for ever nor breaks the deliverer (an
    overflow before: the attempt was never recorded and the message was re-sent each lease)."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, tzinfo=UTC))
    slack.reply_with(Reply(429, "rate_limited", {"Retry-After": "99999999999999"}))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    handle(n, achieved(team))
    n.container.deliverer.deliver_due()
    [entry] = team.log()
    assert [(a["status_code"], a["outcome"]) for a in entry["attempts"]] == [(429, "retry")]
    clock.advance(seconds=RetryPolicy().retry_after_cap - 1)
    n.container.deliverer.deliver_due()
    assert slack.delivered() == []
    clock.advance(seconds=2)
    n.container.deliverer.deliver_due()
    assert len(slack.delivered()) == 1 and len(slack.received) == 2


@pytest.mark.parametrize("retry_after", ["0", formatdate(time.time() - 60, usegmt=True), "1"],
                         ids=["zero", "a-past-date", "one"])
def test_a_retry_after_shorter_than_the_backoff_backs_off_instead_of_spending_the_retries(
        make_service, slack, retry_after):
    """A receiver answering 429 with `Retry-After: 0`, a date its clock had already passed, or
    1 s, got the message again at the channel's pace, once a second: the retries meant to last
    a day were spent in minutes and the message lost. A Retry-After is now the least wait, under
    the backoff's: the retries back off however little it asks."""
    clock = ControlledClock(datetime(2030, 1, 7, 10, tzinfo=UTC))
    slack.reply_with(*[Reply(429, "rate_limited", {"Retry-After": retry_after})] * 60)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    handle(n, achieved(team))

    for _ in range(60):
        n.container.deliverer.deliver_due()
        clock.advance(seconds=1)

    [entry] = team.log()
    assert entry["notification"]["status"] == "pending"
    assert 5 <= len(entry["attempts"]) <= 7  # at 0, ≤1, ≤3, ≤7, ≤15, ≤31 s: doubling steps
    assert {(a["status_code"], a["outcome"]) for a in entry["attempts"]} == {(429, "retry")}


def test_after_a_429_nothing_goes_to_that_channel_before_its_retry_after(make_service, slack):
    """Retry-After holds the whole webhook, not only the message it answered: the next message
    went a second later (the channel's pace) into the same rate limit."""
    slack.reply_with(too_many_requests(3))
    n = make_service("notifications", start_worker=False)
    team = Team(n)
    other = new_id()
    handle(n, goal(team.id, other, team.ana, "Read 10 books"))
    team.channel(slack.webhook())
    with delivering(n):
        handle(n, achieved(team), achieved(team, "Read 10 books", other))
        eventually(lambda: len(slack.delivered()) == 2, timeout=15)
    assert [r.status for r in slack.received] == [429, 200, 200]
    assert gaps(slack.received)[0] >= 3.0
    assert sorted(r.json()["text"] for r in slack.delivered()) == [
        "🎉 Goal achieved: Read 10 books", "🎉 Goal achieved: Run 100 km"]


def test_a_transaction_slow_to_commit_keeps_its_channels_pace(make_service, slack):
    """A consumer's transaction routes a message to a channel and commits only after the
    channel's pace would have passed; another routes a message to it meanwhile. The first's
    hand-over was paced from when the message was made, and held the channel until the
    commit, so the other's was claimed as the first left, and both went out together. The
    pace now counts from the commit that hands a message over (on SQLite the second waits
    for the first's commit)."""
    n = make_service("notifications", start_worker=False)
    team = Team(n)
    other = new_id()
    handle(n, goal(team.id, other, team.ana, "Read 10 books"))
    team.channel(slack.webhook())
    container = n.container
    pace = container.settings.pace_seconds
    with delivering(n):
        with container.uow() as first:
            container.handlers()["goal.achieved"](consumed(achieved(team)), first)
            routed = time.monotonic()
            second = threading.Thread(
                target=handle, args=(n, achieved(team, "Read 10 books", other)), daemon=True)
            second.start()
            second.join(2 * pace)
            time.sleep(max(0.0, routed + pace + 0.2 - time.monotonic()))
            first.commit()
        second.join(30)
        eventually(lambda: len(slack.delivered()) == 2, timeout=15)
    assert sorted(r.json()["text"] for r in slack.delivered()) == [
        "🎉 Goal achieved: Read 10 books", "🎉 Goal achieved: Run 100 km"]
    assert gaps(slack.received)[0] >= pace, gaps(slack.received)


def test_a_hand_over_leaves_a_channel_another_commit_holds_to_the_claim(make_service, slack):
    """Two consumers' transactions commit a message each to one channel at the same moment,
    each having read the channel's pace before the other committed. Only the one holding the
    channel hands its message over; the other's is left for the loop's claim, which paces it
    (PostgreSQL: SQLite's writers take turns)."""
    n = make_service("notifications", start_worker=False)
    container = n.container
    if container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    team = Team(n)
    other = new_id()
    handle(n, goal(team.id, other, team.ana, "Read 10 books"))
    team.channel(slack.webhook())
    meanwhile = once_after("FROM channels", lambda: handle(
        n, achieved(team, "Read 10 books", other)), thread=threading.get_ident())
    with delivering(n):
        with container.uow() as first:
            container.handlers()["goal.achieved"](consumed(achieved(team)), first)
            event.listen(container.engine, "after_cursor_execute", meanwhile)
            try:
                first.commit()  # the other commits right after this one reads the channel
            finally:
                event.remove(container.engine, "after_cursor_execute", meanwhile)
        eventually(lambda: len(slack.delivered()) == 2, timeout=15)
    assert sorted(r.json()["text"] for r in slack.delivered()) == [
        "🎉 Goal achieved: Read 10 books", "🎉 Goal achieved: Run 100 km"]
    assert gaps(slack.received)[0] >= container.settings.pace_seconds, gaps(slack.received)


def test_a_batch_routing_to_one_channel_holds_it_once(make_service, slack):
    """A consumer's batch of two goals achieved, each a message to the team's channel, the
    loop running: the channel's row is locked once for the transaction, not once per message
    (PostgreSQL; SQLite takes no row locks). The first is handed over, the second paced."""
    n = make_service("notifications", start_worker=False)
    container = n.container
    if container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes no row locks")
    team = Team(n)
    other = new_id()
    handle(n, goal(team.id, other, team.ana, "Read 10 books"))
    team.channel(slack.webhook())
    with delivering(n):
        with statements(container.engine) as seen:
            handle_batch(container, [consumed(achieved(team)),
                                     consumed(achieved(team, "Read 10 books", other))])
        eventually(lambda: len(slack.delivered()) == 2, timeout=15)
    assert len([s for s in seen if "FROM channels" in s and "FOR NO KEY UPDATE" in s]) == 1, seen
    assert sorted(r.json()["text"] for r in slack.delivered()) == [
        "🎉 Goal achieved: Read 10 books", "🎉 Goal achieved: Run 100 km"]
    assert gaps(slack.received)[0] >= container.settings.pace_seconds, gaps(slack.received)


def test_500_twice_backs_off_exponentially_with_jitter_then_sends(make_service, slack):
    slack.reply_with(server_error(), server_error())
    team = deliver_one(make_service, slack, timeout=30)
    first, second = gaps(slack.received)
    # Each wait is its step jittered to between half and all of it, plus the moment the
    # deliverer, asleep until the retry is due, takes to claim it: the 1 s step gives 0.5 to
    # about 1 s,
    # the 2 s step at least 1 s (so the two can be about equal, never the second far shorter).
    assert first >= 0.5
    assert second >= 1.0
    assert [r.status for r in slack.received] == [500, 500, 200]
    [entry] = team.log()
    assert [a["outcome"] for a in entry["attempts"]] == ["retry", "retry", "sent"]
    assert len({r.body for r in slack.received}) == 1


def test_410_disables_the_channel_and_tells_the_leads_in_app(make_service, slack):
    """Disabled with the webhook's reason, which a lead's repeat disable keeps; re-enabled,
    it delivers again."""
    slack.reply_with(archived())
    n = make_service("notifications", start_worker=False)
    team = Team(n)
    channel = team.channel(slack.webhook())
    with delivering(n):
        handle(n, achieved(team))
        eventually(lambda: team.log()[0]["notification"]["status"] == "failed")
        other = new_id()
        handle(n, goal(team.id, other, team.ana, "Read 10 books"),
               achieved(team, "Read 10 books", other))
    assert len(slack.received) == 1  # nothing more goes to a disabled channel
    shown = n.client.get(f"/v1/teams/{team.id}/channels/{channel['id']}", headers=team.auth())
    assert shown.json["state"] == "disabled"
    assert shown.json["disabled_reason"] == "410 channel_is_archived"
    lead_feed = [i for i in team.feed(team.lead) if i["event_type"] == "channel.disabled"]
    assert len(lead_feed) == 1 and "channel_is_archived" in lead_feed[0]["text"]
    assert not [i for i in team.feed(team.ana) if i["event_type"] == "channel.disabled"]
    with n.container.uow() as uow:
        types = [row.event_type for row in uow.session.execute(
            n.container.metadata.tables["outbox"].select())]
    assert "channel.disabled" in types

    again = n.client.patch(f"/v1/teams/{team.id}/channels/{channel['id']}",
                           headers=team.auth(), json={"state": "disabled"})
    assert (again.status_code, again.json["state"], again.json["disabled_reason"]) == (
        200, "disabled", "410 channel_is_archived")  # a repeat changed it to "disabled by a lead"
    enabled = n.client.patch(f"/v1/teams/{team.id}/channels/{channel['id']}",
                             headers=team.auth(), json={"state": "active"})
    assert enabled.json["state"] == "active" and enabled.json["disabled_reason"] is None
    with delivering(n):
        third = new_id()
        handle(n, goal(team.id, third, team.ana, "Ship it"),
               achieved(team, "Ship it", third))
        eventually(lambda: len(slack.delivered()) == 1)


def disabled_notices(team: Team, member_id: str) -> list[dict]:
    return [i for i in team.feed(member_id) if i["event_type"] == "channel.disabled"]


def test_a_signed_webhook_refusing_for_a_while_is_retried_and_stays_enabled(make_service,
                                                                            slack):
    """A receiver answering 403, then 401 (its secret being rotated, say) disabled the channel
    at the first 403 and failed the message. It is now retried with backoff and sent once."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    slack.reply_with(Reply(403, "bad signature"), Reply(401, "unauthorized"))
    handle(n, achieved(team))
    for _ in range(10):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    [entry] = team.log()
    assert [a["status_code"] for a in entry["attempts"]] == [403, 401, 200]
    delivered = Counter(json.loads(r.body)["event_id"] for r in slack.delivered())
    assert delivered == {entry["notification"]["event_id"]: 1}
    shown = n.client.get(f"/v1/teams/{team.id}/channels/{hook['id']}", headers=team.auth())
    assert shown.json["state"] == "active"
    assert disabled_notices(team, team.lead) == []


def test_a_signed_webhook_refusing_every_retry_is_disabled_and_the_leads_are_told(make_service,
                                                                                 slack):
    """The notice told the leads to "re-enable it (PATCH state=active)", an API call, though
    the Channels page has an Enable button on the channel's row: it now says so, and links to
    that page."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False,
                     NOTIFICATIONS_MAX_ATTEMPTS="4")
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook", name="Audit hook")
    slack.reply_with(*[Reply(403, "bad signature")] * 4)
    handle(n, achieved(team))
    for _ in range(20):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    [entry] = team.log()
    assert [a["status_code"] for a in entry["attempts"]] == [403] * 4
    assert entry["notification"]["status"] == "failed"
    shown = n.client.get(f"/v1/teams/{team.id}/channels/{hook['id']}", headers=team.auth())
    assert (shown.json["state"], shown.json["disabled_reason"]) == (
        "disabled", "403 bad signature (refused every retry)")
    [notice] = disabled_notices(team, team.lead)
    assert notice["text"] == (
        "Channel *Audit hook* was disabled: 403 bad signature (refused every retry). Check the "
        "receiver's URL and signing secret, then press Enable on its row of the Channels page "
        "(in the API: PATCH state=active).")
    public_url = n.container.settings.public_url.rstrip("/")
    assert notice["link"] == f"{public_url}/team/channels"
    assert disabled_notices(team, team.ana) == []


def test_a_signed_webhook_answering_400_fails_that_message_and_stays_enabled(make_service,
                                                                           slack):
    """A receiver refusing one message with 400 (its rule about that message) disabled the
    channel at once. That message now fails, logged with the receiver's answer; the next one
    is delivered."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    slack.reply_with(Reply(400, "unknown event type"))
    handle(n, achieved(team))
    for _ in range(5):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    other = new_id()
    handle(n, goal(team.id, other, team.ana, "Read 10 books"),
           achieved(team, "Read 10 books", other))
    for _ in range(5):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    [refused] = team.log(channel_id=hook["id"], status="failed")
    assert refused["notification"]["last_error"] == "400 unknown event type"
    assert [(a["status_code"], a["outcome"], a["error"]) for a in refused["attempts"]] == [
        (400, "failed", "unknown event type")]
    sent = team.log(channel_id=hook["id"], status="sent")
    assert "goal.achieved" in {e["notification"]["event_type"] for e in sent}
    delivered = Counter(json.loads(r.body)["event_id"] for r in slack.delivered())
    assert delivered == {e["notification"]["event_id"]: 1 for e in sent}
    shown = n.client.get(f"/v1/teams/{team.id}/channels/{hook['id']}", headers=team.auth())
    assert (shown.json["state"], shown.json["disabled_reason"]) == ("active", None)
    assert disabled_notices(team, team.lead) == []


def refusal_notices(team: Team, member_id: str) -> list[dict]:
    return [i for i in team.feed(member_id) if i["event_type"] == "channel.refused"]


def test_a_signed_webhook_answering_422_fails_that_message_and_tells_the_leads_once_an_hour(
        make_service, slack):
    """A receiver refusing a message with 422 had it retried to the end, then failed with no
    one told. It now fails at once, the channel stays on, and the leads are told in-app, once
    per channel per hour however many messages the receiver refuses."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook", name="Audit hook")
    refusal = Reply(422, '{"error": "field goal_id is not in our schema"}')
    slack.reply_with(refusal, refusal, refusal)

    def achieve(title: str) -> None:
        handle(n, achieved(team, title))
        for _ in range(3):
            clock.advance(seconds=1)
            n.container.deliverer.deliver_due()

    achieve("Read 10 books")
    clock.advance(minutes=30)
    achieve("Ship it")
    assert len(refusal_notices(team, team.lead)) == 1
    clock.advance(minutes=31)
    achieve("Learn Welsh")
    refused = team.log(channel_id=hook["id"], status="failed")
    assert sorted((a["status_code"], a["outcome"]) for e in refused for a in e["attempts"]) == [
        (422, "failed")] * 3
    assert len({e["notification"]["id"] for e in refused}) == 3  # three messages,
    assert [len(e["attempts"]) for e in refused] == [1, 1, 1]  # each tried once
    assert len(slack.received) == 3  # none retried
    shown = n.client.get(f"/v1/teams/{team.id}/channels/{hook['id']}", headers=team.auth())
    assert (shown.json["state"], shown.json["disabled_reason"]) == ("active", None)
    notices = refusal_notices(team, team.lead)
    assert len(notices) == 2
    assert notices[0]["text"] == (
        "Channel *Audit hook* refused a goal.achieved message: 422 {\"error\": \"field goal_id "
        "is not in our schema\"}. That message was not delivered; the delivery log lists each "
        "message refused. Check what the receiver accepts.")
    public_url = n.container.settings.public_url.rstrip("/")
    assert notices[0]["link"] == f"{public_url}/team/deliveries"  # the log it speaks of
    assert refusal_notices(team, team.ana) == []
    assert disabled_notices(team, team.lead) == []


@pytest.mark.parametrize("status", [301, 308])
def test_a_webhook_moved_permanently_is_disabled_at_once_naming_where_it_went(make_service,
                                                                             slack, status):
    """A receiver answering 301 or 308 (its URL moved) had each message retried for a day, as
    redirects are never followed, and the leads were never told: every message failed a day
    late. The first such answer now fails its message, disables the channel with where it
    points, and tells the leads once; what was queued behind it is not sent there."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook", name="Audit hook")
    moved = "https://hooks.example.com/new-audit"
    slack.reply_with(*[Reply(status, "", {"Location": moved})] * 3)
    handle(n, achieved(team, "Read 10 books"))
    handle(n, achieved(team, "Ship it"))
    for _ in range(10):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    assert len(slack.received) == 1
    entries = team.log(channel_id=hook["id"])
    assert sorted(e["notification"]["status"] for e in entries) == ["failed", "failed"]
    assert [(a["status_code"], a["outcome"]) for e in entries for a in e["attempts"]] == [
        (status, "failed")]
    disabled_and_told(n, team, hook["id"], f"{status} moved permanently (give the channel its "
                      f"new URL): redirect to '{moved}' not followed")
    assert disabled_notices(team, team.ana) == []


def disabled_and_told(n, team: Team, channel_id: str, reason: str) -> None:
    """The channel shows disabled for `reason`, and the leads' notice of it names that."""
    shown = n.client.get(f"/v1/teams/{team.id}/channels/{channel_id}", headers=team.auth())
    assert (shown.json["state"], shown.json["disabled_reason"]) == ("disabled", reason)
    [notice] = disabled_notices(team, team.lead)
    assert reason in notice["text"]


@pytest.mark.parametrize(("status", "kind"), [(302, "webhook"), (303, "webhook"),
                                              (307, "slack")])
def test_a_channel_redirected_at_every_retry_is_disabled_naming_where_it_points(
        make_service, slack, status, kind):
    """A receiver answering every request with a temporary redirect (a login page, an app
    moved behind a proxy) had each message retried for a day, as redirects are never
    followed, then failed, the channel left on and no one told: the next message spent its
    day too. A message redirected at every retry now disables the channel, naming where it
    points, as a permanent redirect does at once, and the leads are told."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False,
                     NOTIFICATIONS_MAX_ATTEMPTS="4")
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type=kind, name="Audit hook")
    login = "https://sso.example.com/login?next=/hook"
    slack.reply_with(*[Reply(status, "", {"Location": login})] * 4)
    handle(n, achieved(team))
    for _ in range(20):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    [entry] = team.log()
    assert [(a["status_code"], a["outcome"]) for a in entry["attempts"]] == [
        (status, "retry")] * 3 + [(status, "failed")]
    disabled_and_told(n, team, hook["id"], f"{status} redirected at a message's last retry "
                      f"(give the channel the URL that takes its messages): redirect to "
                      f"'{login}' not followed")


def test_a_lead_mutes_the_notices_of_messages_a_channel_refused(make_service, slack):
    """`channel.refused`, the type of those notices in the feed, was refused as an unknown
    event type (422), so a lead told once an hour could not stop them."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook", name="Audit hook")
    slack.reply_with(Reply(422, '{"error": "field goal_id is not in our schema"}'))
    muted = n.client.put("/v1/me/preferences", headers=team.auth(),
                         json={"muted": ["channel.refused"]})
    assert muted.status_code == 200, muted.json
    assert muted.json["muted"] == ["channel.refused"]
    handle(n, achieved(team))
    for _ in range(3):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    [refused] = team.log(channel_id=hook["id"], status="failed")
    assert refused["notification"]["last_error"].startswith("422 ")
    assert refusal_notices(team, team.lead) == []


def _holding_two_back(make_service, slack):
    """A team's webhook answering 503 with a Retry-After of ten minutes, holding two
    messages back (both pending): the clock, service, team and channel."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    slack.reply_with(Reply(503, "busy", {"Retry-After": "600"}))
    handle(n, achieved(team, "Read 10 books"), achieved(team, "Ship it"))
    for _ in range(3):
        clock.advance(seconds=1)
        n.container.deliverer.deliver_due()
    assert sorted(e["notification"]["status"] for e in team.log()) == ["pending", "pending"]
    return clock, n, team, hook


def test_a_deleted_channels_queued_messages_fail_at_once_and_never_leave(make_service, slack):
    """A webhook holding its messages back (503, Retry-After ten minutes) was deleted: the
    delivery log still showed both messages pending until the Retry-After ran out. They now
    show failed, "channel deleted", as the channel goes, and nothing more reaches the
    receiver."""
    clock, n, team, hook = _holding_two_back(make_service, slack)
    deleted = n.client.delete(f"/v1/teams/{team.id}/channels/{hook['id']}", headers=team.auth())

    assert deleted.status_code == 204
    logged = {e["notification"]["id"]: (e["notification"]["status"],
                                        e["notification"]["last_error"]) for e in team.log()}
    assert list(logged.values()) == [("failed", "channel deleted")] * 2
    clock.advance(seconds=700)
    n.container.deliverer.deliver_due()
    assert len(slack.received) == 1  # the one 503, before the delete
    assert {e["notification"]["id"]: e["notification"]["status"] for e in team.log()} == {
        key: "failed" for key in logged}


@pytest.mark.parametrize("answer", [Reply(403, ""), Reply(503, "busy", {"Retry-After": "600"})],
                         ids=["403", "503"])
def test_a_message_answered_after_its_channel_was_deleted_fails_as_deleted(make_service, slack,
                                                                           monkeypatch, answer):
    """A lead deleted a webhook while a message to it was on its way. With no channel left to
    read, the answer was judged by Slack's rules: a 403 failed it as "403 action_prohibited"
    (Slack's word, not the receiver's), a 503 left it pending for the ten minutes asked, shown
    pending for a channel gone. It now fails "channel deleted", the receiver's answer kept in
    its attempt, and nothing more is sent there."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    slack.reply_with(answer)
    deliverer = n.container.deliverer
    post = deliverer.client.post
    deletes = []

    def answered_as_the_lead_deletes_it(url, body, headers=None):
        result = post(url, body, headers)
        deletes.append(n.client.delete(f"/v1/teams/{team.id}/channels/{hook['id']}",
                                       headers=team.auth()).status_code)
        return result

    monkeypatch.setattr(deliverer.client, "post", answered_as_the_lead_deletes_it)
    handle(n, achieved(team))
    clock.advance(seconds=1)
    deliverer.deliver_due()
    monkeypatch.setattr(deliverer.client, "post", post)
    assert deletes == [204]

    [entry] = team.log()
    assert (entry["notification"]["status"], entry["notification"]["last_error"]) == (
        "failed", "channel deleted")
    assert [(a["status_code"], a["outcome"]) for a in entry["attempts"]] == [
        (answer.status, "failed")]
    clock.advance(seconds=700)
    deliverer.deliver_due()
    assert len(slack.received) == 1


def test_a_disabled_channels_held_messages_fail_saying_it_is_disabled(make_service, slack):
    """A webhook holding its messages back (503, Retry-After ten minutes) was disabled by a
    lead: when they came due the log said "channel disabled or deleted", though the channel
    was there to see, disabled. It says "channel disabled" now, and nothing more is sent."""
    clock, n, team, hook = _holding_two_back(make_service, slack)
    disabled = n.client.patch(f"/v1/teams/{team.id}/channels/{hook['id']}",
                              headers=team.auth(), json={"state": "disabled"})
    assert disabled.status_code == 200

    clock.advance(seconds=700)
    n.container.deliverer.deliver_due()
    logged = {e["notification"]["id"]: (e["notification"]["status"],
                                        e["notification"]["last_error"]) for e in team.log()}
    assert list(logged.values()) == [("failed", "channel disabled")] * 2
    assert len(slack.received) == 1  # the one 503, before the lead disabled it


def test_a_slow_answer_times_out_and_is_retried(make_service, slack):
    slack.reply_with(Reply(delay=4.0))
    n = make_service("notifications", start_worker=False)
    n.container.client = WebhookClient(read_timeout=0.4, allowlist=("127.0.0.1",))
    team = Team(n)
    team.channel(slack.webhook())
    with delivering(n):
        handle(n, achieved(team))
        eventually(lambda: team.log()[0]["notification"]["status"] == "sent", timeout=10)
    first, second = team.log()[0]["attempts"]
    assert first["status_code"] is None and "Timeout" in first["error"]
    assert first["duration_ms"] < 4000  # given up before the server answered
    assert second["outcome"] == "sent"


def test_messages_to_one_webhook_are_paced_about_one_per_second(notifications, team, slack):
    team.channel(slack.webhook("T/B/paced"))
    team.channel(slack.webhook("T/B/other"), event_types=["goal.created"])
    goals = [(new_id(), f"Goal {i}") for i in range(3)]
    handle(notifications, *[goal(team.id, gid, team.ana, title) for gid, title in goals])
    with delivering(notifications):
        eventually(lambda: len(slack.delivered()) == 6, timeout=10)
    paced = [r for r in slack.received if r.path.endswith("paced")]
    other = [r for r in slack.received if r.path.endswith("other")]
    assert all(gap >= 0.9 for gap in gaps(paced)), gaps(paced)
    assert all(gap >= 0.9 for gap in gaps(other)), gaps(other)
    assert len({r.body for r in paced}) == 3


def test_webhook_channels_get_signed_json_with_a_secret_shown_once(notifications, team, slack):
    created = team.channel(slack.webhook("hook"), type="webhook")
    secret = created["secret"]
    assert secret and len(secret) >= 32
    listed = notifications.client.get(f"/v1/teams/{team.id}/channels",
                                      headers=team.auth()).json["items"]
    assert "secret" not in listed[0]
    with delivering(notifications):
        handle(notifications, achieved(team))
        eventually(lambda: len(slack.delivered()) == 1)
    request = slack.received[0]
    assert verify(secret, request.headers, request.body, now=float(
        request.headers["X-Goalkeeper-Timestamp"]))
    body = json.loads(request.body)
    assert body["type"] == "goal.achieved" and body["data"]["goal_id"] == team.goal


def test_a_rotated_secret_signs_beside_the_new_one_for_the_grace_period_only(make_service,
                                                                               slack):
    """A receiver switching secrets refused every delivery signed with the one it did not
    hold yet. For a day after a rotation each delivery carries both signatures, the new
    secret's first, and each secret verifies it; after that, the new one's alone."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    rotated = n.client.post(f"/v1/teams/{team.id}/channels/{hook['id']}/secret",
                            headers=team.auth())
    old, new = hook["secret"], rotated.json["secret"]

    handle(n, achieved(team))
    n.container.deliverer.deliver_due()
    clock.advance(hours=24, seconds=1)
    handle(n, achieved(team, "Swim 10 km", new_id()))
    n.container.deliverer.deliver_due()

    during, after = slack.received
    assert during.headers["X-Goalkeeper-Signature"].count("v1=") == 2
    for secret in (old, new):
        assert verify(secret, during.headers, during.body,
                      now=float(during.headers["X-Goalkeeper-Timestamp"]))
    assert verify(new, after.headers, after.body,
                  now=float(after.headers["X-Goalkeeper-Timestamp"]))
    assert not verify(old, after.headers, after.body,
                      now=float(after.headers["X-Goalkeeper-Timestamp"]))
    assert rotated.json["previous_secret_until"] == "2030-01-08T12:00:00+00:00"


def signed_by(secret: str, request) -> bool:
    return verify(secret, request.headers, request.body,
                  now=float(request.headers["X-Goalkeeper-Timestamp"]))


def test_a_replaced_secret_is_gone_from_the_channel_once_its_grace_is_over(make_service,
                                                                           slack):
    """After a rotation's grace the replaced secret signed nothing, but stayed in the channel's
    row for good: one leaked from the receiver's old configuration could be read from the
    database for ever. Deliveries after the grace are signed with the new one alone, and the
    worker's purge erases the old one from the row."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    path = f"/v1/teams/{team.id}/channels/{hook['id']}"
    new = n.client.post(f"{path}/secret", headers=team.auth()).json["secret"]

    clock.advance(hours=24, seconds=1)
    handle(n, achieved(team))
    n.container.deliverer.deliver_due()
    scheduled_job(n.container, "expired-secrets-purge").run()

    [request] = slack.delivered()
    assert signed_by(new, request) and not signed_by(hook["secret"], request)
    with n.container.engine.connect() as conn:
        kept = conn.execute(select(Channel.secret, Channel.previous_secret)
                            .where(Channel.id == hook["id"])).one()
    assert tuple(kept) == (new, None)


def test_the_purge_erases_a_replaced_secret_past_its_grace_from_a_channel_sent_nothing(
        make_service, slack):
    """A replaced secret was erased only when its channel was next sent to: a disabled or
    quiet channel kept the old secret in its row for good. The worker's purge erases every
    replaced secret whose grace is over, sent to or not, and keeps one whose grace runs."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    off, later = (team.channel(slack.webhook(name), type="webhook") for name in ("off", "later"))
    base = f"/v1/teams/{team.id}/channels"
    new = n.client.post(f"{base}/{off['id']}/secret", headers=team.auth()).json["secret"]
    assert n.client.patch(f"{base}/{off['id']}", headers=team.auth(),
                          json={"state": "disabled"}).json["state"] == "disabled"
    clock.advance(hours=12)
    assert n.client.post(f"{base}/{later['id']}/secret", headers=team.auth()).status_code == 200

    clock.advance(hours=12, seconds=1)  # the first grace is over, the second's runs
    scheduled_job(n.container, "expired-secrets-purge").run()

    with n.container.engine.connect() as conn:
        kept = {row.id: (row.secret, row.previous_secret) for row in conn.execute(
            select(Channel.id, Channel.secret, Channel.previous_secret)
            .where(Channel.team_id == team.id))}
    assert kept[off["id"]] == (new, None)
    assert kept[later["id"]][1] == later["secret"]


def test_a_rotation_enables_again_a_webhook_its_receiver_disabled_for_refusing_the_signature(
        make_service, slack):
    """A receiver refusing every retry with 401 or 403 (a secret it does not hold) disabled
    the channel, and a rotation, giving the lead a secret to hand it, left the channel off:
    it had to be enabled apart. A rotation now enables it again, as a new URL enables one
    disabled for its old URL; one disabled for a gone URL (410) or by a lead stays off."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False,
                     NOTIFICATIONS_MAX_ATTEMPTS="1")
    team = Team(n)
    refusing, gone, off = (team.channel(slack.webhook(name), type="webhook",
                                        event_types=["goal.achieved"])
                           for name in ("refusing", "gone", "off"))
    slack.reply_with(Reply(401, "bad signature"), Reply(410, "gone"))
    handle(n, achieved(team))
    n.container.deliverer.deliver_due()  # one message each, in the order they were added
    assert n.client.patch(f"/v1/teams/{team.id}/channels/{off['id']}", headers=team.auth(),
                          json={"state": "disabled"}).status_code == 200
    shown = [n.client.get(f"/v1/teams/{team.id}/channels/{c['id']}", headers=team.auth()).json
             for c in (refusing, gone, off)]
    assert [(c["state"], c["disabled_reason"]) for c in shown] == [
        ("disabled", "401 bad signature (refused every retry)"), ("disabled", "410 gone"),
        ("disabled", "disabled by a lead")]

    rotated = {c["id"]: n.client.post(f"/v1/teams/{team.id}/channels/{c['id']}/secret",
                                      headers=team.auth()) for c in (refusing, gone, off)}

    assert {r.status_code for r in rotated.values()} == {200}
    assert [(rotated[c["id"]].json["state"], rotated[c["id"]].json["disabled_reason"])
            for c in (refusing, gone, off)] == [
        ("active", None), ("disabled", "410 gone"), ("disabled", "disabled by a lead")]
    clock.advance(minutes=1)
    handle(n, achieved(team, "Swim 10 km", new_id()))
    n.container.deliverer.deliver_due()
    [request] = [r for r in slack.delivered() if r.path.endswith("/refusing")]
    assert signed_by(rotated[refusing["id"]].json["secret"], request)


def test_a_webhook_never_gets_the_slack_response_url_of_a_slash_command_checkin(notifications,
                                                                               team, slack):
    """A check-in logged with `/goals` carried Slack's `response_url`, a link that posts into
    the member's Slack conversation for half an hour, to every consumer and outgoing webhook.
    No event carries it now; one already in a topic loads without it, so the body keeps the
    check-in's data but that link."""
    hook = team.channel(slack.webhook("hook"), type="webhook")
    response_url = "https://hooks.slack.com/commands/T0/1234/SeCrEtToKeN"
    logged = checkin(team.id, team.goal, team.ana, 40, "Long run", source="slack",
                     request_id=new_id(), response_url=response_url)
    assert "response_url" not in consumed(logged).data
    with delivering(notifications):
        handle(notifications, logged, progressed(logged, 0.4))
        eventually(lambda: len(slack.delivered()) == 1)
    [request] = slack.received
    assert verify(hook["secret"], request.headers, request.body,
                  now=float(request.headers["X-Goalkeeper-Timestamp"]))
    body = json.loads(request.body)
    assert (body["event_id"], body["type"]) == (logged.id, "checkin.logged")
    assert (body["data"]["checkin_id"], body["data"]["note"]) == (logged.data["checkin_id"],
                                                                  "Long run")
    assert "response_url" not in body["data"]
    assert b"SeCrEtToKeN" not in request.body


def test_after_a_long_outage_the_backlog_drains_at_the_channel_pace(make_service, slack):
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    slack.reply_with(*[server_error()] * 200)
    titles = [f"Goal {i}" for i in range(5)]
    handle(n, *[achieved(team, title, new_id()) for title in titles])
    deliverer = n.container.deliverer
    deliverer.rng = random.Random(7)  # the same jitter every run
    for _ in range(900):  # a quarter of an hour of outage: every backoff reaches minutes
        clock.advance(seconds=1)
        deliverer.deliver_due()
    assert slack.delivered() == []
    with slack._lock:
        slack.script.clear()  # Slack is back; each message still waits out its own backoff
    delivered_at: list[datetime] = []
    for _ in range(400):  # the controlled clock moves a second a step
        clock.advance(seconds=1)
        deliverer.deliver_due()
        delivered_at += [clock.now()] * (len(slack.delivered()) - len(delivered_at))
    sent = [json.loads(r.body)["text"] for r in slack.delivered()]
    queued = [f"🎉 Goal achieved: {title}" for title in titles]
    assert sorted(sent) == sorted(queued)
    # once the first goes through, the rest follow at the channel's pace, not their backoffs
    assert delivered_at[-1] - delivered_at[0] <= timedelta(seconds=len(titles) + 2), [
        (t - delivered_at[0]).total_seconds() for t in delivered_at]


def test_the_delivery_log_reads_notifications_and_attempts_in_one_statement(notifications,
                                                                           team, slack):
    """One statement, one snapshot: read in two, a send recorded between them showed a
    notification still pending beside the attempt that had sent it."""
    team.channel(slack.webhook())
    handle(notifications, achieved(team), achieved(team, "Swim 10 km", new_id()))
    assert notifications.container.deliverer.deliver_due() == 1  # the channel's pace: one now
    with statements(notifications.container.engine) as seen:
        entries = team.log()
    reads = [s for s in seen if "delivery_attempts" in s]
    assert len(reads) == 1 and "FROM notifications" in reads[0], seen
    assert sorted((e["notification"]["status"], [a["status_code"] for a in e["attempts"]])
                  for e in entries) == [("pending", []), ("sent", [200])]


# -- messages made where the delivery loop runs: claimed in their own transaction -------------
NOON = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)


def stored(service, team: Team) -> tuple[list[Notification], Channel]:
    """The team's channel notifications as committed, oldest first, and its one channel."""
    with service.container.uow() as uow:
        notes = list(uow.session.scalars(
            select(Notification).where(Notification.team_id == team.id,
                                       Notification.channel_id.is_not(None))
            .order_by(Notification.created_at)))
        [channel] = uow.channels.active_for(team.id)
    return notes, channel


def with_deliverer(make_service, slack, clock: ControlledClock | None = None, *,
                   loop_runs_here: bool = True):
    """A notifications service, a team with a Slack channel, and the service's deliverer. With
    `loop_runs_here` it takes new messages as its running loop would (`run` sets `accepting`);
    the loop itself is driven by hand here."""
    n = make_service("notifications", clock=clock or ControlledClock(NOON), start_worker=False)
    team = Team(n)
    team.channel(slack.webhook())
    n.container.deliverer.accepting = loop_runs_here
    return n, team, n.container.deliverer


def another_worker(n) -> Deliverer:
    """A deliverer of the same service whose loop runs in another process: it only claims."""
    c = n.container
    return Deliverer(c.uow, c.client, c.clock, c.notifier, c.policy)


def test_a_message_made_while_the_loop_runs_here_is_leased_at_its_commit_and_sent_once(
        make_service, slack):
    n, team, deliverer = with_deliverer(make_service, slack)
    handle(n, achieved(team))
    [note], channel = stored(n, team)
    # leased and paced in the transaction that made it, as a claim would have done
    assert note.next_attempt_at == NOON + n.container.policy.lease
    assert channel.last_sent_at == NOON
    # once the channel's pace (1 s) allows, another worker's claim still finds nothing to
    # send: it is leased (60 s) to this loop, which was handed it
    n.container.clock.advance(seconds=2)
    assert another_worker(n).deliver_due() == 0
    assert slack.delivered() == []
    assert deliverer.deliver_due() == 1
    assert deliverer.deliver_due() == 0
    assert [r.json()["text"] for r in slack.delivered()] == ["🎉 Goal achieved: Run 100 km"]
    [entry] = team.log()
    assert entry["notification"]["status"] == "sent"
    assert [a["status_code"] for a in entry["attempts"]] == [200]


def test_a_message_made_where_the_loop_does_not_run_waits_for_a_claim(make_service, slack):
    """A web process makes messages too; there, nothing would ever take a handed-over one."""
    n, team, deliverer = with_deliverer(make_service, slack, loop_runs_here=False)
    handle(n, achieved(team))
    [note], channel = stored(n, team)
    assert note.next_attempt_at == NOON and channel.last_sent_at is None
    assert deliverer.deliver_due() == 1
    assert len(slack.delivered()) == 1


def test_only_the_message_the_channel_pace_lets_go_now_is_handed_over(make_service, slack):
    clock = ControlledClock(NOON)
    n, team, deliverer = with_deliverer(make_service, slack, clock)
    handle(n, achieved(team), achieved(team, "Swim 10 km", new_id()))
    first, second = stored(n, team)[0]
    assert first.next_attempt_at == NOON + n.container.policy.lease
    assert second.next_attempt_at == NOON  # a second message this second waits for a claim
    assert deliverer.deliver_due() == 1  # the handed one; the claim paces the other
    clock.advance(seconds=1)
    assert deliverer.deliver_due() == 1
    assert [r.json()["text"] for r in slack.delivered()] == [
        "🎉 Goal achieved: Run 100 km", "🎉 Goal achieved: Swim 10 km"]


def test_a_coalesced_checkin_is_not_handed_over_before_its_quiet_window(make_service, slack):
    n, team, deliverer = with_deliverer(make_service, slack)
    logged = checkin(team.id, team.goal, team.ana, 5)
    handle(n, logged, progressed(logged, 0.05))
    [note], _ = stored(n, team)
    assert note.next_attempt_at == NOON + n.container.policy.coalesce_quiet
    assert deliverer.deliver_due() == 0


def test_the_loop_takes_hand_overs_only_while_it_runs(make_service, slack):
    """The other tests set `accepting` by hand; here the running loop sets it, and a message
    made meanwhile goes out once."""
    n, team, deliverer = with_deliverer(make_service, slack, loop_runs_here=False)
    stop = Stop()
    loop = threading.Thread(target=deliverer.run, args=(stop,), daemon=True)
    loop.start()
    try:
        eventually(lambda: deliverer.accepting, timeout=10)
        handle(n, achieved(team))
        eventually(lambda: len(slack.delivered()) == 1, timeout=10)
    finally:
        stop.set()
        loop.join(timeout=10)
    assert not loop.is_alive() and deliverer.accepting is False
    assert len(slack.delivered()) == 1
    assert [r.json()["text"] for r in slack.delivered()] == ["🎉 Goal achieved: Run 100 km"]


def test_what_was_handed_over_before_a_stop_leaves_before_the_loop_ends(make_service, slack):
    n, team, deliverer = with_deliverer(make_service, slack)
    handle(n, achieved(team))
    stop = Stop()
    stop.set()  # SIGTERM came before the loop took its next turn
    deliverer.run(stop)
    assert len(slack.delivered()) == 1
    assert deliverer.accepting is False  # what is made from now on waits for a claim


def test_a_message_committed_after_the_loop_stopped_leaves_at_its_commit(make_service, slack):
    """A consumer's transaction took the message while the loop ran, and commits after the
    loop's last attempt at a stop: it leaves at that commit, not when its lease runs out."""
    n, team, deliverer = with_deliverer(make_service, slack)
    handlers = n.container.handlers()
    stop = Stop()
    stop.set()
    with n.container.uow() as uow:
        handlers["goal.achieved"](consumed(achieved(team)), uow)  # taken: the loop runs
        deliverer.run(stop)  # SIGTERM: the loop ends before this transaction commits
        assert slack.delivered() == [] and deliverer.accepting is False
        uow.commit()
    assert [r.json()["text"] for r in slack.delivered()] == ["🎉 Goal achieved: Run 100 km"]
    [note], _ = stored(n, team)
    assert note.status == "sent"
    assert deliverer.deliver_due() == 0


def test_a_message_whose_transaction_rolls_back_is_never_handed_over(make_service, slack):
    n, team, deliverer = with_deliverer(make_service, slack)
    handlers = n.container.handlers()
    with n.container.uow() as uow:
        handlers["goal.achieved"](consumed(achieved(team, "Row 5 km", new_id())), uow)
        uow.rollback()
        uow.commit()  # nothing of the rolled-back work, its hand-over included
    with n.container.uow() as uow:  # a consumer's batch redone record by record
        with contextlib.suppress(RuntimeError), uow.savepoint():
            handlers["goal.achieved"](consumed(achieved(team)), uow)
            raise RuntimeError("the record failed after routing")
        handlers["goal.achieved"](consumed(achieved(team, "Swim 10 km", new_id())), uow)
        uow.commit()
    assert deliverer.deliver_due() == 1
    assert [r.json()["text"] for r in slack.delivered()] == ["🎉 Goal achieved: Swim 10 km"]
    [note], _ = stored(n, team)
    assert note.status == "sent"


def test_a_checkin_another_worker_is_still_posting_is_not_merged_into_a_later_burst(
        make_service, slack):
    """Two workers: A claims check-in X and posts it to a slow Slack; meanwhile B claims the
    next check-in Y, whose burst began after X's. X is A's until A records its answer, so B
    posts Y alone: each check-in reaches the channel once (counted by its own line)."""
    clock = ControlledClock(NOON)
    n, team, deliverer = with_deliverer(make_service, slack, clock, loop_runs_here=False)
    quiet = n.container.policy.coalesce_quiet
    x = checkin(team.id, team.goal, team.ana, 5)
    handle(n, x, progressed(x, 0.05))
    clock.advance(seconds=quiet.total_seconds())
    slack.reply_with(Reply(delay=2.0))  # X's post: Slack answers two seconds later
    worker_a = threading.Thread(target=deliverer.deliver_due, daemon=True)
    worker_a.start()
    eventually(lambda: stored(n, team)[0][0].next_attempt_at > clock.now(), timeout=10)

    y = checkin(team.id, team.goal, team.ben, 7)
    handle(n, y, progressed(y, 0.07))
    clock.advance(seconds=(quiet + n.container.policy.pace).total_seconds())
    assert another_worker(n).deliver_due() == 1
    worker_a.join(timeout=10)

    posted = [r.json()["text"] + json.dumps(r.json().get("blocks")) for r in slack.delivered()]
    shown = {value: sum(f": {value} km" in text for text in posted) for value in (5, 7)}
    assert shown == {5: 1, 7: 1}, posted
    notes = {note.id: note.status for note in stored(n, team)[0]}
    assert list(notes.values()) == ["sent", "sent"]


def test_a_claim_that_ran_out_and_was_merged_stays_merged_when_its_late_answer_comes():
    """A worker stalled past its lease: its row was merged into a burst meanwhile. Its late
    answer is logged as an attempt but does not turn the row back into `sent`."""
    late = Notification("t", "slack:c", "e1", "checkin.logged", "{}", channel_id="c",
                        created_at=NOON)
    head = Notification("t", "slack:c", "e2", "checkin.logged", "{}", channel_id="c",
                        created_at=NOON)
    late.claim(NOON, timedelta(seconds=60))
    assert late.claimed(NOON + timedelta(seconds=59))
    assert not late.claimed(NOON + timedelta(seconds=60))
    late.merge_into(head)
    outcome = late.record_attempt(SendResult(200, "ok"), NOON + timedelta(seconds=90), None,
                                  RetryPolicy(), random.Random(1))
    assert (outcome, late.status, late.merged_into, late.attempts) == (
        "coalesced", "coalesced", head.id, 1)
    assert late.claimed_until is None


class SlowSends(WebhookClient):
    """Worker A's sender: each post takes `seconds` of the controlled clock. The first post that
    starts once A's claims ran out lets worker B's loop run first, as it would meanwhile."""

    def __init__(self, clock: ControlledClock, seconds: float, lease_ends: datetime,
                 other_worker: Deliverer):
        super().__init__(allowlist=("127.0.0.1",))
        self.clock, self.seconds, self.lease_ends = clock, seconds, lease_ends
        self.other_worker: Deliverer | None = other_worker

    def post(self, url, payload, headers=None):
        if self.other_worker is not None and self.clock.now() >= self.lease_ends:
            self.other_worker, other = None, self.other_worker
            other.deliver_due()
        result = super().post(url, payload, headers)
        self.clock.advance(seconds=self.seconds)
        return result


def test_a_batch_slower_than_its_lease_never_posts_what_another_worker_claimed_since(
        make_service, slack):
    """Worker A claims a message for each of seven channels and posts them in turn, each
    taking 10 s (a slow webhook). The last ones would start after their 60 s lease ran out,
    when worker B has claimed them too: A leaves what it cannot finish within its lease for the
    next claim, so each channel gets its message once. It was posted by both before."""
    clock = ControlledClock(NOON)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    paths = [f"T000/B00{i}/XXXX" for i in range(7)]
    for path in paths:
        team.channel(slack.webhook(path))
    handle(n, achieved(team))
    c = n.container
    worker_b = Deliverer(c.uow, WebhookClient(allowlist=("127.0.0.1",)), clock, c.notifier,
                         c.policy)
    worker_a = Deliverer(c.uow, SlowSends(clock, 10, NOON + c.policy.lease, worker_b), clock,
                         c.notifier, c.policy)
    worker_a.deliver_due()
    clock.set(max(clock.now(), NOON + c.policy.lease))
    worker_b.deliver_due()
    posted = [r.path.rsplit("/services/", 1)[1] for r in slack.delivered()]
    assert sorted(posted) == sorted(paths)  # each channel once
    assert all(entry["notification"]["status"] == "sent" for entry in team.log())
