"""Slack's 429s and their Retry-After outside the happy path of the Slack task queue: the
install's code exchange rate limited, a Retry-After nobody can read (a date past, a fraction,
garbage), and a workspace's limit holding its other tasks (review 34)."""

from __future__ import annotations

from datetime import UTC, datetime
from urllib.parse import parse_qs, urlsplit

import pytest

from services.notifications.adapters.slack_client import SlackUnavailable
from shared.clock import ControlledClock
from tests.notifications.support import Team, event, goal, handle, new_id
from tests.notifications.test_slack_app_client import client  # noqa: F401 (fixture)
from tests.notifications.test_slack_app_end_to_end import slack_env
from tests.notifications.test_slack_app_rules import (
    UNOPENED_DM,
    Lead,
    events_post,
    press_check_in,
    told_after_reminder,
)
from tests.support.slack_api_server import BOT_TOKEN, Scripted, rate_limited
from tests.support.stack import auth
from tests.support.waiting import counted, eventually

UNREADABLE = ["Wed, 21 Oct 2015 07:28:00 GMT", "1.5", "soon"]  # a date past, a fraction, junk


def unreadable_429(retry_after: str) -> Scripted:
    return Scripted(429, {"ok": False, "error": "ratelimited"}, {"Retry-After": retry_after})


@pytest.fixture
def notifications(make_service, slack_api):
    return make_service("notifications", start_worker=False, **slack_env(slack_api))


def redirect_of(notifications, team) -> str:
    """The lead's install link followed to Slack's authorize page: the redirect Slack sends
    the lead back to once approved."""
    link = notifications.client.post(f"/v1/teams/{team.id}/slack/install-link",
                                     headers=auth(team.lead))
    assert link.status_code == 201, link.json
    url = urlsplit(link.json["url"])
    started = notifications.client.get(f"{url.path}?{url.query}")
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    return f"/slack/oauth_redirect?code=good-code&state={state}"


def test_an_install_whose_code_exchange_slack_rate_limits_for_30_seconds_is_no_500(
        notifications, slack_api):
    """oauth.v2.access answered 429, Retry-After 30: the lead's browser gets a page saying
    Goalkeeper was not installed yet because Slack is busy, and when to reload (503), not a
    500 problem+json document."""
    team = Lead(Team(notifications))
    slack_api.script("oauth.v2.access", rate_limited(30))
    answer = notifications.client.get(redirect_of(notifications, team))
    assert answer.status_code in (200, 503), answer.data[:300]
    assert answer.mimetype == "text/html"


def test_an_install_slack_rate_limited_is_made_when_the_lead_reloads_the_redirect(
        notifications, slack_api):
    """Slack did not exchange the code (429), so the code is still good: reloading the page
    Slack redirected to, once Slack takes calls again, installs (its OAuth state is good
    again), without a new install link."""
    team = Lead(Team(notifications))
    slack_api.script("oauth.v2.access", rate_limited(30))
    redirect = redirect_of(notifications, team)
    notifications.client.get(redirect)
    again = notifications.client.get(redirect)
    assert again.status_code == 200, again.get_data(as_text=True)[-400:]
    assert "<h1>Goalkeeper is installed in Acme</h1>" in again.get_data(as_text=True)


@pytest.mark.parametrize("retry_after", UNREADABLE)
def test_a_429_whose_retry_after_the_client_cannot_read_is_retried_or_slack_unavailable(
        client, slack_api, retry_after):  # noqa: F811 (fixture)
    """A 429 whose Retry-After cannot be read as a wait (a date past, a fraction slack-sdk's
    own handler would `int()`, garbage) is Slack unavailable like any other 429, for its caller
    to sort: no ValueError out of the call."""
    slack_api.script("chat.postMessage", unreadable_429(retry_after))
    try:
        ts = client.post(BOT_TOKEN, "D1", {"text": "hello", "blocks": []})
    except SlackUnavailable:
        return
    assert ts


@pytest.mark.parametrize("retry_after", UNREADABLE)
def test_a_dm_slack_answers_with_an_unreadable_retry_after_holds_back_no_other_task(
        notifications, slack_api, retry_after):
    """Ana's reminder DM is answered 429 with a Retry-After nobody can read, at each try; her
    Home is asked for after it. The DM is tried again as a failed attempt, and the Home,
    queued behind it, is published: one task's failure holds back no other. Each pass is run
    as the worker's ScheduledJob runs it (a failing tick is logged and tried again at the
    next)."""
    team = Team(notifications)
    install(notifications, team)
    passes(notifications)  # the installing lead's Home
    slack_api.script("chat.postMessage", *[unreadable_429(retry_after) for _ in range(5)])
    handle(notifications.container, event(
        "checkin.reminder", team.id, goal_id=team.goal, owner_id=team.ana,
        due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T08:00:00+00:00"))
    answer = events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                         "event": {"type": "app_home_opened", "user": "UANA",
                                                   "tab": "home"}})
    assert answer.status_code == 200
    passes(notifications, 3)
    assert [c.args["user_id"] for c in slack_api.calls_of("views.publish")][-1:] == ["UANA"]


def install(notifications, team: Team) -> None:
    done = notifications.client.get(redirect_of(notifications, Lead(team)))
    assert done.status_code == 200, done.data


def passes(notifications, n: int = 1) -> None:
    """`n` ticks of the worker's "slack" job, a failing one logged and left, as it does."""
    for _ in range(n):
        try:
            notifications.container.slack_tasks.run_due()
        except Exception:  # noqa: BLE001, S110 (the ScheduledJob's own handling)
            pass


def test_a_429_of_an_hour_on_a_workspaces_dms_holds_its_next_dm_until_the_hour_is_over(
        make_service, slack_api):
    """Slack rate limits per method and workspace, and its Retry-After is the wait before the
    next call there. Ana's first reminder DM got 429, Retry-After 3600: her second reminder,
    queued behind it in the same workspace, waits for the hour too (not a 429 of its own, then
    all at once when the hour is over); both DMs go after it."""
    clock = ControlledClock(datetime(2030, 1, 7, 8, 0, tzinfo=UTC))
    notifications = make_service("notifications", clock=clock, start_worker=False,
                                 **slack_env(slack_api))
    team = Team(notifications)
    install(notifications, team)
    passes(notifications)  # the installing lead's Home
    second = new_id()
    handle(notifications.container, goal(team.id, second, team.ana, "Read 12 books"))
    slack_api.script("chat.postMessage", rate_limited(3600))
    for goal_id in (team.goal, second):
        handle(notifications.container, event(
            "checkin.reminder", team.id, goal_id=goal_id, owner_id=team.ana,
            due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T08:00:00+00:00"))
    passes(notifications)
    tried = slack_api.calls_of("chat.postMessage", answered=False)
    assert [c.status for c in tried] == [429], [(c.status, c.args.get("text")) for c in tried]
    clock.advance(seconds=3601)
    passes(notifications)
    assert len(slack_api.calls_of("chat.postMessage")) == 2


@pytest.mark.parametrize("retry_after", UNREADABLE)
def test_a_modal_slack_answers_429_with_an_unreadable_retry_after_is_followed_by_the_dm(
        notifications, slack_api, retry_after):
    """views.open, in the web process's background thread, answered 429 with a Retry-After
    nobody can read: Ana, whose click opened nothing, is told by DM, as the modal's other
    failures are."""
    team = Team(notifications)
    install(notifications, team)
    slack_api.script("views.open", unreadable_429(retry_after))
    press_check_in(notifications, team, slack_api)
    eventually(lambda: told_after_reminder(notifications, slack_api), timeout=10)
    assert counted(lambda: [c.args["text"] for c in told_after_reminder(
        notifications, slack_api)]) == {UNOPENED_DM: 1}
