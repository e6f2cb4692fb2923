"""The feed, channel and delivery-log API: pagination, read state, roles and other teams."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from functools import partial

import pytest
from marshmallow import ValidationError
from sqlalchemy import event, text

from services.notifications.entrypoints.event_type_schemas import event_type_among
from shared.clock import ControlledClock
from shared.pagination import encode_cursor
from tests.notifications.support import Team, checkin, delivering, goal, handle, new_id
from tests.support.races import SQLITE_WAITS, once_after, run_together, waiting_on_a_lock
from tests.support.slack_server import archived
from tests.support.waiting import eventually

BAD_URLS = ["https://169.254.169.254/x", "http://2130706433/x", "https://evil.example.com/x"]


def test_feed_pages_with_a_cursor_and_tracks_unread(notifications, team):
    handle(notifications,
           *[checkin(team.id, team.goal, team.ana, v) for v in (1, 2, 3, 4)])
    client, ben = notifications.client, team.auth(team.ben)
    total = client.get("/v1/me/feed/unread-count", headers=ben).json["unread"]
    assert total == 5  # four check-ins and the pairing
    first = client.get("/v1/me/feed?limit=2", headers=ben).json
    second = client.get(f"/v1/me/feed?limit=2&cursor={first['next_cursor']}", headers=ben).json
    third = client.get(f"/v1/me/feed?limit=2&cursor={second['next_cursor']}", headers=ben).json
    ids = [i["id"] for page in (first, second, third) for i in page["items"]]
    assert len(ids) == len(set(ids)) == 5 and third["next_cursor"] is None
    assert "4 km" in first["items"][0]["text"]  # newest first

    ana_item = team.feed(team.ana)[0]["id"]
    marked = client.post("/v1/me/feed/read", headers=ben, json={"ids": [ids[0], ana_item]})
    assert marked.json == {"marked": 1}  # someone else's item is not touched
    assert client.get("/v1/me/feed/unread-count", headers=ben).json["unread"] == 4
    unread = client.get("/v1/me/feed?unread=true", headers=ben).json["items"]
    assert ids[0] not in [i["id"] for i in unread]
    assert client.post("/v1/me/feed/read", headers=ben, json={"all": True}).json == {"marked": 4}
    assert client.get("/v1/me/feed/unread-count", headers=ben).json["unread"] == 0
    assert team.feed(team.ana)[0]["read"] is False


def test_feed_rejects_bad_input_precisely(notifications, team):
    client = notifications.client
    ben = team.auth(team.ben)
    assert client.post("/v1/me/feed/read", headers=ben, json={}).status_code == 422
    both = client.post("/v1/me/feed/read", headers=ben, json={"ids": ["x"], "all": True})
    assert both.status_code == 422
    bad_cursor = client.get("/v1/me/feed?cursor=nonsense", headers=ben)
    assert bad_cursor.status_code == 400
    assert bad_cursor.headers["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("cursor", [["yesterday", "x"], [1, 2], ["2026-03-04T12:00:00+00:00", 7],
                                    ["2026-03-04T12:00:00+00:00", "x\x00"], [10**30, "x"],
                                    ["9999-12-31T23:59:59-14:00", "x"],
                                    ["0001-01-01T00:00:00+14:00", "x"],
                                    ["2026-03-04T12:00:00", "x"]])
def test_a_cursor_that_decodes_to_the_wrong_values_is_a_400(notifications, team, cursor):
    """Well-formed base64 JSON holding what no page made (a 500 before, in the time's parse)."""
    for path, headers in (("/v1/me/feed", team.auth(team.ben)),
                          (f"/v1/teams/{team.id}/deliveries", team.auth())):
        response = notifications.client.get(f"{path}?cursor={encode_cursor(cursor)}",
                                            headers=headers)
        assert response.status_code == 400, (path, response.json)
        assert "cursor is not valid" in response.json["detail"]


def test_channels_are_lead_only_team_scoped_and_can_be_changed_or_removed(
        notifications, team, slack):
    client = notifications.client
    other = Team(notifications)
    created = team.channel(slack.webhook(), name="alerts", event_types=["goal.health_changed"],
                           health=["off_track"])
    path = f"/v1/teams/{team.id}/channels/{created['id']}"
    assert created["secret"] is None and created["health"] == ["off_track"]
    assert client.get(path, headers=other.auth()).status_code == 404
    assert client.get(f"/v1/teams/{team.id}/channels", headers=other.auth()).status_code == 404
    assert client.get(f"/v1/teams/{team.id}/deliveries",
                      headers=other.auth()).status_code == 404
    assert client.get(path, headers=team.auth(team.ana)).status_code == 403
    changed = client.patch(path, headers=team.auth(), json={"name": "red", "event_types": []})
    assert changed.status_code == 200
    assert (changed.json["name"], changed.json["event_types"]) == ("red", [])
    assert client.patch(path, headers=team.auth(), json={"health": ["purple"]}).status_code == 422
    assert client.delete(path, headers=team.auth()).status_code == 204
    assert client.get(path, headers=team.auth()).status_code == 404
    assert client.get(f"/v1/teams/{team.id}/channels", headers=team.auth()).json["items"] == []


def test_a_channel_added_twice_under_one_idempotency_key_is_added_once(notifications, team,
                                                                       slack):
    """Add a channel sent twice (a double click) added two identical channels, so every
    message then posted twice. The same key and body now answer the first 201 again, a signed
    webhook's secret included; the same key with another body is refused."""
    path = f"/v1/teams/{team.id}/channels"
    once = {**team.auth(), "Idempotency-Key": "add-audit-hook"}
    body = {"type": "webhook", "webhook_url": slack.webhook("hook"), "name": "Audit hook"}

    first, second = (notifications.client.post(path, headers=once, json=body) for _ in range(2))
    other = notifications.client.post(path, headers=once, json={**body, "name": "Other hook"})

    assert (first.status_code, second.status_code) == (201, 201), second.json
    assert second.json == first.json and first.json["secret"]
    assert second.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422, other.json
    assert other.json["errors"] == {"Idempotency-Key": ["Reused with another body."]}
    listed = notifications.client.get(path, headers=team.auth()).json["items"]
    assert [c["id"] for c in listed] == [first.json["id"]]


def test_an_empty_channel_patch_is_refused_naming_what_can_be_sent(notifications, team, slack):
    """A PATCH of `{}` answered 200 as if the channel had changed. It is the 422 every other
    PATCH answers, naming the fields; the channel stays as it was."""
    created = team.channel(slack.webhook(), name="alerts")
    path = f"/v1/teams/{team.id}/channels/{created['id']}"

    empty = notifications.client.patch(path, headers=team.auth(), json={})

    assert empty.status_code == 422, empty.json
    assert empty.json["detail"] == ("An empty body changes nothing; send at least one of: "
                                    "name, webhook_url, event_types, health, state.")
    assert notifications.client.get(path, headers=team.auth()).json["name"] == "alerts"


def test_an_event_type_listed_twice_in_a_channels_filter_is_refused(notifications, team,
                                                                    slack):
    """The filter was saved and shown with the type twice (a health listed twice was refused)."""
    created = team.channel(slack.webhook(), event_types=["goal.achieved"])
    path = f"/v1/teams/{team.id}/channels"
    twice = ["checkin.logged", "goal.achieved", "checkin.logged"]
    for answer in (notifications.client.post(path, headers=team.auth(), json={
                       "type": "slack", "webhook_url": slack.webhook(), "event_types": twice}),
                   notifications.client.patch(f"{path}/{created['id']}", headers=team.auth(),
                                              json={"event_types": twice})):
        assert answer.status_code == 422, answer.json
        assert answer.json["errors"] == {"event_types": ["List each value once."]}
    shown = notifications.client.get(path, headers=team.auth()).json["items"]
    assert [c["event_types"] for c in shown] == [["goal.achieved"]]


def test_the_event_type_validator_knows_only_the_types_its_caller_says_it_knows():
    """The validator the channel and mute schemas share lived among the channel schemas and
    decided itself, from every event type and the personal digest's, which types were unknown.
    Its caller says which it knows; the messages are those the API answers above."""
    check = event_type_among(("goal.achieved",), "Not sent {value}.", "May name",
                             known=lambda value: value == "kudos.given",
                             unknown="Unknown event type {value}.")
    check("goal.achieved")
    refused = {}
    for value in ("kudos.given", "goal.created", "digest.personal"):
        with pytest.raises(ValidationError) as error:
            check(value)
        refused[value] = error.value.messages
    assert refused == {
        "kudos.given": ["Not sent 'kudos.given'. May name: goal.achieved."],
        "goal.created": ["Unknown event type 'goal.created'. May name: goal.achieved."],
        "digest.personal": ["Unknown event type 'digest.personal'. May name: goal.achieved."]}
    with pytest.raises(TypeError):
        event_type_among(("goal.achieved",), "Not sent {value}.", "May name",
                         unknown="Unknown event type {value}.")


CHANNELS_MAY_NAME = ("A channel's filter may name: goal.created, goal.achieved, "
                     "goal.milestone_completed, goal.health_changed, checkin.logged, "
                     "digest.team.")


def test_a_channel_filter_of_what_channels_are_never_sent_is_refused_saying_what_it_may_name(
        notifications, team, slack):
    """A channel filtered to kudos (which go to their recipient only) was saved, and was sent
    nothing ever after, saying nothing: a filter that silenced the channel."""
    created = team.channel(slack.webhook(), event_types=["goal.achieved"])
    path = f"/v1/teams/{team.id}/channels"

    added = notifications.client.post(path, headers=team.auth(), json={
        "type": "slack", "webhook_url": slack.webhook(), "event_types": ["kudos.given"]})
    changed = notifications.client.patch(f"{path}/{created['id']}", headers=team.auth(),
                                         json={"event_types": ["goal.achieved", "goal.cheered"]})

    assert (added.status_code, changed.status_code) == (422, 422), (added.json, changed.json)
    assert added.json["errors"] == {"event_types.0": [
        f"Team channels are not sent 'kudos.given'. {CHANNELS_MAY_NAME}"]}
    assert changed.json["errors"] == {"event_types.1": [
        f"Unknown event type 'goal.cheered'. {CHANNELS_MAY_NAME}"]}
    shown = notifications.client.get(path, headers=team.auth()).json["items"]
    assert [c["event_types"] for c in shown] == [["goal.achieved"]]


def test_a_channel_name_is_one_printable_line_and_a_blank_one_is_its_type(notifications, team,
                                                                           slack):
    """A name with a line break or a terminal's escape was saved and shown as sent (in the
    leads' notices of the channel, the Channels page), and one of spaces was a blank name,
    where an empty one is the channel's type."""
    created = team.channel(slack.webhook(), name="alerts")
    path = f"/v1/teams/{team.id}/channels"
    answers = [client(path, headers=team.auth(), json=body) for client, path, body in (
        (notifications.client.post, path,
         {"type": "slack", "webhook_url": slack.webhook(), "name": "alerts\nand more"}),
        (notifications.client.patch, f"{path}/{created['id']}", {"name": "red\x1b[31m"}))]
    blank = team.channel(slack.webhook(), name="   ")
    renamed = notifications.client.patch(f"{path}/{created['id']}", headers=team.auth(),
                                         json={"name": "\u200b "})

    assert [(a.status_code, a.json["errors"]) for a in answers] == [
        (422, {"name": ["Must be one line."]}),
        (422, {"name": ["Must not contain control characters."]})]
    assert (blank["name"], renamed.json["name"]) == ("slack", "slack")


def test_internal_or_foreign_webhook_urls_are_refused(notifications, team):
    client = notifications.client
    for url in BAD_URLS:
        response = client.post(f"/v1/teams/{team.id}/channels", headers=team.auth(),
                               json={"type": "webhook", "webhook_url": url})
        assert response.status_code == 422, url
        assert "webhook_url" in response.json["errors"]


def test_a_carrier_grade_nat_address_is_refused_as_internal(notifications, team):
    """100.64.0.0/10 is the provider's network, not the internet: it was refused only as a
    host off the allow-list, and the sender connected to a host resolving into it."""
    response = notifications.client.post(f"/v1/teams/{team.id}/channels", headers=team.auth(),
                                         json={"type": "webhook",
                                               "webhook_url": "https://100.64.0.1/x"})
    assert response.status_code == 422
    assert response.json["errors"] == {"webhook_url": [
        "Address '100.64.0.1' is internal (not a public internet address); only allow-listed "
        "addresses may be used."]}


def test_delivery_log_filters_by_status_and_pages(notifications, team, slack):
    client = notifications.client
    team.channel(slack.webhook())
    goals = [new_id() for _ in range(3)]
    handle(notifications,
           *[goal(team.id, g, team.ana, f"Goal {i}") for i, g in enumerate(goals)])
    slack.reply_with(archived())
    notifications.container.deliverer.deliver_due()
    failed = team.log(status="failed")
    assert [e["notification"]["status"] for e in failed] == ["failed"]
    assert failed[0]["attempts"][0]["status_code"] == 410
    first = client.get(f"/v1/teams/{team.id}/deliveries?limit=2", headers=team.auth()).json
    rest = client.get(f"/v1/teams/{team.id}/deliveries?limit=2&cursor={first['next_cursor']}",
                      headers=team.auth()).json
    assert len(first["items"]) == 2 and len(rest["items"]) == 1 and rest["next_cursor"] is None
    bad = client.get(f"/v1/teams/{team.id}/deliveries?status=lost", headers=team.auth())
    assert bad.status_code == 422 and "status" in bad.json["errors"]


def test_a_delivery_log_filter_by_what_is_no_channel_id_is_refused_not_answered_empty(
        notifications, team, slack):
    """`?channel_id=alerts` (a name, or an id cut short or in capitals) answered 200 with an
    empty log, as if the channel had been sent nothing; the due list and the goals API refuse
    such an id by name, and so does this."""
    channel = team.channel(slack.webhook(), name="alerts")
    with delivering(notifications):
        handle(notifications, goal(team.id, team.goal, team.ana, "Run",
                                   event_type="goal.achieved"))
        eventually(lambda: len(slack.delivered()) == 1)

    answers = [notifications.client.get(f"/v1/teams/{team.id}/deliveries",
                                        headers=team.auth(), query_string={"channel_id": given})
               for given in ("alerts", channel["id"][:-1], channel["id"].upper())]

    assert [(a.status_code, a.json["errors"]) for a in answers] == [
        (422, {"channel_id": ["Must be a channel id."]})] * 3
    assert [e["notification"]["status"] for e in team.log(channel_id=channel["id"])] == ["sent"]


def test_a_delivery_log_filter_by_a_status_it_never_shows_is_refused_not_answered_empty(
        notifications, team, slack):
    """`?status=held` (or digest, digested: a member's feed items, which the log never shows)
    answered 200 with an empty log, as did a channel's log filtered by `muted` (only held mail
    is muted): refused, naming what may be asked."""
    channel = team.channel(slack.webhook())
    handle(notifications, goal(team.id, team.goal, team.ana, "Run", event_type="goal.achieved"))

    def log(**query):
        return notifications.client.get(f"/v1/teams/{team.id}/deliveries", headers=team.auth(),
                                         query_string=query)

    feed_only = [log(status=status) for status in ("held", "digest", "digested")]
    assert [(a.status_code, a.json["errors"]) for a in feed_only] == [(422, {"status": [
        "Must be one of: pending, sent, failed, coalesced, muted (held, digest and digested "
        "are members' feed items, which the delivery log does not show)."]})] * 3
    muted = log(status="muted", channel_id=channel["id"])
    assert (muted.status_code, muted.json["errors"]) == (422, {"status": [
        "A channel's messages are never muted (held mail is): a channel's log may be filtered "
        "by pending, sent, failed, coalesced."]})
    assert log(status="muted").status_code == 200
    assert [e["notification"]["event_type"] for e in team.log(status="pending",
                                                              channel_id=channel["id"])] == [
        "goal.achieved"]


def test_a_lead_sends_a_channel_a_test_message_that_shows_in_the_delivery_log(
        notifications, team, slack):
    client = notifications.client
    other = Team(notifications)
    channel = team.channel(slack.webhook(), name="alerts", event_types=["goal.health_changed"])
    path = f"/v1/teams/{team.id}/channels/{channel['id']}/test"
    assert client.post(path, headers=team.auth(team.ana)).status_code == 403
    assert client.post(path, headers=other.auth()).status_code == 404

    queued = client.post(path, headers=team.auth())
    assert queued.status_code == 202, queued.json
    notifications.container.deliverer.deliver_due()

    assert len(slack.delivered()) == 1  # despite the channel's event filter
    assert "Goalkeeper test message" in slack.delivered()[0].body.decode()
    entry = team.log()[0]
    assert entry["notification"]["id"] == queued.json["notification_id"]
    assert entry["notification"]["status"] == "sent"
    assert entry["attempts"][0]["status_code"] == 200


def test_a_test_message_sent_twice_under_one_idempotency_key_is_sent_once(
        notifications, team, slack):
    """Send test message double-clicked queued two test messages: the endpoint took no
    Idempotency-Key, so the channel got two. The same key now answers the first 202 again
    (the same message), and the receiver gets one; another key sends another."""
    channel = team.channel(slack.webhook(), name="alerts")
    path = f"/v1/teams/{team.id}/channels/{channel['id']}/test"
    once = {**team.auth(), "Idempotency-Key": "test-alerts-1"}

    first, second = (notifications.client.post(path, headers=once) for _ in range(2))
    notifications.container.deliverer.deliver_due()

    assert (first.status_code, second.status_code) == (202, 202), second.json
    assert second.json == first.json and second.headers["Idempotent-Replayed"] == "true"
    assert len(slack.delivered()) == 1
    assert [e["notification"]["id"] for e in team.log()] == [first.json["notification_id"]]
    again = notifications.client.post(path, headers={**team.auth(),
                                                     "Idempotency-Key": "test-alerts-2"})
    assert again.json["notification_id"] != first.json["notification_id"]


def test_a_test_message_resent_under_its_key_after_the_channel_was_disabled_answers_the_first(
        notifications, team, slack):
    """A refused test message disables its channel; the click resent under its key (a retry
    after a timeout) was answered 409 "the channel is disabled" instead of the first 202. The
    key's answer is given whatever the channel's state since; a new key is still refused."""
    channel = team.channel(slack.webhook(), name="alerts")
    path = f"/v1/teams/{team.id}/channels/{channel['id']}"
    once = {**team.auth(), "Idempotency-Key": "test-alerts-1"}
    first = notifications.client.post(f"{path}/test", headers=once)
    notifications.client.patch(path, headers=team.auth(), json={"state": "disabled"})

    again = notifications.client.post(f"{path}/test", headers=once)
    other = notifications.client.post(f"{path}/test", headers={
        **team.auth(), "Idempotency-Key": "test-alerts-2"})

    assert (first.status_code, again.status_code) == (202, 202), again.json
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409, other.json
    assert [e["notification"]["id"] for e in team.log()] == [first.json["notification_id"]]


def test_a_disabled_channel_is_not_tested(notifications, team, slack):
    channel = team.channel(slack.webhook())
    path = f"/v1/teams/{team.id}/channels/{channel['id']}"
    notifications.client.patch(path, headers=team.auth(), json={"state": "disabled"})

    refused = notifications.client.post(f"{path}/test", headers=team.auth())

    assert refused.status_code == 409
    assert slack.delivered() == []


def test_a_webhook_channels_secret_is_rotated_once_per_key_and_shown_only_in_the_answer(
        notifications, team, slack):
    """A lead could replace a signing secret only by deleting the channel and adding it again,
    losing its delivery log. POST .../secret answers the new secret once (and again under the
    same key), names when the replaced one stops signing, and is the lead's of this team only;
    a Slack channel has no secret to rotate."""
    client = notifications.client
    other = Team(notifications)
    hook = team.channel(slack.webhook("hook"), type="webhook", name="Audit hook")
    chat = team.channel(slack.webhook())
    path = f"/v1/teams/{team.id}/channels/{hook['id']}/secret"
    once = {**team.auth(), "Idempotency-Key": "rotate-audit-1"}

    first, second = (client.post(path, headers=once) for _ in range(2))

    assert (first.status_code, second.status_code) == (200, 200), first.json
    assert first.json["secret"] not in (None, hook["secret"]) and len(first.json["secret"]) >= 32
    assert first.json["previous_secret_until"] is not None
    assert second.json == first.json and second.headers["Idempotent-Replayed"] == "true"
    shown = client.get(f"/v1/teams/{team.id}/channels/{hook['id']}", headers=team.auth()).json
    assert "secret" not in shown and shown["previous_secret_until"] is not None
    assert client.post(path, headers=team.auth(team.ana)).status_code == 403
    assert client.post(path, headers=other.auth()).status_code == 404
    unsigned = client.post(f"/v1/teams/{team.id}/channels/{chat['id']}/secret",
                           headers=team.auth())
    assert unsigned.status_code == 409, unsigned.json
    assert unsigned.json["detail"] == ("a slack channel is not signed; only a webhook channel "
                                       "has a signing secret to rotate")


def rotating(n, team: Team, channel_id: str, key: str):
    return lambda: n.client.post(f"/v1/teams/{team.id}/channels/{channel_id}/secret",
                                 headers={**team.auth(), "Idempotency-Key": key})


def test_a_second_rotation_while_the_firsts_grace_runs_is_refused(make_service, slack):
    """A rotation during the one before's grace dropped the secret before it, which the
    receiver may still hold (a lead pressing Rotate again after a timeout): it now answers 409
    naming when it may (in ISO 8601 with its offset, as the channel's previous_secret_until, so
    a client may show it in its reader's zone), and rotates once that grace is over."""
    clock = ControlledClock(datetime(2030, 1, 7, 12, 0, 0, 483921, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    path = f"/v1/teams/{team.id}/channels/{hook['id']}"

    first = rotating(n, team, hook["id"], "rotate-1")()
    refused = rotating(n, team, hook["id"], "rotate-2")()
    assert (first.status_code, refused.status_code) == (200, 409), refused.json
    assert refused.json["detail"].startswith(
        "this channel's secret was rotated already, and the secret before it still signs "
        "every delivery until 2030-01-08T12:00:00+00:00 ")
    assert first.json["previous_secret_until"] in refused.json["detail"]  # as the channel shows
    assert n.client.get(path, headers=team.auth()).json["previous_secret_until"] == (
        first.json["previous_secret_until"])
    assert rotating(n, team, hook["id"], "rotate-1")().json == first.json  # its key replays

    clock.advance(hours=24)
    later = rotating(n, team, hook["id"], "rotate-3")()
    assert later.status_code == 200, later.json
    assert later.json["secret"] not in (hook["secret"], first.json["secret"])


def test_two_rotations_at_once_take_turns_and_the_second_is_refused(notifications, team, slack):
    """Two leads (or two tabs) rotating at the same moment both read the channel, both got
    200, and the row kept one's secret beside the original: the other's new secret signed
    nothing. The channel's row is locked: the second waits, then is refused as any rotation
    during a grace is."""
    if notifications.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    race = run_together(notifications.container.engine, lambda s: "FROM channels" in s,
                        rotating(notifications, team, hook["id"], "tab-1"),
                        rotating(notifications, team, hook["id"], "tab-2"))

    assert sorted(r.status_code for r in race.results) == [200, 409], [
        r.json for r in race.results]
    [rotated] = [r.json for r in race.results if r.status_code == 200]
    with notifications.container.engine.connect() as conn:
        kept = conn.execute(text("SELECT secret, previous_secret FROM channels WHERE id = :c"),
                            {"c": hook["id"]}).one()
    assert tuple(kept) == (rotated["secret"], hook["secret"])


def test_two_deletes_at_once_take_turns_and_the_second_finds_no_channel(notifications, team,
                                                                        slack):
    """Two leads (or two tabs) deleting a channel at the same moment both read it unlocked,
    as a change and a rotation no longer do, and both got 204 for one deletion. The channel's
    row is locked as theirs is: the second waits, then finds no channel, as a delete after a
    delete does (404)."""
    if notifications.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    hook = team.channel(slack.webhook("hook"), type="webhook")
    path = f"/v1/teams/{team.id}/channels/{hook['id']}"
    clients = [notifications.app.test_client() for _ in range(2)]
    race = run_together(notifications.container.engine, lambda s: "FROM channels" in s,
                        *(partial(c.delete, path, headers=team.auth()) for c in clients))

    assert sorted(r.status_code for r in race.results) == [204, 404], [
        r.get_data(as_text=True) for r in race.results]
    [refused] = [r.json for r in race.results if r.status_code == 404]
    assert refused["detail"] == f"channel {hook['id']} not found"


def test_a_channels_url_is_changed_validated_as_when_added_and_re_enables_a_gone_channel(
        notifications, team, slack):
    """A channel whose webhook was gone (410) could only be deleted and added again with its
    new URL, losing its log. A PATCH of `webhook_url` moves it, refused (422) for a URL the
    add would refuse, and enables again a channel its receiver disabled; the next message
    goes to the new URL."""
    client = notifications.client
    channel = team.channel(slack.webhook("T/B/old"))
    path = f"/v1/teams/{team.id}/channels/{channel['id']}"
    slack.reply_with(archived())
    notifications.client.post(f"{path}/test", headers=team.auth())
    notifications.container.deliverer.deliver_due()
    assert client.get(path, headers=team.auth()).json["state"] == "disabled"

    internal = client.patch(path, headers=team.auth(), json={"webhook_url": "https://10.0.0.1/x"})
    assert internal.status_code == 422, internal.json
    assert "webhook_url" in internal.json["errors"]
    assert client.patch(path, headers=Team(notifications).auth(),
                        json={"webhook_url": slack.webhook("T/B/new")}).status_code == 404
    moved = client.patch(path, headers=team.auth(), json={"webhook_url": slack.webhook("T/B/new")})

    assert moved.status_code == 200, moved.json
    assert (moved.json["state"], moved.json["disabled_reason"]) == ("active", None)
    sent = client.post(f"{path}/test", headers=team.auth())
    assert sent.status_code == 202, sent.json
    with delivering(notifications):
        eventually(lambda: len(slack.delivered()) == 1)
    assert [r.path for r in slack.delivered()] == ["/services/T/B/new"]
    assert [e["notification"]["id"] for e in team.log()][0] == sent.json["notification_id"]


def test_a_refusal_from_the_old_url_after_the_channel_moved_does_not_disable_it(
        notifications, team, slack, monkeypatch):
    """A message sent to the old URL was answered 410 while a lead pointed the channel at its
    new URL: the answer, recorded after the move, disabled the channel with its new URL and
    failed the message. It is the old URL's answer: the message goes to the new URL, and the
    channel stays active."""
    client = notifications.client
    channel = team.channel(slack.webhook("T/B/old"))
    path = f"/v1/teams/{team.id}/channels/{channel['id']}"
    deliverer = notifications.container.deliverer
    post = deliverer.client.post

    def moved_while_sending(url, body, headers=None):
        answer = post(url, body, headers) if headers else post(url, body)
        if url.endswith("/T/B/old"):
            moved = client.patch(path, headers=team.auth(),
                                 json={"webhook_url": slack.webhook("T/B/new")})
            assert moved.status_code == 200, moved.json
        return answer

    slack.reply_with(archived())
    sent = client.post(f"{path}/test", headers=team.auth())
    monkeypatch.setattr(deliverer.client, "post", moved_while_sending)
    deliverer.deliver_due()
    monkeypatch.setattr(deliverer.client, "post", post)

    shown = client.get(path, headers=team.auth()).json
    assert (shown["state"], shown["disabled_reason"]) == ("active", None), shown
    with delivering(notifications):
        eventually(lambda: [r.path for r in slack.delivered()] == ["/services/T/B/new"])
    [entry] = [e for e in team.log() if e["notification"]["id"] == sent.json["notification_id"]]
    assert entry["notification"]["status"] == "sent", entry


def test_a_lead_moving_a_channel_while_its_refusal_is_recorded_is_not_overwritten(
        notifications, team, slack, monkeypatch):
    """The deliverer read the channel (its old URL, active) to record a 410 from that URL, and
    a lead's PATCH to a new URL committed before the record did: the record, from what it had
    read, disabled the channel with its new URL, the lead's move undone. It now reads the
    channel locked, so the PATCH waits for the record and moves the channel after it, as a
    PATCH after a 410 does: enabled again, at the new URL (PostgreSQL; SQLite's writers take
    turns from their first statement)."""
    engine = notifications.container.engine
    if engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    client = notifications.client
    channel = team.channel(slack.webhook("T/B/old"))
    path = f"/v1/teams/{team.id}/channels/{channel['id']}"
    deliverer = notifications.container.deliverer
    post = deliverer.client.post
    moves = []

    def patch():
        moves.append(notifications.app.test_client().patch(
            path, headers=team.auth(), json={"webhook_url": slack.webhook("T/B/new")}))

    moving = threading.Thread(target=patch)

    def the_lead_moves_it():  # committed by now, or waiting for the record's lock
        moving.start()
        eventually(lambda: not moving.is_alive() or waiting_on_a_lock(engine))

    recording = once_after("FROM channels", the_lead_moves_it, thread=threading.get_ident())

    def answered_then_recorded(url, body, headers=None):
        event.listen(engine, "after_cursor_execute", recording)  # the record's read of it
        return post(url, body, headers) if headers else post(url, body)

    slack.reply_with(archived())
    assert client.post(f"{path}/test", headers=team.auth()).status_code == 202
    monkeypatch.setattr(deliverer.client, "post", answered_then_recorded)
    try:
        deliverer.deliver_due()
    finally:
        event.remove(engine, "after_cursor_execute", recording)
        monkeypatch.setattr(deliverer.client, "post", post)
    moving.join(10)
    assert [m.status_code for m in moves] == [200]

    shown = client.get(path, headers=team.auth()).json
    assert (shown["state"], shown["disabled_reason"]) == ("active", None), shown
    assert client.post(f"{path}/test", headers=team.auth()).status_code == 202
    with delivering(notifications):
        eventually(lambda: [r.path for r in slack.delivered()] == ["/services/T/B/new"])


def test_a_channel_a_lead_disabled_stays_disabled_when_its_url_changes(notifications, team,
                                                                      slack):
    channel = team.channel(slack.webhook("T/B/old"))
    path = f"/v1/teams/{team.id}/channels/{channel['id']}"
    notifications.client.patch(path, headers=team.auth(), json={"state": "disabled"})

    moved = notifications.client.patch(path, headers=team.auth(),
                                       json={"webhook_url": slack.webhook("T/B/new")})

    assert moved.status_code == 200, moved.json
    assert (moved.json["state"], moved.json["disabled_reason"]) == ("disabled",
                                                                   "disabled by a lead")
