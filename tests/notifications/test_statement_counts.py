"""A page of the feed costs one statement for the caller's standing and one for the page: SQL
statements are counted per request (transaction control aside), on both engines."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from services.notifications.domain.notification import Notification
from shared.clock import ControlledClock
from tests.notifications.support import (
    Team,
    checkin,
    consumed,
    form,
    goal,
    handle,
    new_id,
    progressed,
    slash,
)
from tests.notifications.test_slack_app_end_to_end import (
    button_payload,
    install,
    interaction,
    slack_env,
)
from tests.notifications.test_slack_app_rules import Lead, events_post, homes_of, run_tasks
from tests.support.batches import handle_batch, statements
from tests.support.slack_server import too_many_requests
from tests.support.stack import scheduled_job
from tests.support.waiting import eventually


def test_a_page_of_the_feed_takes_two_statements(notifications, team):
    handle(notifications, *[checkin(team.id, team.goal, team.ana, v) for v in (1, 2, 3)])
    with statements(notifications.container.engine) as seen:
        response = notifications.client.get("/v1/me/feed?limit=50", headers=team.auth(team.ben))
    assert len(response.json["items"]) == 4  # three check-ins and the pairing
    assert len(seen) <= 2, seen


def test_a_batch_of_announcements_reads_each_table_once_and_keeps_one_burst(notifications,
                                                                          team, slack):
    """As the consumer runs a batch: goal.progressed events announcing ten waiting check-ins
    to one Slack channel cost a fixed number of statements, not some per event, and the burst
    still has one head that takes the others along."""
    team.channel(slack.webhook())
    logged = [checkin(team.id, team.goal, team.ana, v) for v in range(1, 11)]
    handle(notifications, *logged)  # each waits for the goals service's figure
    container = notifications.container
    batch = [consumed(progressed(e, e.data["value"] / 100)) for e in logged]
    with statements(container.engine) as seen:
        handle_batch(container, batch)
    assert len(seen) <= 12, "\n".join(seen)  # was 9 per event, 90 here
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(Notification).where(
            Notification.event_type == "checkin.logged", Notification.channel_id.is_not(None))))
    assert len(rows) == 10
    quiet = container.notifier.policy.coalesce_quiet
    heads = [r for r in rows if r.next_attempt_at <= max(r2.created_at for r2 in rows) + quiet]
    assert len(heads) == 1, rows


def test_listing_a_partners_private_team_goals_in_slack_reads_the_partnerships_once(
        notifications, team):
    """Ana lists the goals she may check in on with `/goals goals`: ten private team goals of
    Ben, her partner, among them. The partnerships are read once for the list, not once per
    private goal of someone else (which was 10 reads here)."""
    titles = [f"Private plan {n:02d}" for n in range(10)]
    handle(notifications, *[goal(team.id, new_id(), team.ben, title, visibility="private",
                                 kind="team") for title in titles])
    with statements(notifications.container.engine) as seen:
        listed = slash(notifications, form("goals")).json["text"]
    assert all(f"*{title}*" in listed for title in titles), listed
    partnerships = [s for s in seen if " FROM partnerships" in s]
    assert len(partnerships) == 1, "\n".join(seen)


@pytest.fixture
def slack_app(make_service, slack_api):
    """The notifications service with the Slack app installed in the team's workspace."""
    return make_service("notifications", start_worker=False, **slack_env(slack_api))


def test_a_check_in_click_of_a_person_in_one_team_reads_their_members_once(slack_app,
                                                                          slack_api):
    """Ana, in one team, clicks "Check in": Slack keeps the click's trigger valid for 3 s, and
    naming the goal's team (for a person in several) read her members again and every goal she
    may check in on (12 statements, 8 before team names)."""
    team = Team(slack_app)
    install(slack_app, Lead(team))
    button = {"action_id": "checkin_open", "value": json.dumps({"goal_id": team.goal})}
    with statements(slack_app.container.engine) as seen:
        assert interaction(slack_app, button_payload(slack_api, "UANA", button)).status_code \
            == 200
        [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert modal.args["view"]["blocks"][0]["text"]["text"].startswith("*Run 100 km*\n")
    assert len(seen) <= 9, "\n".join(seen)  # the click taken, 6 reads, the token


def test_publishing_the_home_of_a_person_in_one_team_reads_no_team(slack_app, slack_api):
    """Ana's Home, in one team: its goals with no team names, read without the teams (as
    before team names were shown)."""
    team = Team(slack_app)
    install(slack_app, Lead(team))
    events_post(slack_app, {"type": "event_callback", "team_id": slack_api.team_id,
                            "event": {"type": "app_home_opened", "user": "UANA", "tab": "home"}})
    with statements(slack_app.container.engine) as seen:
        run_tasks(slack_app)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"])
    assert "*Run 100 km*\\n" in home, home
    assert not [s for s in seen if " FROM team_views" in s], "\n".join(seen)
    # the tasks (the lead's Home and Ana's), their rate limits, the Home's reads, its record
    assert len(seen) <= 23, "\n".join(seen)


def test_a_team_digest_is_made_again_only_on_a_retry_and_once_for_its_channels(make_service,
                                                                             slack):
    """The team digest to two Slack channels: claimed as the job made it, it is sent as made
    (no week of activity read again in the claim); both answered 429, the retry makes it
    again once for the two, not once a channel."""
    clock = ControlledClock(datetime(2030, 1, 7, 9, 5, tzinfo=UTC))
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n)
    for name in ("T000/B000/ONE", "T000/B000/TWO"):
        team.channel(slack.webhook(name), event_types=["digest.team"])
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 9}).status_code == 200
    slack.reply_with(too_many_requests(60), too_many_requests(60))
    scheduled_job(n.container, "team-digests").run()
    engine, deliver = n.container.engine, n.container.deliverer.deliver_due
    with statements(engine) as first:
        deliver()
    assert len(slack.received) == 2
    clock.advance(seconds=61)
    with statements(engine) as retry:
        deliver()
    assert len(slack.delivered()) == 2
    assert [s for s in first if " FROM activity" in s] == [], "\n".join(first)
    assert len([s for s in retry if " FROM activity" in s]) == 1, "\n".join(retry)


def test_the_team_digest_job_writes_each_channels_week_once_a_run(make_service, slack):
    """Monday 14's digest to a team's six channels, each told Monday 7's: the copies made
    are read once for all channels, and each channel's copy and week (`ChannelWeek`) are
    written once, batched by the unit of work, so six channels cost about what one does (at
    most 2 statements more): a lookup of each channel's copy, or a second write of its week,
    would cost 5 more."""
    counts = {}
    for count in (1, 6):
        clock = ControlledClock(datetime(2030, 1, 7, 9, 5, tzinfo=UTC))
        n = make_service("notifications", clock=clock, start_worker=False)
        team = Team(n)
        for i in range(count):
            team.channel(slack.webhook(f"T000/B000/C{count}{i}"), event_types=["digest.team"])
        assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                            json={"weekday": 0, "hour": 9}).status_code == 200
        scheduled_job(n.container, "team-digests").run()
        n.container.deliverer.deliver_due()
        clock.set(datetime(2030, 1, 14, 9, 5, tzinfo=UTC))
        with statements(n.container.engine) as seen:
            assert scheduled_job(n.container, "team-digests").run() == count
        counts[count] = seen
    assert len(counts[6]) - len(counts[1]) <= 2, "\n".join(counts[6])
