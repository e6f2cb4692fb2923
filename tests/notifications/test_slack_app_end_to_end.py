"""The Slack app end to end over the real broker: goals, checkins and notifications with their
workers, and a local stand-in for Slack's Web API.

due -> DM -> "Check in" button -> modal -> submit -> check-in logged -> goal progressed -> DM
updated, with the App Home published along the way.
"""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from tests.notifications.support import SLACK_SECRET, event, produce, sign
from tests.support.seed import create_team
from tests.support.slack_api_server import SlackApiServer
from tests.support.stack import auth
from tests.support.waiting import counted, eventually

pytestmark = pytest.mark.slow


def slack_env(slack_api: SlackApiServer) -> dict[str, str]:
    return {"SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_API_URL": slack_api.url,
            "SLACK_CLIENT_ID": "111.222", "SLACK_CLIENT_SECRET": "client-secret",
            "SLACK_APP_URL": "http://notifications.test", "NOTIFICATIONS_SLACK_TICK_SECONDS": "0.2"}


def install(notifications, team):
    """A lead's install link, Slack's authorize page (skipped), and the OAuth redirect: its
    page."""
    link = notifications.client.post(f"/v1/teams/{team.id}/slack/install-link",
                                     headers=auth(team.lead))
    assert link.status_code == 201, link.json
    started = notifications.client.get(urlsplit(link.json["url"]).path + "?" +
                                       urlsplit(link.json["url"]).query)
    assert started.status_code == 302
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    done = notifications.client.get(f"/slack/oauth_redirect?code=good-code&state={state}")
    assert done.status_code == 200, done.data
    return done


def interaction(notifications, payload: dict, timestamp: int | None = None,
                secret=SLACK_SECRET):
    body = urlencode({"payload": json.dumps(payload)}).encode()
    headers = sign(body, timestamp or int(time.time()), secret)
    return notifications.client.post("/slack/interactions", data=body, headers=headers)


def button_payload(slack_api, user: str, button: dict,
                   trigger_id: str = "1337.42.trigger") -> dict:
    return {"type": "block_actions", "user": {"id": user, "team_id": slack_api.team_id},
            "team": {"id": slack_api.team_id}, "trigger_id": trigger_id,
            "actions": [{"action_id": button["action_id"], "value": button["value"],
                         "type": "button"}]}


def submission(slack_api, user: str, view: dict, value: str, confidence: str = "4",
               note: str = "halfway") -> dict:
    values = {"value": {"value": {"type": "plain_text_input", "value": value}},
              "confidence": {"confidence": {"type": "static_select",
                                            "selected_option": {"value": confidence}}},
              "note": {"note": {"type": "plain_text_input", "value": note}}}
    return {"type": "view_submission", "user": {"id": user, "team_id": slack_api.team_id},
            "team": {"id": slack_api.team_id},
            "view": {"id": "V0MODAL1", "callback_id": view["callback_id"],
                     "private_metadata": view["private_metadata"], "state": {"values": values}}}


def slack_effects(slack_api) -> list[tuple]:
    """Each effect the member sees in Slack, by the id it answers: a due DM by its DM channel
    and the goal its Check in button names (a DM posted again counts twice), a modal by the
    trigger id of the click that opened it, a DM's update by the message it replaces (channel
    and ts), a refusal DM by its DM channel and text (it names the goal and the reason of the
    one request it answers)."""
    return ([("due DM", *dm) for dm in due_dms(slack_api)]
            + [("modal", c.args["trigger_id"]) for c in slack_api.calls_of("views.open")]
            + [("update", c.args["channel"], c.args["ts"])
               for c in slack_api.calls_of("chat.update")]
            + [("refusal", dm["channel"], dm["text"]) for dm in rejection_dms(slack_api)])


def due_dms(slack_api) -> list[tuple[str, str]]:
    """The DM channel and goal of each due DM posted (a reminder or a missed check-in, not a
    refusal's Check in button), with a repeat for each time it was posted."""
    return [(c.args["channel"], json.loads(e["value"])["goal_id"])
            for c in slack_api.calls_of("chat.postMessage")
            if c.args["text"].startswith(("🔔 Due:", "⏰ Missed:"))
            for b in c.args["blocks"] if b["type"] == "actions" for e in b["elements"]]


def known_goal(notifications, goal_id: str) -> bool:
    with notifications.container.uow() as uow:
        return uow.replicas.goal(goal_id) is not None


STEPS = {"unit": "steps", "start": 0, "target": 10}


def due_dm(make_service, slack_api, metric: dict | None = STEPS):
    """The three services, a team whose lead Lena (ULENA) installed the app (so she is
    linked), her new goal (with `metric`; None for one without), and the check-in due DM its
    reminder sent her."""
    goals = make_service("goals")
    checkins = make_service("checkins")
    notifications = make_service("notifications", **slack_env(slack_api))
    team = create_team(goals)
    # The goal starts in 2030, so the only reminder is the one produced below (its schedule's
    # first occurrence): one started today would be due at the built-in Monday 09:00, and a
    # test run on a Monday from 07:00 (the reminder's lead) would get checkins' own reminder too.
    goal = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Ship the onboarding flow", "description": "New users finish setup alone",
        "start_date": "2030-01-01", "due_date": "2030-06-30",
        **({"metric": metric} if metric else {})})
    assert goal.status_code == 201, goal.json
    goal_id = goal.json["id"]
    eventually(lambda: known_goal(notifications, goal_id), timeout=60)
    install(notifications, team)
    produce(checkins, event("checkin.reminder", team.id, goal_id=goal_id, owner_id=team.lead_id,
                            due_at="2030-01-07T09:00:00+00:00", at="2030-01-07T08:00:00+00:00"))
    [posted] = eventually(lambda: slack_api.calls_of("chat.postMessage"), timeout=60)
    return SimpleNamespace(goals=goals, checkins=checkins, notifications=notifications,
                           team=team, goal_id=goal_id, posted=posted)


def test_due_dm_button_modal_submit_logs_the_checkin_and_updates_the_dm(make_service, slack_api):
    s = due_dm(make_service, slack_api)
    goals, checkins, notifications = s.goals, s.checkins, s.notifications
    team, goal_id, posted = s.team, s.goal_id, s.posted
    [opened] = slack_api.calls_of("conversations.open")
    assert opened.args["users"] == "ULENA" and posted.args["channel"] == "DLENA"
    assert "Ship the onboarding flow" in posted.args["text"]
    # the due time in each reader's own zone (Slack's date token), UTC where it cannot
    due = int(datetime(2030, 1, 7, 9, tzinfo=UTC).timestamp())
    assert (f"<!date^{due}^{{date_short_pretty}} at {{time}}|Mon 07 Jan, 09:00 UTC>"
            in json.dumps(posted.args["blocks"], ensure_ascii=False))
    [actions] = [b for b in posted.args["blocks"] if b["type"] == "actions"]
    [button] = actions["elements"]
    assert button["text"]["text"] == "Check in"

    ack = interaction(notifications, button_payload(slack_api, "ULENA", button))
    assert ack.status_code == 200
    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=30)
    assert modal.args["trigger_id"] == "1337.42.trigger"
    view = modal.args["view"]
    assert "Now at *0 steps* of 10 steps" in json.dumps(view)

    answer = interaction(notifications, submission(slack_api, "ULENA", view, "4"))
    assert answer.status_code == 200 and not answer.data  # empty 200 closes the modal
    eventually(lambda: goals.client.get(f"/v1/goals/{goal_id}", headers=auth(team.lead))
               .json["metric"]["current"] == 4, timeout=60)
    [updated] = eventually(lambda: slack_api.calls_of("chat.update"), timeout=60)
    assert (updated.args["channel"], updated.args["ts"]) == (posted.args["channel"],
                                                             posted.reply["ts"])
    assert updated.args["text"].startswith("✅ Lena checked in on *Ship the onboarding flow*")
    assert "Now at *4 steps* of 10 steps" in json.dumps(updated.args["blocks"])
    [logged] = checkins.client.get(f"/v1/goals/{goal_id}/checkins",
                                   headers=auth(team.lead)).json["items"]
    assert (logged["value"], logged["confidence"], logged["note"]) == (4, 4, "halfway")
    eventually(lambda: any("40%" in json.dumps(c.args["view"])
                           for c in slack_api.calls_of("views.publish")), timeout=60)

    again = interaction(notifications, submission(slack_api, "ULENA", view, "4"))
    assert again.status_code == 200
    effects = counted(lambda: slack_effects(slack_api) + [
        ("check-in", c["goal_id"]) for c in checkins.client.get(
            f"/v1/goals/{goal_id}/checkins", headers=auth(team.lead)).json["items"]])
    assert effects == {("due DM", "DLENA", goal_id): 1, ("modal", "1337.42.trigger"): 1,
                       ("update", "DLENA", posted.reply["ts"]): 1, ("check-in", goal_id): 1}


def test_a_goal_without_a_metric_is_checked_in_on_from_the_modal_and_the_slash_command(
        make_service, slack_api, slack):
    """The modal always asked for a value, and checkins refuses one on a goal without a
    metric: the member's check-in from the due DM ended in a DM saying it was not logged, and
    `/goals checkin` could send nothing but a value. Now the modal asks for a note and the
    command takes one; each logs one check-in, and nobody is told of a refusal."""
    s = due_dm(make_service, slack_api, metric=None)
    checkins, notifications, team, goal_id = s.checkins, s.notifications, s.team, s.goal_id
    [button] = [b for b in s.posted.args["blocks"] if b["type"] == "actions"][0]["elements"]
    interaction(notifications, button_payload(slack_api, "ULENA", button))
    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=30)
    view = modal.args["view"]
    assert [b["block_id"] for b in view["blocks"] if b["type"] == "input"] == [
        "confidence", "note"]
    submitted = submission(slack_api, "ULENA", view, "", note="wrote the welcome screen")
    del submitted["view"]["state"]["values"]["value"]
    answer = interaction(notifications, submitted)
    assert answer.status_code == 200 and not answer.data  # the modal closes
    response_url = f"{slack.url}/commands/T0ACME/noted"
    ack = slash_checkin(notifications, slack_api, "ULENA",
                        f"checkin {goal_id[:8]} tested it with Ana", response_url)
    assert ack.json["text"].startswith("⏳ Logging your note on *Ship the onboarding flow*")

    def logged() -> dict[str, tuple]:
        return {c["id"]: (c["value"], c["note"]) for c in checkins.client.get(
            f"/v1/goals/{goal_id}/checkins", headers=auth(team.lead)).json["items"]}
    eventually(lambda: len(logged()) == 2, timeout=60)
    assert sorted(logged().values()) == [(None, "tested it with Ana"),
                                         (None, "wrote the welcome screen")]
    [answered] = eventually(lambda: [r for r in slack.delivered()
                                     if r.path == "/commands/T0ACME/noted"], timeout=60)
    assert answered.json()["text"].startswith("✅ Logged your check-in on *Ship the onboarding")
    eventually(lambda: slack_api.calls_of("chat.update"), timeout=60)  # the due DM: done
    assert rejection_dms(slack_api) == []
    assert len(logged()) == 2


def slash_checkin(notifications, slack_api, user: str, text: str, response_url: str):
    body = urlencode({"command": "/goals", "text": text, "user_id": user,
                      "team_id": slack_api.team_id, "response_url": response_url}).encode()
    return notifications.client.post("/slack/commands", data=body,
                                     headers=sign(body, int(time.time())))


def rejection_dms(slack_api) -> list[dict]:
    """The DMs saying a check-in was not logged (their arguments), one per post."""
    return [c.args for c in slack_api.calls_of("chat.postMessage")
            if "was not logged" in c.args["text"]]


def consumed(harness, event_id: str) -> bool:
    inbox = harness.container.metadata.tables["inbox"]
    with harness.container.engine.connect() as conn:
        return conn.execute(inbox.select().where(inbox.c.event_id == event_id)).first() \
            is not None


def test_a_modal_checkin_on_a_goal_closed_meanwhile_is_refused_by_dm_once(make_service, slack_api,
                                                                          slack):
    s = due_dm(make_service, slack_api)
    goals, checkins, notifications = s.goals, s.checkins, s.notifications
    team, goal_id, due = s.team, s.goal_id, s.posted
    [button] = [b for b in due.args["blocks"] if b["type"] == "actions"][0]["elements"]
    interaction(notifications, button_payload(slack_api, "ULENA", button))
    [modal] = eventually(lambda: slack_api.calls_of("views.open"), timeout=30)

    # the goal closes while notifications has not heard of it yet; checkins has
    notifications.stop_worker()
    closed = goals.client.post(f"/v1/goals/{goal_id}/close", headers=auth(team.lead),
                               json={"outcome": "dropped"})
    assert closed.status_code == 200, closed.json
    def closed_in_checkins() -> bool:
        with checkins.container.uow() as uow:
            return not uow.goals.get(team.id, goal_id).is_active
    eventually(closed_in_checkins, timeout=60)
    answer = interaction(notifications, submission(slack_api, "ULENA", modal.args["view"], "4"))
    assert answer.status_code == 200 and not answer.data  # the modal closes: looks logged
    response_url = f"{slack.url}/commands/T0ACME/refused"
    ack = slash_checkin(notifications, slack_api, "ULENA", f"checkin {goal_id[:8]} 5",
                        response_url)
    assert ack.json["text"].startswith("⏳ Logging 5 steps"), ack.json
    notifications.start_worker()

    [dm] = eventually(lambda: rejection_dms(slack_api), timeout=60)
    text = dm["text"]
    assert dm["channel"] == "DLENA"
    closed = ("❌ Your check-in on *Ship the onboarding flow* was not logged: this goal is "
              "closed as dropped, so it takes no check-ins. `/goals goals` lists the goals you "
              "can check in on.")
    assert text == closed
    [refused] = eventually(lambda: [r for r in slack.delivered()
                                    if r.path == "/commands/T0ACME/refused"], timeout=60)
    assert refused.json()["text"] == closed

    # redelivered, or answered again for a resent command: nobody hears twice
    tables = notifications.container.metadata.tables
    with notifications.container.engine.connect() as conn:
        modal_request = conn.execute(tables["slack_requests"].select().where(
            tables["slack_requests"].c.response_url == "")).one()
    again = event("checkin.rejected", team.id, request_id=modal_request.request_id,
                  member_id=team.lead_id, reason="the goal is closed",
                  at="2030-01-07T09:30:00+00:00")
    produce(checkins, again, again)
    eventually(lambda: consumed(notifications, again.id), timeout=60)
    effects = counted(lambda: slack_effects(slack_api) + [
        ("answer", r.path) for r in slack.delivered()])  # the Slack tasks run every 0.2 s
    assert effects == {("due DM", "DLENA", goal_id): 1, ("modal", "1337.42.trigger"): 1,
                       ("refusal", "DLENA", text): 1,
                       ("answer", "/commands/T0ACME/refused"): 1}  # no update: still due
    with notifications.container.uow() as uow:
        [still_due] = uow.slack.open_dms(goal_id)
        assert still_due.ts == due.reply["ts"]
