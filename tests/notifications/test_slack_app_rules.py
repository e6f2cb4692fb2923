"""Slack's rules for the app, against the local Web API stand-in (no worker threads: the tests
run the event handlers and the Slack task queue themselves, so each outcome is deterministic).

Forged or stale requests get 401 and change nothing; url_verification is answered; invalid
modal input comes back as inline errors and publishes nothing; a 429 is retried after its
Retry-After; revoked tokens disable the installation and stop every call.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from sqlalchemy import select

from services.checkins.domain.checkin import closed_to_checkins
from services.checkins.domain.replicas import GoalView
from shared.clock import ControlledClock
from tests.notifications.support import (
    AT,
    Team,
    checkin,
    event,
    goal,
    goal_without_metric,
    handle,
    member,
    new_id,
    post_at_once,
    progressed,
    requested,
    sign,
)
from tests.notifications.test_slack_app_end_to_end import (
    button_payload,
    install,
    interaction,
    slack_env,
    submission,
)
from tests.notifications.test_slack_rejection_words import checkins_reason
from tests.support.batches import statements
from tests.support.races import run_together
from tests.support.slack_api_server import rate_limited, slack_error
from tests.support.stack import scheduled_job
from tests.support.waiting import counted, eventually


class Lead:
    def __init__(self, team: Team):
        self.id, self.lead = team.id, team.token()


@pytest.fixture
def notifications(make_service, slack_api):
    return make_service("notifications", start_worker=False, **slack_env(slack_api))


@pytest.fixture
def team(notifications, slack_api):
    team = Team(notifications)
    install(notifications, Lead(team))
    return team


def run_tasks(notifications) -> None:
    notifications.container.slack_tasks.run_due()


def remind(notifications, team: Team) -> None:
    handle(notifications.container, event(
        "checkin.reminder", team.id, goal_id=team.goal, owner_id=team.ana,
        due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T08:00:00+00:00"))
    run_tasks(notifications)


def outbox_types(notifications) -> list[str]:
    table = notifications.container.metadata.tables["outbox"]
    with notifications.container.engine.connect() as conn:
        return [row.event_type for row in conn.execute(table.select())]


def events_post(notifications, body: dict, timestamp: int | None = None, retry: int = 0):
    """Post an Events API body, signed; `retry` > 0 posts it as Slack's retry number `retry`."""
    raw = json.dumps(body).encode()
    headers = {**sign(raw, timestamp or int(time.time())), "Content-Type": "application/json"}
    if retry:
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    return notifications.client.post("/slack/events", data=raw, headers=headers)


@pytest.mark.parametrize("unset", ["SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"])
def test_an_install_link_without_the_slack_app_set_up_answers_409_naming_the_settings(
        make_service, slack_api, unset):
    """Without a client id the link was issued (201) and took the lead to Slack's error
    page; without the secret, Slack's redirect back failed once the lead had approved."""
    notifications = make_service("notifications", start_worker=False,
                                 **{**slack_env(slack_api), unset: ""})
    team = Team(notifications)
    answer = notifications.client.post(f"/v1/teams/{team.id}/slack/install-link",
                                       headers=team.auth())
    assert (answer.status_code, answer.json["detail"]) == (
        409, "Slack installation is not configured: set SLACK_CLIENT_ID and SLACK_CLIENT_SECRET "
             "on the notifications service"), answer.json


@pytest.mark.parametrize(("path", "status", "said"), [
    ("/slack/install?ticket=used-or-made-up", 403,
     "This install link is unknown, used or expired; ask for a new one."),
    ("/slack/oauth_redirect?error=access_denied&state=whatever", 400,
     "Slack did not install the app: access_denied."),
    ("/slack/oauth_redirect?code=good-code&state=made-up", 403,
     "Unknown or expired OAuth state; start the install again."),
])
def test_an_install_that_fails_tells_the_leads_browser_why_on_a_page(notifications, path,
                                                                     status, said):
    """The install link and Slack's redirect are opened in the lead's browser: a lead who
    pressed Cancel on Slack's authorize page, or opened a used link, got a problem+json
    document to read as raw JSON. Now a page says the app was not installed, and why."""
    team = Team(notifications)
    answer = notifications.client.get(path)
    assert (answer.status_code, answer.mimetype) == (status, "text/html")
    page = answer.get_data(as_text=True)
    assert "<h1>Goalkeeper was not installed</h1>" in page and f"<p>{said}</p>" in page
    workspace = notifications.client.get(f"/v1/teams/{team.id}/slack", headers=team.auth())
    assert workspace.json["installed"] is False


def test_the_install_page_reloaded_says_it_is_installed(notifications, slack_api):
    """Reloading the page Slack's redirect showed answered 403 'Unknown or expired OAuth
    state; start the install again' (now a page saying Goalkeeper was not installed) though it
    was installed. It says it is installed, and Slack is not asked again; once the team has
    installed again since, the old redirect is refused as before."""
    team = Team(notifications)
    first = install(notifications, Lead(team))
    redirect = first.request.full_path
    again = notifications.client.get(redirect)
    assert again.status_code == 200, again.data
    assert "<h1>Goalkeeper is installed</h1>" in again.get_data(as_text=True)
    assert len(slack_api.calls_of("oauth.v2.access")) == 1
    install(notifications, Lead(team))
    stale = notifications.client.get(redirect)
    assert stale.status_code == 403 and "was not installed" in stale.get_data(as_text=True)


def test_the_events_endpoint_answers_url_verification(notifications):
    answer = events_post(notifications, {"type": "url_verification", "challenge": "3eZbrw1a"})
    assert answer.status_code == 200 and answer.json == {"challenge": "3eZbrw1a"}


@pytest.mark.parametrize("how", ["forged", "stale"])
def test_a_forged_or_stale_interaction_gets_401_and_changes_nothing(notifications, team,
                                                                     slack_api, how):
    remind(notifications, team)
    [posted] = slack_api.calls_of("chat.postMessage")
    [button] = [b for b in posted.args["blocks"] if b["type"] == "actions"][0]["elements"]
    payload = button_payload(slack_api, "UANA", button)
    forged = {"forged": dict(secret="guessed"), "stale": dict(timestamp=int(time.time()) - 301)}
    assert interaction(notifications, payload, **forged[how]).status_code == 401
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    sent = interaction(notifications, submission(slack_api, "UANA", view, "5"), **forged[how])
    assert sent.status_code == 401
    assert "checkin.requested" not in outbox_types(notifications)
    genuine = button_payload(slack_api, "UANA", button, trigger_id="genuine.trigger")
    assert interaction(notifications, genuine).status_code == 200
    eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert opened_once(slack_api) == {"genuine.trigger": 1}  # the forged click opened none


def test_a_check_in_button_posted_with_a_dm_id_still_opens_the_modal_on_its_goal(
        notifications, team, slack_api):
    """Check in buttons and modals carried a `dm_id` nothing read (a check-in closes every
    open DM of its goal). New ones carry the goal alone; a button Slack still shows from
    before, its value with a `dm_id`, opens the modal on its goal as it did."""
    remind(notifications, team)
    [posted] = slack_api.calls_of("chat.postMessage")
    [button] = [b for b in posted.args["blocks"] if b["type"] == "actions"][0]["elements"]
    assert json.loads(button["value"]) == {"goal_id": team.goal}
    before = {**button, "value": json.dumps({"goal_id": team.goal, "dm_id": new_id()})}

    assert interaction(notifications, button_payload(slack_api, "UANA", before)).status_code \
        == 200

    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert modal.args["view"]["callback_id"] == "checkin_modal", modal.args["view"]
    assert json.loads(modal.args["view"]["private_metadata"]) == {"goal_id": team.goal}
    assert "*Run 100 km*" in json.dumps(modal.args["view"])


def test_invalid_modal_input_shows_inline_errors_and_publishes_nothing(notifications, team,
                                                                      slack_api):
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    answer = interaction(notifications, submission(slack_api, "UANA", view, "lots",
                                                   confidence="9"))
    assert answer.status_code == 200
    assert answer.json["response_action"] == "errors"
    assert set(answer.json["errors"]) == {"value", "confidence"}
    assert "checkin.requested" not in outbox_types(notifications)


@pytest.mark.parametrize(("typed", "error"), [
    ("1,500", "“1,500” could be 1500 or 1.5: write 1500 without the comma, or 1.5 with a point."),
    ("-1,234", "“-1,234” could be -1234 or -1.234: write -1234 without the comma, or -1.234 "
               "with a point. Enter e.g."),
    ("lots", "“lots” is not a number."),
    ("1_5", "“1_5” is not a number."),
    ("1_000", "“1_000” is not a number."),
    ("1e308", "“1e308” is beyond what a goal's figure can be (-1,000,000,000,000 to "
              "1,000,000,000,000)."),
])
def test_a_value_the_modal_cannot_read_surely_comes_back_under_its_field(notifications, team,
                                                                        slack_api, typed, error):
    """`1,500` was logged as 1.5: the comma was taken for a decimal one whatever followed; `1_5`
    was logged as 15 (Python's float takes `_` between digits; no number Goalkeeper writes
    has one); 1e308 was logged, beyond any figure goals holds."""
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    answer = interaction(notifications, submission(slack_api, "UANA", view, typed))
    assert answer.status_code == 200
    assert answer.json["response_action"] == "errors"
    assert answer.json["errors"]["value"].startswith(error)
    assert "checkin.requested" not in outbox_types(notifications)


@pytest.mark.parametrize("note", ["ran\x005 km", "ran \ud800 5 km"])
def test_a_note_no_database_can_store_comes_back_under_its_field(notifications, team,
                                                                 slack_api, note):
    """A NUL in the modal's note was sent on to checkins, whose PostgreSQL refused it: the
    request was dead-lettered and the member never heard back."""
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    answer = interaction(notifications, submission(slack_api, "UANA", view, "5", note=note))
    assert answer.status_code == 200
    assert answer.json["response_action"] == "errors", answer.json
    assert answer.json["errors"]["note"].endswith(": type the note again without it.")
    assert "checkin.requested" not in outbox_types(notifications)


def test_the_modal_reads_a_point_as_a_decimal_point(notifications, team, slack_api):
    """`1.234` came back under the field as maybe 1234 (write `1.2340`, it said)."""
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    answer = interaction(notifications, submission(slack_api, "UANA", view, "1.234"))
    assert answer.status_code == 200 and "errors" not in (answer.json or {}), answer.json
    assert [c["value"] for c in requested(notifications)] == [1.234]


def test_a_valid_submission_publishes_one_checkin_requested_command(notifications, team,
                                                                   slack_api):
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    for _ in range(2):  # a double submit of the same modal logs once
        assert interaction(notifications, submission(slack_api, "UANA", view, "12")
                           ).status_code == 200
    assert outbox_types(notifications).count("checkin.requested") == 1


def test_a_modal_submitted_twice_at_once_publishes_one_command_and_closes_both_times(
        notifications, team, slack_api):
    """Two submissions of one modal arriving together each found no request yet; on
    PostgreSQL the second then hit the request's key and got a 500."""
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    for attempt in range(3):
        payload = submission(slack_api, "UANA", view, "12")
        payload["view"]["id"] = f"V0MODAL{attempt}"
        body = urlencode({"payload": json.dumps(payload)}).encode()
        headers = sign(body, int(time.time()))
        answers = post_at_once(notifications, "/slack/interactions", body, headers)
        assert [(a.status_code, a.data) for a in answers] == [(200, b"")] * 2
    assert requested_by(notifications) == [(team.id, team.ana, team.goal)] * 3


@pytest.mark.parametrize("how", ["retried", "at once"])
def test_a_click_sent_again_opens_one_modal(notifications, team, slack_api, how):
    """Slack sends a click again, with its trigger_id, when the answer was slow
    (X-Slack-Retry-Num), and two copies may arrive together: each called views.open, and the
    member saw two modals stacked."""
    remind(notifications, team)
    [posted] = slack_api.calls_of("chat.postMessage")
    [button] = [b for b in posted.args["blocks"] if b["type"] == "actions"][0]["elements"]
    body = urlencode({"payload": json.dumps(button_payload(slack_api, "UANA", button))}).encode()
    headers = sign(body, int(time.time()))
    if how == "retried":
        retried = {**headers, "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        answers = [notifications.client.post("/slack/interactions", data=body, headers=h)
                   for h in (headers, retried)]
    else:
        answers = post_at_once(notifications, "/slack/interactions", body, headers)
    assert [a.status_code for a in answers] == [200, 200]
    eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert opened_once(slack_api) == {"1337.42.trigger": 1}
    another = button_payload(slack_api, "UANA", button, trigger_id="1337.43.trigger")
    assert interaction(notifications, another).status_code == 200  # a new click opens anew
    eventually(lambda: len(slack_api.calls_of("views.open")) == 2, timeout=10)
    assert opened_once(slack_api) == {"1337.42.trigger": 1, "1337.43.trigger": 1}


def modal_inputs(notifications, slack_api, goal_id: str, trigger_id: str) -> list[tuple]:
    """The inputs of the modal the Check in button of `goal_id` opens: block id, whether
    required, label and hint."""
    button = {"action_id": "checkin_open", "value": json.dumps({"goal_id": goal_id})}
    interaction(notifications, button_payload(slack_api, "UANA", button, trigger_id))
    [opened] = eventually(lambda: [c for c in slack_api.calls_of("views.open")
                                   if c.args["trigger_id"] == trigger_id], timeout=10)
    return [(b["block_id"], not b.get("optional", False), b["label"]["text"],
             b.get("hint", {}).get("text")) for b in opened.args["view"]["blocks"]
            if b["type"] == "input"]


def test_the_modal_of_a_goal_without_a_metric_asks_for_a_note_not_a_value(notifications, team,
                                                                         slack_api):
    """The modal always asked for a required "New value", which checkins refuses on a goal
    without a metric: such a goal's modal could only end in a DM saying it was not logged."""
    handle(notifications, goal_without_metric(team.id, read := new_id(), team.ana, "Read more"))
    assert modal_inputs(notifications, slack_api, team.goal, "1.km") == [
        ("value", True, "New value (km)", "The metric's value now, not the change."),
        ("confidence", False, "Confidence", None), ("note", False, "Note", None)]
    assert modal_inputs(notifications, slack_api, read, "2.none") == [
        ("confidence", False, "Confidence", None),
        ("note", True, "Note", "This goal has no metric: say what you did.")]


def test_a_reminder_of_a_goal_without_a_metric_shows_no_value_it_does_not_have(
        notifications, team, slack_api):
    """The DM, the modal and the Home said "Now at *—*" of a goal without a metric, as if its
    value were missing; they now give its progress and health alone."""
    handle(notifications, goal_without_metric(team.id, read := new_id(), team.ana, "Read more"),
           event("checkin.reminder", team.id, goal_id=read, owner_id=team.ana,
                 due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T08:00:00+00:00"))
    run_tasks(notifications)
    [dm] = [c.args for c in slack_api.calls_of("chat.postMessage")
            if "Read more" in c.args["text"]]
    assert [b["text"]["text"] for b in dm["blocks"] if b["type"] == "section"][1] == (
        "░░░░░░░░░░ 0% · 🟢 On track")


def noted_submission(slack_api, goal_id: str, note: str) -> dict:
    """Ana's submission of the check-in modal of `goal_id`, a goal without a metric: a modal
    with no value field, its note `note`."""
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": goal_id, "dm_id": None})}
    noted = submission(slack_api, "UANA", view, "", note=note)
    del noted["view"]["state"]["values"]["value"]
    return noted


def test_a_modal_without_a_value_field_sends_its_note_with_no_value(notifications, team,
                                                                    slack_api):
    handle(notifications, goal_without_metric(team.id, read := new_id(), team.ana, "Read more"))
    answer = interaction(notifications, noted_submission(slack_api, read, ""))
    assert answer.json == {"response_action": "errors", "errors": {
        "note": "Say what you did: this goal has no metric, so the note is the check-in."}}
    answer = interaction(notifications, noted_submission(slack_api, read, "read two chapters"))
    assert answer.status_code == 200 and not answer.data, answer.json
    assert [(c["goal_ref"], c["value"], c["note"]) for c in requested(notifications)] == [
        (read, None, "read two chapters")]


def test_a_modal_without_a_value_field_on_a_goal_closed_since_says_so_under_its_note(
        notifications, team, slack_api):
    """A modal submitted on a goal closed since it opened is answered with an error under the
    value field; the modal of a goal without a metric has none, and Slack shows an error only
    under an input the modal has (the member saw Slack's own "trouble connecting")."""
    handle(notifications, goal_without_metric(team.id, read := new_id(), team.ana, "Read more"))
    handle(notifications, goal(team.id, read, team.ana, "Read more", event_type="goal.achieved"))
    answer = interaction(notifications, noted_submission(slack_api, read, "read two chapters"))
    assert answer.json == {"response_action": "errors", "errors": {
        "note": "This is not an open goal you can check in on; nothing logged."}}
    assert requested(notifications) == []


@pytest.mark.parametrize("outcome", ["partial", "missed", "dropped"])
def test_a_modal_on_a_goal_closed_since_with_any_outcome_logs_nothing(notifications, team,
                                                                      slack_api, outcome):
    """A goal closed as partly reached, missed or dropped takes no check-in, as an achieved
    one does not: notifications read only `achieved` (and a status `closed` no goal has) as
    closed, so the modal sent the check-in on."""
    handle(notifications, event(
        "goal.closed", team.id, goal_id=team.goal, owner_id=team.ana, title="Run 100 km",
        status=outcome, outcome=outcome, visibility="team", kind="personal",
        start_date="2030-01-01", due_date="2030-12-31", health=None,
        metric={"unit": "km", "start": 0, "target": 100, "current": 40}))
    view = {"callback_id": "checkin_modal", "private_metadata": json.dumps({"goal_id": team.goal})}
    answer = interaction(notifications, submission(slack_api, "UANA", view, "12"))
    assert answer.json == {"response_action": "errors", "errors": {
        "value": "This is not an open goal you can check in on; nothing logged."}}
    assert requested(notifications) == []


def modal_refused_dm(notifications, team: Team, slack_api, reason: str) -> dict:
    """The DM (its arguments) telling Ana that her check-in of 12 from the modal on her goal
    was refused by checkins for `reason`."""
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    assert interaction(notifications, submission(slack_api, "UANA", view, "12")).status_code \
        == 200
    [request_id] = requested_ids(notifications)
    handle(notifications, event("checkin.rejected", team.id, request_id=request_id,
                                member_id=team.ana, reason=reason,
                                at="2030-01-07T09:30:00+00:00"))
    run_tasks(notifications)
    [dm] = [c.args for c in slack_api.calls_of("chat.postMessage")
            if "was not logged" in c.args["text"]]
    return dm


def test_the_dm_refusing_a_modal_checkin_names_no_goal_its_member_may_no_longer_see(
        notifications, team, slack_api):
    """Ana checked in from the modal on Lena's team goal; it was renamed, then made private
    (Ana is not Lena's partner), and checkins refused the check-in: the DM named it by its new
    title, which Ana may no longer read."""
    plan = new_id()
    handle(notifications, goal(team.id, plan, team.lead, "Team plan", kind="team"))
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": plan, "dm_id": None})}
    assert interaction(notifications, submission(slack_api, "UANA", view, "12")).status_code \
        == 200
    [request_id] = requested_ids(notifications)
    handle(notifications, goal(team.id, plan, team.lead, "Reorganisation plan", kind="team",
                               visibility="private", event_type="goal.updated"))
    handle(notifications, event("checkin.rejected", team.id, request_id=request_id,
                                member_id=team.ana, reason=checkins_reason("not found", team),
                                at="2030-01-07T09:30:00+00:00"))
    run_tasks(notifications)
    [dm] = [c.args for c in slack_api.calls_of("chat.postMessage")
            if "was not logged" in c.args["text"]]
    assert dm["text"].startswith("❌ Your check-in was not logged: this goal is not among"), dm
    assert "plan" not in json.dumps(dm["blocks"]), dm
    assert check_in_buttons(dm) == [], dm  # its modal would say it is not hers


def test_the_dm_refusing_a_modal_checkin_offers_the_check_in_button_again(notifications, team,
                                                                          slack_api):
    """The DM saying a check-in from the modal was not logged gave no way to try again: the
    member had to find the goal's reminder DM or their Home."""
    dm = modal_refused_dm(notifications, team, slack_api, "the value is out of range")
    assert dm["text"] == ("❌ Your check-in on *Run 100 km* was not logged: "
                          "the value is out of range")
    [actions] = [b for b in dm["blocks"] if b["type"] == "actions"]
    [button] = actions["elements"]
    assert button["text"]["text"] == "Check in"

    assert interaction(notifications, button_payload(slack_api, "UANA", button)).status_code == 200
    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert opened_once(slack_api) == {"1337.42.trigger": 1}  # no late second modal
    retry = modal.args["view"]
    assert retry["callback_id"] == "checkin_modal" and "*Run 100 km*" in json.dumps(retry)
    resubmitted = submission(slack_api, "UANA", retry, "13")
    resubmitted["view"]["id"] = "V0MODAL2"  # the new modal is a new view
    answer = interaction(notifications, resubmitted)
    assert answer.status_code == 200 and not answer.data
    assert requested_by(notifications) == [(team.id, team.ana, team.goal)] * 2


def test_the_dm_refusing_a_checkin_on_a_goal_closed_since_offers_no_button(notifications, team,
                                                                          slack_api):
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": team.goal, "dm_id": None})}
    interaction(notifications, submission(slack_api, "UANA", view, "12"))
    [request_id] = requested_ids(notifications)
    handle(notifications, goal(team.id, team.goal, team.ana, "Run 100 km",
                               event_type="goal.achieved"),
           event("checkin.rejected", team.id, request_id=request_id, member_id=team.ana,
                 reason="goal “Run 100 km” is achieved; only active goals take check-ins",
                 at="2030-01-07T09:30:00+00:00"))
    run_tasks(notifications)
    [dm] = [c.args for c in slack_api.calls_of("chat.postMessage")
            if "was not logged" in c.args["text"]]
    assert [b["type"] for b in dm["blocks"]] == ["section"]


def test_the_dm_refusing_a_checkin_reads_once_whether_its_member_sees_the_goal(
        notifications, team, slack_api):
    """Ana checked in from the modal on Ben's private team goal (she is his partner) and
    checkins refused it: the DM's words and its Check in button each asked whether she may
    still see the goal, reading the team's partnerships twice. Both follow one reading."""
    plan = new_id()
    handle(notifications, goal(team.id, plan, team.ben, "Ben's plan", kind="team",
                               visibility="private"))
    view = {"callback_id": "checkin_modal",
            "private_metadata": json.dumps({"goal_id": plan, "dm_id": None})}
    assert interaction(notifications, submission(slack_api, "UANA", view, "12")).status_code \
        == 200
    [request_id] = requested_ids(notifications)
    run_tasks(notifications)  # the Homes the goal and the install queued
    handle(notifications, event("checkin.rejected", team.id, request_id=request_id,
                                member_id=team.ana, reason="the value is out of range",
                                at="2030-01-07T09:30:00+00:00"))
    with statements(notifications.container.engine) as run:
        run_tasks(notifications)
    [dm] = [c.args for c in slack_api.calls_of("chat.postMessage")
            if "was not logged" in c.args["text"]]
    assert dm["text"] == ("❌ Your check-in on *Ben's plan* was not logged: the value is out "
                          "of range"), dm
    assert [json.loads(b["value"])["goal_id"] for b in check_in_buttons(dm)] == [plan], dm
    assert len([s for s in run if " FROM partnerships" in s]) == 1, "\n".join(run)


def check_in_buttons(dm: dict) -> list[dict]:
    return [e for b in dm["blocks"] if b["type"] == "actions" for e in b["elements"]]


@pytest.mark.parametrize("case", ["achieved", "personal"])
def test_the_dm_refusing_a_checkin_that_cannot_succeed_again_offers_no_button(
        notifications, team, slack_api, case):
    """checkins refused Ana's check-in from the modal on a goal it knows as achieved (its
    goal.achieved not here yet), or as someone else's personal goal: the DM offered the Check
    in button all the same, whose modal could only be refused again."""
    dm = modal_refused_dm(notifications, team, slack_api, checkins_reason(case, team))
    assert dm["text"].startswith("❌ Your check-in on *Run 100 km* was not logged: "), dm
    assert check_in_buttons(dm) == [], dm


@pytest.mark.parametrize("case", ["no metric", "no value", "unknown goal", "not found",
                                  "unknown member"])
def test_the_dm_refusing_a_checkin_that_may_succeed_again_offers_the_button(
        notifications, team, slack_api, case):
    """A check-in with the wrong figures, on a goal checkins does not know yet, or by a member
    it does not know yet (just added, its member.joined not read there; this service knows
    her) may be logged when tried again: the DM keeps its Check in button (review 19)."""
    dm = modal_refused_dm(notifications, team, slack_api, checkins_reason(case, team))
    assert [json.loads(b["value"]) for b in check_in_buttons(dm)] == [{"goal_id": team.goal}]


def test_the_dm_refusing_a_checkin_on_a_goal_checkins_still_has_as_a_draft_offers_the_button(
        notifications, team, slack_api):
    """Ana's goal is active here (goal.activated reached this service) and checkins, whose copy
    has not read goal.activated yet, refused her check-in from the modal as on a draft: a
    draft is not final, it becomes active once checkins catches up, so trying again succeeds
    (as with a goal checkins does not know yet). The DM offered no Check in button."""
    draft = closed_to_checkins(GoalView(team.goal, team.id, team.ana, "Run 100 km",
                                        status="draft"))
    dm = modal_refused_dm(notifications, team, slack_api, draft)
    assert "is a draft" in dm["text"], dm
    assert [json.loads(b["value"]) for b in check_in_buttons(dm)] == [{"goal_id": team.goal}]


@pytest.mark.parametrize("case", ["no metric", "unknown goal"])
def test_the_dm_refusing_a_modal_checkin_says_it_in_slacks_words(notifications, team,
                                                                 slack_api, case):
    """The DM told checkins' reason as it was: 'no metric, so it takes no value or delta: check
    in the milestones…', or an unknown goal by its UUID."""
    dm = modal_refused_dm(notifications, team, slack_api, checkins_reason(case, team))
    assert dm["text"] == "❌ Your check-in on *Run 100 km* was not logged: " + {
        "no metric": "this goal has no figure: check in without a value, saying what you did: "
                     f"`/goals checkin {team.goal[:8]} &lt;note&gt;`",
        "unknown goal": "this goal is not among those you can check in on, or is too new to be "
                        "known yet: try again in a minute. `/goals goals` lists the goals you "
                        "can check in on."}[case]
    [said] = [b["text"]["text"] for b in dm["blocks"] if b["type"] == "section"]
    assert said == dm["text"]  # the goal's id is in the Check in button's value only


def requested_ids(notifications) -> list[str]:
    table = notifications.container.metadata.tables["outbox"]
    with notifications.container.engine.connect() as conn:
        rows = conn.execute(table.select().where(table.c.event_type == "checkin.requested"))
        return [json.loads(r.payload)["request_id"] for r in rows]


def test_a_429_is_retried_after_retry_after_and_the_dm_arrives(notifications, team, slack_api):
    """Slack asked to wait a second: the DM's task is tried again no sooner, and arrives."""
    slack_api.script("chat.postMessage", rate_limited(retry_after=1))
    remind(notifications, team)
    eventually(lambda: run_tasks(notifications) or slack_api.calls_of("chat.postMessage"),
               timeout=10)
    first, second = slack_api.calls_of("chat.postMessage", answered=False)
    assert (first.status, second.status) == (429, 200)
    assert second.at - first.at >= 1.0


@pytest.mark.parametrize("revoked", [
    {"type": "tokens_revoked", "tokens": {"bot": ["U0GKBOT"]}}, {"type": "app_uninstalled"}])
def test_token_revoked_disables_the_installation_and_stops_every_call(notifications, team,
                                                                      slack_api, revoked):
    answer = events_post(notifications, {
        "type": "event_callback", "team_id": slack_api.team_id, "event_id": "Ev1",
        "event": revoked})
    assert answer.status_code == 200
    status = notifications.client.get(f"/v1/teams/{team.id}/slack", headers=team.auth())
    assert status.json["installed"] is False and status.json["state"] == "disabled"
    assert notifications.container.slack.bot_token(slack_api.team_id, None) is None
    before = len(slack_api.calls)
    remind(notifications, team)
    assert len(slack_api.calls) == before


def test_a_call_answered_token_revoked_disables_the_installation(notifications, team,
                                                                 slack_api):
    slack_api.script("chat.postMessage", slack_error("token_revoked"))
    remind(notifications, team)
    status = notifications.client.get(f"/v1/teams/{team.id}/slack", headers=team.auth())
    assert status.json["state"] == "disabled" and status.json["disabled_reason"] == "token_revoked"
    assert notifications.container.slack.bot_token(slack_api.team_id, None) is None
    before = len(slack_api.calls)
    remind(notifications, team)
    assert len(slack_api.calls) == before


def test_a_person_in_two_teams_tells_their_goals_apart_by_team(notifications, team, slack_api):
    """Ana's two teams each have her goal "Run 100 km": /goals, its status, its refusal of
    a title both match, the modal and her Home showed two identical lines. Each names its
    team then; a person in one team reads no team names."""
    other = Team(notifications)
    handle(notifications, event("team.updated", other.id, name="Ops", timezone="UTC"))
    install(notifications, Lead(other))
    handle(notifications, progressed(checkin(team.id, team.goal, team.ana, 5), 0.05),
           progressed(checkin(other.id, other.goal, other.ana, 50), 0.5))

    listed = slash_from(notifications, slack_api.team_id, "goals").json["text"]
    assert f"`{team.goal[:8]}` *Run 100 km* (Platform) — " in listed, listed
    assert f"`{other.goal[:8]}` *Run 100 km* (Ops) — " in listed, listed
    both = slash_from(notifications, slack_api.team_id, "checkin run 3").json["text"]
    assert f"`{team.goal[:8]}` Run 100 km (Platform), `{other.goal[:8]}` Run 100 km (Ops)" \
        in both or f"`{other.goal[:8]}` Run 100 km (Ops), `{team.goal[:8]}` Run 100 km " \
        "(Platform)" in both, both
    logging = slash_from(notifications, slack_api.team_id, f"checkin {other.goal[:8]} 3")
    assert logging.json["text"].startswith("⏳ Logging 3 km on *Run 100 km* (Ops);"), logging.json

    button = {"action_id": "checkin_open", "value": json.dumps({"goal_id": other.goal})}
    assert interaction(notifications, button_payload(slack_api, "UANA", button)).status_code == 200
    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert modal.args["view"]["blocks"][0]["text"]["text"].startswith("*Run 100 km* (Ops)\n")

    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"])
    assert "*Run 100 km* (Platform)\\n" in home and "*Run 100 km* (Ops)\\n" in home, home


def test_a_person_in_one_team_reads_no_team_names(notifications, team, slack_api):
    listed = slash_from(notifications, slack_api.team_id, "goals").json["text"]
    assert f"`{team.goal[:8]}` *Run 100 km* — " in listed, listed
    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"])
    assert "*Run 100 km*\\n" in home and "Platform" not in home, home


def test_a_team_renamed_is_renamed_on_the_homes_that_name_it(notifications, team, slack_api):
    """Ana's Home names her goals' teams (she is in two): the team renamed "Ops" to
    "Operations", her Home still said "(Ops)" until something else changed it. A change of the
    time zone alone publishes no Home."""
    other = Team(notifications)
    handle(notifications, event("team.updated", other.id, name="Ops", timezone="UTC"))
    install(notifications, Lead(other))
    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    published = len(homes_of(slack_api, "UANA"))
    handle(notifications, event("team.updated", other.id, name="Ops", timezone="Europe/Berlin"))
    run_tasks(notifications)
    assert len(homes_of(slack_api, "UANA")) == published

    handle(notifications, event("team.updated", other.id, name="Operations",
                                timezone="Europe/Berlin"))
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"])
    assert "*Run 100 km* (Operations)\\n" in home and "(Ops)" not in home, home
    assert "*Run 100 km* (Platform)\\n" in home, home


def homes_of(slack_api, user: str) -> list:
    return [c for c in slack_api.calls_of("views.publish") if c.args["user_id"] == user]


def test_app_home_opened_publishes_the_members_goals(notifications, team, slack_api):
    run_tasks(notifications)  # the installing lead's own Home
    assert homes_of(slack_api, "UANA") == []
    answer = events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                         "event": {"type": "app_home_opened", "user": "UANA",
                                                   "tab": "home"}})
    assert answer.status_code == 200
    run_tasks(notifications)
    [home] = homes_of(slack_api, "UANA")
    assert home.args["user_id"] == "UANA" and "Run 100 km" in json.dumps(home.args["view"])


def test_a_home_with_many_goals_keeps_to_100_blocks_and_accounts_for_every_check_in_due(
        notifications, team, slack_api):
    """Ana has 120 more goals, 30 of them missed: the Check-ins due part listed 10 and said
    nothing of the other 20 (and the Home kept to a message's 50 blocks, not a view's 100)."""
    goal_ids = [new_id() for _ in range(120)]
    handle(notifications, *[goal(team.id, g, team.ana, f"Goal {i:03}")
                            for i, g in enumerate(goal_ids)])
    due = goal_ids[:30]
    handle(notifications, *[event(
        "checkin.missed", team.id, goal_id=g, owner_id=team.ana, level=2, recipients=[],
        due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T10:00:00+00:00") for g in due])
    run_tasks(notifications)
    blocks = homes_of(slack_api, "UANA")[-1].args["view"]["blocks"]
    assert len(blocks) == 100
    headers = [i for i, b in enumerate(blocks) if b["type"] == "header"]
    due_part, goals_part = blocks[headers[1] + 1:headers[2] - 1], blocks[headers[2] + 1:]

    def listed(part: list[dict]) -> list[str]:
        return [json.loads(b["accessory"]["value"])["goal_id"] for b in part if "accessory" in b]

    def more(part: list[dict]) -> int:
        last = part[-1]["text"]["text"]
        return int(last.split()[1]) if last.startswith("…and ") else 0

    assert set(listed(due_part)) <= set(due)
    assert len(listed(due_part)) + more(due_part) == len(due)
    assert set(listed(goals_part)) <= {*goal_ids, team.goal}
    assert len(listed(goals_part)) + more(goals_part) == len(goal_ids) + 1
    assert listed(goals_part)[:len(due)] == due  # each due goal has its button among them


def test_the_home_shows_a_big_metric_in_all_its_digits(notifications, team, slack_api):
    """A goal at 1,234,567.5 of 2,500,000 steps read 'Now at 1.23457e+06 steps of 2.5e+06'."""
    walk = new_id()
    handle(notifications, goal(team.id, walk, team.ana, "Walk 2.5M steps", metric={
        "unit": "steps", "start": 0, "target": 2_500_000, "current": 1_234_567.5}))
    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"], ensure_ascii=False)
    assert "Now at *1,234,567.5 steps* of 2,500,000 steps" in home


def test_the_home_says_a_streak_in_its_goals_periods(notifications, team, slack_api):
    """The Home said "Streak: *3* check-ins in a row" of a weekly goal's three weeks; a streak
    whose event named no period (from an older checkins) still counts check-ins."""
    handle(notifications, event("streak.reached", team.id, goal_id=team.goal, owner_id=team.ana,
                                length=3, frequency="weekly", at=AT))
    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"], ensure_ascii=False)
    assert "🔥 Streak: *3 weeks* in a row" in home and "· 🔥 3 weeks" in home

    handle(notifications, event("streak.reached", team.id, goal_id=team.goal, owner_id=team.ana,
                                length=7, at=AT))
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"], ensure_ascii=False)
    assert "🔥 Streak: *7 check-ins* in a row" in home and "· 🔥 7 check-ins" in home


def test_the_homes_streak_is_the_one_covering_the_most_time(notifications, team, slack_api):
    """Ana checked in 5 days in a row on one goal and 3 weeks in a row on another: the Home's
    streak said "5 days", the most periods, though 3 weeks cover more of her time."""
    books = new_id()
    handle(notifications, goal(team.id, books, team.ana, "Read 12 books"),
           event("streak.reached", team.id, goal_id=team.goal, owner_id=team.ana, length=5,
                 frequency="daily", at=AT),
           event("streak.reached", team.id, goal_id=books, owner_id=team.ana, length=3,
                 frequency="weekly", at=AT))
    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"], ensure_ascii=False)
    assert "🔥 Streak: *3 weeks* in a row" in home
    assert "· 🔥 5 days" in home and "· 🔥 3 weeks" in home


def test_a_change_while_the_home_is_being_published_publishes_it_again(notifications, team,
                                                                        slack_api):
    """The worker has read Ana's Home and waits on Slack when her goal progresses: that change
    must not ride along with the task already running, or her Home keeps the old figure."""
    run_tasks(notifications)  # the installing lead's own Home
    logged = checkin(team.id, team.goal, team.ana, 40)
    handle(notifications, logged)  # queues Ana's Home, still at 0%
    release = slack_api.hold("views.publish")
    worker = threading.Thread(target=run_tasks, args=(notifications,))
    worker.start()
    try:
        assert slack_api.wait_held("views.publish")  # the view is built; the task still runs
        change = threading.Thread(target=handle,
                                  args=(notifications, progressed(logged, 0.4)))
        change.start()
        change.join(1.5)  # PostgreSQL: done at once; SQLite: waits for the worker's commit
    finally:
        release.set()
        worker.join(30)
    change.join(30)
    assert not worker.is_alive() and not change.is_alive()
    run_tasks(notifications)
    homes = homes_of(slack_api, "UANA")
    assert "40%" not in json.dumps(homes[0].args["view"])
    assert "40%" in json.dumps(homes[-1].args["view"]), len(homes)


def homes_published(slack_api, since: int) -> Counter:
    """The Homes published after the first `since` calls to views.publish, by Slack user."""
    return Counter(c.args["user_id"] for c in slack_api.calls_of("views.publish")[since:])


def test_a_team_goal_that_changes_refreshes_the_home_of_every_teammate_who_sees_it(
        notifications, team, slack_api):
    """Lena's team goal moved to 40%: only Lena's Home was published again, so Ana's and
    Cy's Homes, which list it, kept showing 0%. Each Home that shows it is now published once;
    a private team goal refreshes only the Homes of those who see it, and one made private
    refreshes the Homes that showed it before, which drop it."""
    cy, cloud, offsite, rust = new_id(), new_id(), new_id(), new_id()
    handle(notifications, member(team.id, cy, "Cy", slack_user_id="UCY"),
           goal(team.id, cloud, team.lead, "Cut cloud costs", kind="team"),
           goal(team.id, offsite, team.lead, "Plan the offsite", kind="team",
                visibility="private"),
           goal(team.id, rust, team.ana, "Learn Rust"))
    run_tasks(notifications)
    before = len(slack_api.calls_of("views.publish"))
    handle(notifications, event("goal.progressed", team.id, goal_id=cloud, owner_id=team.lead,
                                current=40, progress=0.4, at="2030-01-07T10:00:00+00:00"))
    run_tasks(notifications)
    assert homes_published(slack_api, before) == {"ULENA": 1, "UANA": 1, "UCY": 1}
    for user in ("UANA", "UCY"):
        assert "40%" in json.dumps(homes_of(slack_api, user)[-1].args["view"])

    before = len(slack_api.calls_of("views.publish"))
    handle(notifications, event("goal.progressed", team.id, goal_id=offsite, owner_id=team.lead,
                                current=5, progress=0.05, at="2030-01-07T10:00:00+00:00"),
           event("goal.progressed", team.id, goal_id=rust, owner_id=team.ana, current=5,
                 progress=0.05, at="2030-01-07T10:00:00+00:00"))
    run_tasks(notifications)
    assert homes_published(slack_api, before) == {"ULENA": 1, "UANA": 1}  # each their own goal

    before = len(slack_api.calls_of("views.publish"))
    handle(notifications, goal(team.id, cloud, team.lead, "Cut cloud costs", kind="team",
                               visibility="private", event_type="goal.updated"))
    run_tasks(notifications)
    assert homes_published(slack_api, before) == {"ULENA": 1, "UANA": 1, "UCY": 1}
    for user in ("UANA", "UCY"):
        assert cloud not in json.dumps(homes_of(slack_api, user)[-1].args["view"])


def link_ticket_offered(notifications, slack_api, slack_user_id: str, nth: int = 1) -> str:
    """The ticket in the link the app offers on the home tab of a Slack user it does not know,
    opened for the `nth` time."""
    home_opened = {"type": "event_callback", "team_id": slack_api.team_id,
                   "event": {"type": "app_home_opened", "user": slack_user_id, "tab": "home"}}
    assert events_post(notifications, home_opened).status_code == 200
    run_tasks(notifications)
    offers = homes_of(slack_api, slack_user_id)
    assert len(offers) == nth
    offer = offers[-1]
    [url] = [e["url"] for b in offer.args["view"]["blocks"] if b["type"] == "actions"
             for e in b["elements"]]
    return parse_qs(urlsplit(url).query)["ticket"][0]


def test_a_lead_links_a_slack_user_and_a_member_links_themself_from_the_home_tab(
        notifications, team, slack_api):
    linked = notifications.client.put(f"/v1/teams/{team.id}/slack/members/{team.ben}",
                                      headers=team.auth(), json={"slack_user_id": "UBEN"})
    assert linked.status_code == 200, linked.json
    ticket = link_ticket_offered(notifications, slack_api, "UNEW")
    mine = notifications.client.post("/v1/me/slack", headers=team.auth(team.lead),
                                     json={"ticket": ticket})
    assert mine.json == {"member_id": team.lead, "slack_user_id": "UNEW"}
    again = notifications.client.post("/v1/me/slack", headers=team.auth(team.lead),
                                      json={"ticket": ticket})  # a double click
    assert (again.status_code, again.json) == (200, mine.json)
    assert notifications.client.post("/v1/me/slack", headers=team.auth(team.ana),
                                     json={"ticket": ticket}).status_code == 403  # used
    handle(notifications.container, event(
        "checkin.missed", team.id, goal_id=team.goal, owner_id=team.ana, level=2,
        recipients=[team.ben], due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T10:00:00+00:00"))
    run_tasks(notifications)
    [opened] = slack_api.calls_of("conversations.open")
    assert opened.args["users"] == "UBEN"
    [escalation] = slack_api.calls_of("chat.postMessage")
    assert "Ana, your partner, missed the check-in on *Run 100 km*" in escalation.args["text"]
    assert not [b for b in escalation.args["blocks"] if b["type"] == "actions"]


@pytest.mark.parametrize("second", ["same member", "another member"])
def test_a_link_ticket_sent_twice_at_once_links_one_member(notifications, team, slack_api,
                                                           second):
    """Two "Link my Slack account" requests for one ticket at the same instant, each held
    after reading the ticket until the other has read it too: both found it unused, and on
    PostgreSQL a teammate sending it alongside was linked as well (200 twice, two members one
    Slack user). Now the first links; the same member again is answered as the first time
    (200), another member is refused (403)."""
    ticket = link_ticket_offered(notifications, slack_api, "UNEW")
    senders = [team.ben, team.ben if second == "same member" else team.ana]  # neither linked

    def link(member_id: str):
        return lambda: notifications.app.test_client().post(
            "/v1/me/slack", headers=team.auth(member_id), json={"ticket": ticket})

    def reads_the_ticket(sql: str) -> bool:
        return sql.lstrip().upper().startswith("SELECT") and "FROM slack_link_tickets" in sql

    race = run_together(notifications.container.engine, reads_the_ticket,
                        *(link(m) for m in senders))
    answers = sorted(((a.status_code, a.json) for a in race.results), key=lambda a: a[0])
    linked = {"member_id": team.ben, "slack_user_id": "UNEW"}
    if second == "same member":
        assert answers == [(200, linked)] * 2
        expected = [team.ben]
    else:
        [(won, won_body), (lost, _)] = answers
        assert (won, lost) == (200, 403), answers
        expected = [won_body["member_id"]]
    table = notifications.container.metadata.tables["slack_identities"]
    with notifications.container.engine.connect() as conn:
        assert conn.execute(select(table.c.member_id).where(
            table.c.slack_user_id == "UNEW")).scalars().all() == expected


def test_a_slack_user_id_followed_by_a_line_break_is_refused(notifications, team):
    """`$` let a line break follow the id: "UBEN\n" was saved, and no request from Slack, which
    names UBEN, ever found Ben."""
    linked = notifications.client.put(f"/v1/teams/{team.id}/slack/members/{team.ben}",
                                      headers=team.auth(), json={"slack_user_id": "UBEN\n"})
    assert linked.status_code == 422, linked.json
    assert linked.json["errors"] == {"slack_user_id": ["a Slack user id such as U024BE7LH"]}
    with notifications.container.uow() as uow:
        assert uow.slack.identity(team.ben) is None


def test_a_slack_user_id_typed_in_lower_case_links_slacks_upper_case_id(notifications, team):
    """'uben' was refused with 422, though Slack's ids are upper case and it names UBEN."""
    linked = notifications.client.put(f"/v1/teams/{team.id}/slack/members/{team.ben}",
                                      headers=team.auth(), json={"slack_user_id": "uben"})
    assert linked.status_code == 200, linked.json
    assert linked.json["slack_user_id"] == "UBEN"
    with notifications.container.uow() as uow:
        assert uow.slack.identity(team.ben).slack_user_id == "UBEN"


def test_linking_a_teammates_slack_user_answers_409_saying_whose_it_is(notifications, team):
    """As goals answers a profile naming it (docs/slack.md); this answered 422 "already linked
    to another member of this team", leaving the lead to guess whom."""
    linked = notifications.client.put(f"/v1/teams/{team.id}/slack/members/{team.ben}",
                                      headers=team.auth(), json={"slack_user_id": "UANA"})
    assert linked.status_code == 409, linked.json
    assert linked.json["detail"] == ("Slack user UANA is already Ana's in this team: link Ana "
                                     "to their own Slack user first")
    assert linked.json["errors"] == {
        "slack_user_id": [f"Already the Slack user of Ana (member {team.ana})."]}
    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("UANA")] == [team.ana]


def test_a_second_link_ticket_of_a_teammates_slack_user_answers_409_saying_whose_it_is(
        notifications, team, slack_api):
    """A Slack user who opened the Home tab twice before linking was offered two tickets: Ben
    linked himself with one, then Lena with the other, and UNEW was two members' in the team
    (the lead's PUT refuses that with 409)."""
    first = link_ticket_offered(notifications, slack_api, "UNEW")
    second = link_ticket_offered(notifications, slack_api, "UNEW", nth=2)
    assert first != second
    bens = notifications.client.post("/v1/me/slack", headers=team.auth(team.ben),
                                     json={"ticket": first})
    assert bens.json == {"member_id": team.ben, "slack_user_id": "UNEW"}
    lenas = notifications.client.post("/v1/me/slack", headers=team.auth(team.lead),
                                      json={"ticket": second})
    assert lenas.status_code == 409, lenas.json
    assert lenas.json["detail"] == ("Slack user UNEW is already Ben's in this team: link Ben "
                                    "to their own Slack user first")
    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("UNEW")] == [team.ben]


def test_two_tickets_of_one_slack_user_sent_at_once_by_two_members_link_one(notifications,
                                                                            team, slack_api):
    """Ben and Lena each sending a ticket for UNEW at the same instant, each held after its
    first read of the links until the other has read them too: on PostgreSQL both found UNEW
    nobody's and both were linked (200 twice). Now links in a team take turns: one is linked,
    the other answered 409 saying whose it is."""
    tickets = [link_ticket_offered(notifications, slack_api, "UNEW", nth) for nth in (1, 2)]
    senders = [team.ben, team.lead]

    def link(member_id: str, ticket: str):
        return lambda: notifications.app.test_client().post(
            "/v1/me/slack", headers=team.auth(member_id), json={"ticket": ticket})

    def reads_the_links(sql: str) -> bool:
        return sql.lstrip().upper().startswith("SELECT") and "FROM slack_identities" in sql

    race = run_together(notifications.container.engine, reads_the_links,
                        *(link(m, t) for m, t in zip(senders, tickets, strict=True)))
    statuses = sorted(a.status_code for a in race.results)
    assert statuses == [200, 409], [(a.status_code, a.json) for a in race.results]
    [won] = [a.json["member_id"] for a in race.results if a.status_code == 200]
    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("UNEW")] == [won]


def test_an_install_approved_by_a_teammates_slack_user_leaves_it_theirs(notifications,
                                                                         slack_api):
    """Lena installs the app, approving it in Slack as UANA (Ana's Slack user, on Ana's
    laptop, say): the install linked Lena to UANA, so UANA was Lena's in the team and Ana's
    reminders and /goals went to Lena. Now the workspace is installed, UANA stays Ana's, and
    the page tells Lena why she was not linked."""
    team = Team(notifications)
    slack_api.installer = "UANA"
    done = install(notifications, Lead(team))
    page = done.get_data(as_text=True)
    assert "Goalkeeper is installed in Acme" in page
    assert ("Your Slack user UANA was not linked to you: it is already Ana&#x27;s in this team. "
            "If it is yours, link Ana to their own Slack user first, then open the app&#x27;s "
            "Home tab in Slack to link yourself.") in page
    status = notifications.client.get(f"/v1/teams/{team.id}/slack", headers=team.auth())
    assert (status.json["installed"], status.json["state"]) == (True, "active"), status.json
    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("UANA")] == [team.ana]
        assert uow.slack.identity(team.lead) is None


def test_an_install_approved_by_the_leads_own_slack_user_links_them(notifications, team):
    """The usual install (the `team` fixture's: Lena approves as ULENA) links Lena, and its
    page says nothing of a link skipped: its one paragraph is the usual one."""
    again = install(notifications, Lead(team)).get_data(as_text=True)
    assert "Goalkeeper is installed in Acme" in again
    assert re.findall(r"<p>(.*?)</p>", again, re.S) == [
        "Check-in reminders now arrive as direct messages. You can close this tab."]
    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("ULENA")] == [team.lead]


def test_an_install_approved_by_another_slack_user_leaves_the_lead_linked_to_their_own(
        notifications, team, slack_api):
    """Lena (linked to ULENA by her first install) has the app installed again by a
    workspace admin, UADMIN, who approves it in Slack: Lena was relinked to UADMIN, so her
    reminders went to the admin. Now she stays ULENA's and the page says so."""
    slack_api.installer = "UADMIN"
    page = install(notifications, Lead(team)).get_data(as_text=True)
    assert ("You stay linked to your Slack user ULENA: the install was approved by another "
            "Slack user (UADMIN).") in page
    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("ULENA")] == [team.lead]
        assert uow.slack.members_for("UADMIN") == []


def test_an_install_in_another_workspace_unlinks_the_members_from_the_old_ones_users(
        notifications, team, slack_api):
    """Lena installs the app in another workspace (T0NEW, approving as ULENA2): Ana (named
    UANA by her profile) and Ben (linked to UBEN) kept the old workspace's Slack users, so
    their reminders went to user ids there. Now their links are dropped, Lena is linked to
    ULENA2, and the page says how many must link again from the Home tab."""
    linked = notifications.client.put(f"/v1/teams/{team.id}/slack/members/{team.ben}",
                                      headers=team.auth(team.lead), json={"slack_user_id": "UBEN"})
    assert linked.status_code == 200, linked.json
    slack_api.team_id, slack_api.team_name, slack_api.installer = "T0NEW", "Newco", "ULENA2"
    page = install(notifications, Lead(team)).get_data(as_text=True)
    assert ("Goalkeeper moved here from the Slack workspace T0ACME: the links of 2 members to "
            "its Slack users were dropped. Reminders do not reach them until each opens "
            "Goalkeeper&#x27;s Home tab in this workspace and presses Link my Goalkeeper "
            "account.") in page, page
    with notifications.container.uow() as uow:
        assert {u: [m.member_id for m in uow.slack.members_for(u)]
                for u in ("UANA", "UBEN", "ULENA", "ULENA2")} == {
            "UANA": [], "UBEN": [], "ULENA": [], "ULENA2": [team.lead]}
    run_tasks(notifications)
    before = len(slack_api.calls)
    remind(notifications, team)
    assert slack_api.calls[before:] == []  # Ana's reminder has no Slack user to go to


def moved_to_newco(notifications, team: Team, slack_api) -> None:
    """Lena installs the app in another workspace, T0NEW, approving as ULENA2: she is linked
    to ULENA2, and the others' links to the old workspace's users are dropped."""
    slack_api.team_id, slack_api.team_name, slack_api.installer = "T0NEW", "Newco", "ULENA2"
    install(notifications, Lead(team))


def profile_names(notifications, team: Team, member_id: str, name: str, role: str,
                  slack_user_id: str) -> None:
    """`member.updated`: the member's profile now names `slack_user_id`."""
    handle(notifications.container, event(
        "member.updated", team.id, member_id=member_id, name=name,
        email=f"{name.lower()}@example.com", role=role, timezone="UTC", state="active",
        slack_user_id=slack_user_id))


def test_a_profile_naming_a_new_slack_user_after_a_move_links_the_member_to_it(
        notifications, team, slack_api):
    """Ana, unlinked from the old workspace's UANA by the move, puts her new workspace's
    Slack user, UANA2, in her profile: the unlink still hid it, so her reminders went nowhere
    until she linked from the Home tab. Now the profile's new user is hers."""
    moved_to_newco(notifications, team, slack_api)
    profile_names(notifications, team, team.ana, "Ana", "member", "UANA2")
    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("UANA2")] == [team.ana]
    run_tasks(notifications)
    before = len(slack_api.calls_of("conversations.open"))
    remind(notifications, team)
    assert [c.args["users"] for c in slack_api.calls_of("conversations.open")[before:]] == [
        "UANA2"]


def test_a_profile_change_leaves_a_lead_linked_by_the_install_to_their_slack_user(
        notifications, team, slack_api):
    """The counter-case of the one above: only a link the move dropped gives way to the
    profile. Lena, linked to ULENA2 by installing in the new workspace, then has a profile
    naming another Slack user (UOLD, say, typed from the old workspace): she stays ULENA2's,
    and UOLD is nobody's."""
    moved_to_newco(notifications, team, slack_api)

    profile_names(notifications, team, team.lead, "Lena", "lead", "UOLD")

    with notifications.container.uow() as uow:
        assert [m.member_id for m in uow.slack.members_for("ULENA2")] == [team.lead]
        assert uow.slack.members_for("UOLD") == []
        assert uow.slack.slack_user_of(team.lead) == "ULENA2"


def link_tickets_of(notifications, slack_user_id: str) -> int:
    table = notifications.container.metadata.tables["slack_link_tickets"]
    with notifications.container.engine.connect() as conn:
        return len(conn.execute(table.select().where(table.c.slack_user_id == slack_user_id))
                   .all())


def test_a_retried_event_delivery_has_the_effect_of_one(notifications, team, slack_api):
    """Slack delivers an event again, with the same event_id, when its answer was slow or
    failed (X-Slack-Retry-Num): each retry of app_home_opened from a Slack user the app does
    not know made another link ticket and published their Home again, a member's Home was
    published again, and a tokens_revoked retried after the lead had reinstalled disabled
    the new installation."""
    run_tasks(notifications)  # the installing lead's own Home
    before = len(slack_api.calls_of("views.publish"))
    for user in ("UNEW", "UANA"):
        opened = {"type": "event_callback", "team_id": slack_api.team_id,
                  "event_id": f"Ev0HOME{user}",
                  "event": {"type": "app_home_opened", "user": user, "tab": "home"}}
        for retry in (0, 1, 2):
            assert events_post(notifications, opened, retry=retry).status_code == 200
            run_tasks(notifications)
    assert homes_published(slack_api, before) == {"UNEW": 1, "UANA": 1}
    assert link_tickets_of(notifications, "UNEW") == 1

    revoked = {"type": "event_callback", "team_id": slack_api.team_id, "event_id": "Ev0REVOKE",
               "event": {"type": "tokens_revoked", "tokens": {"bot": ["U0GKBOT"]}}}
    assert events_post(notifications, revoked).status_code == 200
    install(notifications, Lead(team))
    assert events_post(notifications, revoked, retry=1).status_code == 200
    status = notifications.client.get(f"/v1/teams/{team.id}/slack", headers=team.auth())
    assert (status.json["installed"], status.json["state"]) == (True, "active"), status.json


def test_a_slack_event_id_is_kept_a_day_then_forgotten_by_the_workers_purge(make_service,
                                                                           slack_api):
    """Slack's event ids lived in the inbox for its weeks of retention; they have a table of
    their own now, kept a day (Slack retries within minutes): a retry within it still has no
    second effect, and the worker's purge forgets the id after it."""
    clock = ControlledClock(datetime.now(UTC))
    notifications = make_service("notifications", clock=clock, start_worker=False,
                                 **slack_env(slack_api))
    team = Team(notifications)
    install(notifications, Lead(team))
    run_tasks(notifications)
    before = len(slack_api.calls_of("views.publish"))
    opened = {"type": "event_callback", "team_id": slack_api.team_id, "event_id": "Ev0HOMEANA",
              "event": {"type": "app_home_opened", "user": "UANA", "tab": "home"}}
    purge = scheduled_job(notifications.container, "slack-events-purge")

    def deliver(retry: int = 0) -> None:
        signed_at = int(clock.now().timestamp())  # Slack signs on the service's clock
        assert events_post(notifications, opened, signed_at, retry).status_code == 200
        run_tasks(notifications)

    deliver()
    clock.advance(hours=23)
    assert purge.run() == 0
    deliver(retry=1)
    assert homes_published(slack_api, before) == {"UANA": 1}
    clock.advance(hours=2)
    assert purge.run() == 1
    assert purge.run() == 0


def slash_from(notifications, slack_team: str, text: str):
    body = urlencode({"command": "/goals", "text": text, "user_id": "UANA",
                      "team_id": slack_team, "response_url": "https://hooks.slack.com/x"}).encode()
    return notifications.client.post("/slack/commands", data=body,
                                     headers=sign(body, int(time.time())))


def requested_by(notifications) -> list[tuple[str, str, str]]:
    table = notifications.container.metadata.tables["outbox"]
    with notifications.container.engine.connect() as conn:
        rows = conn.execute(table.select().where(table.c.event_type == "checkin.requested"))
        return [(p["team_id"], p["member_id"], p["goal_ref"])
                for p in (json.loads(r.payload) for r in rows)]


def test_a_person_in_two_teams_sharing_the_workspace_uses_both_from_slack(notifications, team,
                                                                          slack_api):
    """Ana is a member of two teams installed in one workspace, her Slack user id in both
    profiles: the app took one of her two members at random, so /goals showed one team's goals,
    the Check in button of the other team's DM opened "I can't find that goal among yours", and
    her Home showed one team's goals."""
    other = Team(notifications)
    books = new_id()
    handle(notifications, goal(other.id, books, other.ana, "Read 12 books"))
    install(notifications, Lead(other))
    listed = slash_from(notifications, slack_api.team_id, "goals").json["text"]
    assert f"`{team.goal[:8]}`" in listed and f"`{books[:8]}`" in listed and \
        f"`{other.goal[:8]}`" in listed

    assert slash_from(notifications, slack_api.team_id, "checkin books 3").json["text"] \
        .startswith("⏳ Logging 3 km on *Read 12 books*")
    assert requested_by(notifications) == [(other.id, other.ana, books)]

    handle(notifications, event("checkin.reminder", other.id, goal_id=books, owner_id=other.ana,
                                due_at="2030-01-07T09:00:00+00:00",
                                at="2030-01-07T08:00:00+00:00"))
    run_tasks(notifications)
    [posted] = [c for c in slack_api.calls_of("chat.postMessage") if c.args["channel"] == "DANA"]
    [button] = [b for b in posted.args["blocks"] if b["type"] == "actions"][0]["elements"]
    assert interaction(notifications, button_payload(slack_api, "UANA", button)).status_code == 200
    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert opened_once(slack_api) == {"1337.42.trigger": 1}  # no late second modal
    assert modal.args["view"].get("callback_id") == "checkin_modal", modal.args["view"]
    answer = interaction(notifications, submission(slack_api, "UANA", modal.args["view"], "5"))
    assert answer.status_code == 200 and not answer.data, answer.data
    assert requested_by(notifications) == [(other.id, other.ana, books)] * 2

    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"])
    assert team.goal in home and books in home and other.goal in home


def test_slack_reaches_by_id_no_goal_the_checkins_api_would_not_take_from_the_member(
        notifications, team, slack_api):
    """Ana names, by id, a private goal of her lead's, a private team goal of her lead's (its
    owner's partners and the leads see it; she is neither) and a team goal of another team
    installed in the same workspace. The checkins API answers her 404 for each; Slack answers
    that it finds no such goal of hers, and asks checkins for nothing."""
    other = Team(notifications)
    install(notifications, Lead(other))
    private, private_team, elsewhere = new_id(), new_id(), new_id()
    handle(notifications,
           member(other.id, other.ana, "Ola", slack_user_id="UOLA"),  # not Ana there
           goal(team.id, private, team.lead, "Hire a designer", visibility="private"),
           goal(team.id, private_team, team.lead, "Cut cloud costs", visibility="private",
                kind="team"),
           goal(other.id, elsewhere, other.ben, "Migrate billing", kind="team"))
    for goal_id in (private, private_team, elsewhere):
        for ref in (goal_id, goal_id[:8]):
            answer = slash_from(notifications, slack_api.team_id, f"checkin {ref} 3").json
            assert answer["text"].startswith(f"I can't find an open goal you can check in on "
                                             f"matching `{ref}`"), answer
        meta = json.dumps({"goal_id": goal_id, "dm_id": None})
        refused = interaction(notifications, submission(
            slack_api, "UANA", {"callback_id": "checkin_modal", "private_metadata": meta}, "3"))
        assert refused.json == {"response_action": "errors", "errors": {
            "value": "This is not an open goal you can check in on; nothing logged."}}
        button = {"action_id": "checkin_open", "value": meta}
        assert interaction(notifications, button_payload(slack_api, "UANA", button,
                                                         trigger_id=f"trigger.{goal_id}")
                           ).status_code == 200
    clicked = {f"trigger.{goal_id}" for goal_id in (private, private_team, elsewhere)}
    eventually(lambda: {c.args["trigger_id"] for c in slack_api.calls_of("views.open")}
               == clicked, timeout=10)
    assert opened_once(slack_api) == dict.fromkeys(clicked, 1)
    notices = slack_api.calls_of("views.open")
    assert {json.dumps(n.args["view"]["blocks"]) for n in notices} == {json.dumps(
        [{"type": "section", "text": {"type": "mrkdwn", "text": "I can't find that goal among "
                                      "those you can check in on; nothing to check in."}}])}
    assert requested_by(notifications) == []


def test_a_member_checks_in_from_slack_on_the_team_goals_the_checkins_api_takes_from_them(
        notifications, team, slack_api):
    """The checkins API takes Ana's check-in on any team goal of her team she sees; Slack
    offered her only the goals she owns: `/goals goals` and `/goals checkin`, the modal and her
    Home left her team's goals out."""
    cloud, hiring, rust, offsite = new_id(), new_id(), new_id(), new_id()
    handle(notifications,
           goal(team.id, cloud, team.lead, "Cut cloud costs", kind="team"),
           goal(team.id, hiring, team.ben, "Hire two engineers", kind="team",
                visibility="private"),  # she is Ben's partner: she sees it
           goal(team.id, rust, team.ben, "Learn Rust"),  # personal: Ben's alone
           goal(team.id, offsite, team.lead, "Plan the offsite", kind="team",
                visibility="private"))  # neither Lena's partner nor a lead: she does not see it
    listed = slash_from(notifications, slack_api.team_id, "goals").json["text"]
    assert f"`{cloud[:8]}` *Cut cloud costs*" in listed and "· team goal" in listed
    assert listed.startswith("*Open goals you can check in on:*")
    assert f"`{team.goal[:8]}`" in listed and f"`{hiring[:8]}`" in listed
    assert f"`{rust[:8]}`" not in listed and f"`{offsite[:8]}`" not in listed
    assert "*1 open goal:*" in slash_from(notifications, slack_api.team_id, "status").json["text"]

    ack = slash_from(notifications, slack_api.team_id, "checkin cloud 3").json["text"]
    assert ack.startswith("⏳ Logging 3 km on *Cut cloud costs*"), ack
    for refused in (rust, offsite):
        answer = slash_from(notifications, slack_api.team_id, f"checkin {refused[:8]} 3")
        assert answer.json["text"].startswith("I can't find an open goal"), answer.json

    button = {"action_id": "checkin_open",
              "value": json.dumps({"goal_id": hiring, "dm_id": None})}
    assert interaction(notifications, button_payload(slack_api, "UANA", button)).status_code == 200
    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert opened_once(slack_api) == {"1337.42.trigger": 1}  # no late second modal
    assert modal.args["view"].get("callback_id") == "checkin_modal", modal.args["view"]
    assert "*Hire two engineers*" in json.dumps(modal.args["view"])
    answer = interaction(notifications, submission(slack_api, "UANA", modal.args["view"], "1"))
    assert answer.status_code == 200 and not answer.data, answer.data
    assert sorted(requested_by(notifications)) == sorted([(team.id, team.ana, cloud),
                                                          (team.id, team.ana, hiring)])

    events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                "event": {"type": "app_home_opened", "user": "UANA",
                                          "tab": "home"}})
    run_tasks(notifications)
    home = json.dumps(homes_of(slack_api, "UANA")[-1].args["view"])
    assert team.goal in home and cloud in home and hiring in home
    assert rust not in home and offsite not in home


def test_a_stranger_in_an_installed_workspace_is_told_to_link_from_the_home_tab(notifications,
                                                                               team, slack_api):
    """/goals from a Slack user the app does not know, in a workspace a team installed, said
    only to ask a lead to add their Slack user id to their profile; the Home tab offers them
    a link they can follow themselves, and the answer now says so."""
    body = urlencode({"command": "/goals", "text": "goals", "user_id": "UNEW",
                      "team_id": slack_api.team_id, "response_url": ""}).encode()
    answer = notifications.client.post("/slack/commands", data=body,
                                       headers=sign(body, int(time.time())))
    assert answer.json["text"] == (
        "I don't know your Slack account yet. Open Goalkeeper's *Home* tab here in Slack and "
        "press *Link my Goalkeeper account* (or ask a team lead to link you), then try again.")


def test_a_slash_command_from_a_workspace_the_team_did_not_install_acts_for_nobody(
        notifications, team, slack_api):
    answer = slash_from(notifications, "T0ELSEWHERE", "checkin run 3")
    assert answer.status_code == 200 and answer.json["response_type"] == "ephemeral"
    assert "installed Goalkeeper in another Slack workspace" in answer.json["text"]
    assert requested_by(notifications) == []
    assert slash_from(notifications, slack_api.team_id, "checkin run 3").json["text"] \
        .startswith("⏳ Logging 3 km on *Run 100 km*")


def press_check_in(notifications, team: Team, slack_api) -> None:
    """Ana's reminder DM, and her press of its Check in button."""
    remind(notifications, team)
    press_reminders_button(notifications, slack_api)


def press_reminders_button(notifications, slack_api) -> None:
    """Ana's press of the Check in button of her reminder DM."""
    [posted] = [c for c in slack_api.calls_of("chat.postMessage") if c.args["channel"] == "DANA"]
    [button] = [b for b in posted.args["blocks"] if b["type"] == "actions"][0]["elements"]
    assert interaction(notifications, button_payload(slack_api, "UANA", button)).status_code == 200


UNOPENED_DM = ("❌ Your check-in on *Run 100 km* was not logged: Slack did not open the "
               "check-in form")


def told_after_reminder(notifications, slack_api) -> list:
    """The DMs to Ana after her reminder, once the Slack tasks due have run."""
    run_tasks(notifications)
    return [c for c in slack_api.calls_of("chat.postMessage") if c.args["channel"] == "DANA"][1:]


@pytest.mark.parametrize("error", ["expired_trigger_id", "internal_error"])
def test_a_modal_slack_does_not_open_is_followed_by_a_dm_to_try_again(notifications, team,
                                                                     slack_api, error):
    """Slack refused to open the check-in modal (the trigger expired: the click's answer was
    slow; or Slack failed) and Ana saw nothing happen. Now a DM says so, with the Check in
    button again."""
    slack_api.script("views.open", slack_error(error))
    press_check_in(notifications, team, slack_api)

    eventually(lambda: told_after_reminder(notifications, slack_api), timeout=10)
    assert counted(lambda: [c.args["text"] for c in told_after_reminder(
        notifications, slack_api)]) == {UNOPENED_DM: 1}
    [told] = told_after_reminder(notifications, slack_api)
    [button] = [b for b in told.args["blocks"] if b["type"] == "actions"][0]["elements"]
    assert json.loads(button["value"])["goal_id"] == team.goal


def test_the_dm_of_a_modal_slack_did_not_open_is_sent_again_when_slack_fails_it(
        notifications, team, slack_api):
    """The DM saying Slack did not open the form was posted once, from the click's background
    thread: when Slack failed that post too, Ana never heard. It is queued as a refused
    check-in's DM is, and the worker posts it again."""
    slack_api.script("views.open", slack_error("expired_trigger_id"))
    remind(notifications, team)
    # the DM's first post fails, not the reminder's
    slack_api.script("chat.postMessage", slack_error("internal_error"))
    press_reminders_button(notifications, slack_api)

    def delivered() -> list[str]:
        return [c.args["text"] for c in told_after_reminder(notifications, slack_api)
                if c.reply.get("ok")]

    eventually(lambda: UNOPENED_DM in delivered(), timeout=15)
    failed = [c.args["text"] for c in told_after_reminder(notifications, slack_api)
              if not c.reply.get("ok")]
    assert failed == [UNOPENED_DM]  # Slack failed the DM's first post
    assert Counter(delivered()) == {UNOPENED_DM: 1}
    assert counted(delivered) == {UNOPENED_DM: 1}  # and no late second post


@pytest.mark.parametrize("error", ["token_revoked", "account_inactive", "invalid_auth"])
def test_a_modal_refused_for_a_revoked_token_disables_the_installation(notifications, team,
                                                                       slack_api, error):
    """The worker's calls answered token_revoked disable the workspace; views.open answered it
    left the workspace installed, its token called again and again."""
    slack_api.script("views.open", slack_error(error))
    press_check_in(notifications, team, slack_api)
    status = eventually(lambda: (s := notifications.client.get(
        f"/v1/teams/{team.id}/slack", headers=team.auth()).json)["state"] == "disabled" and s,
        timeout=10)
    assert status["disabled_reason"] == error
    eventually(lambda: notifications.container.slack.bot_token(slack_api.team_id, None) is None,
               timeout=10)


def opened_once(slack_api) -> Counter:
    """The modals opened, counted by the click's trigger id once the count has held."""
    return counted(lambda: [c.args["trigger_id"] for c in slack_api.calls_of("views.open")])


def modal_payload(team: Team, meta: str | None = None, values: dict | None = None) -> dict:
    """A check-in modal submitted by Ana with `values` (by default a valid 12)."""
    return {"type": "view_submission", "user": {"id": "UANA"},
            "view": {"id": "V0MODAL1", "callback_id": "checkin_modal",
                     "private_metadata": meta or json.dumps({"goal_id": team.goal}),
                     "state": {"values": values or {"value": {"value": {"value": "12"}}}}}}


MALFORMED_INTERACTIONS = {
    "user": lambda team: {"type": "block_actions", "user": "UANA"},
    "actions.0": lambda team: {"type": "block_actions", "user": {"id": "UANA"},
                               "actions": ["checkin_open"]},
    "actions.0.value": lambda team: {"type": "block_actions", "user": {"id": "UANA"},
                                     "actions": [{"action_id": "checkin_open", "value": 5}]},
    "actions.0.value.goal_id": lambda team: {
        "type": "block_actions", "user": {"id": "UANA"}, "actions": [
            {"action_id": "checkin_open", "value": json.dumps({"goal_id": [team.goal]})}]},
    "view": lambda team: {"type": "view_submission", "user": {"id": "UANA"}, "view": "V0MODAL1"},
    "view.state.values.value.value": lambda team: modal_payload(
        team, values={"value": {"value": "12"}}),
    "view.state.values.value.value.value": lambda team: modal_payload(
        team, values={"value": {"value": {"value": 12}}}),
    "view.private_metadata": lambda team: modal_payload(team, meta="[1]"),
}


def test_a_malformed_interaction_gets_400_naming_the_field_and_changes_nothing(
        notifications, team, slack_api):
    """Signed payloads whose fields had the wrong shape (a user given as text, a typed value
    as a number, metadata that is not the app's goal reference) got a 500."""
    for field, payload in MALFORMED_INTERACTIONS.items():
        answer = interaction(notifications, payload(team))
        assert answer.status_code == 400, (field, answer.data[:300])
        assert answer.headers["Content-Type"] == "application/problem+json"
        assert field in answer.json["errors"], (field, answer.json)
    assert "checkin.requested" not in outbox_types(notifications)
    run_tasks(notifications)
    assert slack_api.calls_of("views.open") == []


def with_nul(text: str) -> str:
    return text[:2] + "\x00" + text[2:]


NUL_INTERACTIONS = {
    "user.id": lambda team, api: {**button(team, api), "user": {"id": with_nul("UANA")}},
    "user.team_id": lambda team, api: {**button(team, api), "team": None, "user": {
        "id": "UANA", "team_id": with_nul(api.team_id)}},
    "team": lambda team, api: {**button(team, api), "team": with_nul(api.team_id)},
    "actions.0.value.goal_id": lambda team, api: {**button(team, api), "actions": [
        {"action_id": "checkin_open", "value": json.dumps({"goal_id": with_nul(team.goal)})}]},
    "view.private_metadata.goal_id": lambda team, api: modal_payload(
        team, meta=json.dumps({"goal_id": with_nul(team.goal)})),
    "view.id": lambda team, api: {**modal_payload(team), "view": {
        **modal_payload(team)["view"], "id": with_nul("V0MODAL1")}},
}


def button(team: Team, slack_api) -> dict:
    """Ana's click on the Check in button of her goal's DM."""
    return {"type": "block_actions", "user": {"id": "UANA"}, "team": slack_api.team_id,
            "trigger_id": "1337.42.trigger", "actions": [
                {"action_id": "checkin_open", "value": json.dumps({"goal_id": team.goal})}]}


@pytest.mark.parametrize("field", list(NUL_INTERACTIONS))
def test_an_interaction_with_a_nul_in_a_field_the_app_reads_gets_400_naming_it(
        notifications, team, slack_api, field):
    """A NUL in a Slack id or in the app's goal reference reached PostgreSQL, which refused
    it: a 500. It is refused as a field in the wrong shape is, and nothing happens."""
    answer = interaction(notifications, NUL_INTERACTIONS[field](team, slack_api))
    assert answer.status_code == 400, (field, answer.data[:300])
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json["errors"] == {field: ["Must not contain NUL characters."]}
    assert "checkin.requested" not in outbox_types(notifications)
    run_tasks(notifications)
    assert slack_api.calls_of("views.open") == []


MALFORMED_EVENTS = {
    "event": {"type": "event_callback", "event": "app_home_opened"},
    "event.user": {"type": "event_callback", "event": {"type": "app_home_opened", "user": 5}},
    "event.tokens": {"type": "event_callback", "event": {"type": "tokens_revoked",
                                                         "tokens": ["U0GKBOT"]}},
    "enterprise_id": {"type": "event_callback", "enterprise_id": ["E1"],
                      "event": {"type": "app_uninstalled"}},
    "event_id": {"type": "event_callback", "event_id": "Ev" + "0" * 63,  # longer than any id
                 "event": {"type": "app_home_opened", "user": "UANA", "tab": "home"}},
}


def test_a_malformed_event_gets_400_naming_the_field_and_changes_nothing(notifications, team,
                                                                        slack_api):
    for field, body in MALFORMED_EVENTS.items():
        answer = events_post(notifications, {"team_id": slack_api.team_id, **body})
        assert answer.status_code == 400, (field, answer.data[:300])
        assert field in answer.json["errors"], (field, answer.json)
    status = notifications.client.get(f"/v1/teams/{team.id}/slack", headers=team.auth())
    assert status.json["state"] == "active"
    run_tasks(notifications)
    assert homes_of(slack_api, "UANA") == []


def test_an_event_the_app_does_not_handle_is_acknowledged_whatever_its_shape(notifications,
                                                                             team, slack_api):
    """Slack disables an app's event subscription when its answers keep failing."""
    answer = events_post(notifications, {"type": "event_callback", "team_id": slack_api.team_id,
                                         "event": {"type": "user_change", "user": {"id": "U1"}}})
    assert answer.status_code == 200
