"""Every Slack message that names a goal to a person in several teams names its team too, as
`/goals`, the modal and the Home do (`slack_home_handlers.team_shown`); a person in one team
reads no team names.

Over the real broker: the notifications service with its worker consumes what checkins and
goals publish, DMs through the local stand-in for Slack's Web API, and answers the slash
command at a local response_url.
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode

import pytest

from tests.notifications.support import (
    Team,
    checkin,
    event,
    goal,
    handle,
    member,
    new_id,
    produce,
    progressed,
    sign,
)
from tests.notifications.test_slack_app_end_to_end import (
    button_payload,
    install,
    interaction,
    slack_env,
    submission,
)
from tests.notifications.test_slack_app_rules import Lead, requested_ids
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

DUE = "2030-01-07T09:00:00+00:00"
NOT_LOGGED = "a check-in on a metric goal needs a value or a delta"


@pytest.fixture
def notifications(make_service, slack_api):
    """The notifications service with its worker, the Slack app configured."""
    return make_service("notifications", **slack_env(slack_api))


def two_teams(notifications, slack_api, *, teams: int) -> list[Team]:
    """`teams` teams ('Platform', then 'Ops') installed in one workspace, each with its goal
    "Run 100 km" of Ana's (UANA) and Ben (UBEN), her partner: one person each in them all."""
    made = [Team(notifications) for _ in range(teams)]
    for team, name in zip(made, ["Platform", "Ops"], strict=False):
        handle(notifications, event("team.updated", team.id, name=name, timezone="UTC"),
               member(team.id, team.ben, "Ben", slack_user_id="UBEN"))
        install(notifications, Lead(team))
    return made


def slash(notifications, slack_api, text: str, response_url: str):
    body = urlencode({"command": "/goals", "text": text, "user_id": "UANA",
                      "team_id": slack_api.team_id, "response_url": response_url}).encode()
    return notifications.client.post("/slack/commands", data=body,
                                     headers=sign(body, int(time.time())))


def posted_to(slack_api, channel: str, starting: str) -> list[dict]:
    return [c.args for c in slack_api.calls_of("chat.postMessage")
            if c.args["channel"] == channel and c.args["text"].startswith(starting)]


def answered_at(slack, path: str) -> list[str]:
    return [r.json()["text"] for r in slack.delivered() if r.path == path]


def told_of(notifications, slack_api, slack, team: Team) -> dict[str, str]:
    """What Ana and Ben read in Slack of Ana's goal in `team`, each through the broker: the
    acknowledgement of her `/goals checkin`, its answer once logged and that of one checkins
    refused, the DM refusing one from the modal, her reminder DM (its notification and its
    text), Ben's DM that she missed it, and both DMs updated once she checked in."""
    rejected = {"member_id": team.ana, "reason": NOT_LOGGED, "at": DUE}
    produce(notifications, event("checkin.reminder", team.id, goal_id=team.goal,
                                 owner_id=team.ana, due_at=DUE, at=DUE))
    produce(notifications, event("checkin.missed", team.id, goal_id=team.goal,
                                 owner_id=team.ana, level=2, recipients=[team.ben],
                                 due_at=DUE, at=DUE))
    [reminder] = eventually(lambda: posted_to(slack_api, "DANA", "🔔 Due"), timeout=60)
    [missed] = eventually(lambda: posted_to(slack_api, "DBEN", "⏰"), timeout=60)

    ack = slash(notifications, slack_api, f"checkin {team.goal[:8]} 3",
                f"{slack.url}/commands/logged").json["text"]
    [request_id] = asked = set(requested_ids(notifications))
    logged = checkin(team.id, team.goal, team.ana, 3, request_id=request_id)
    produce(notifications, logged, progressed(logged, 0.03))
    [logged_answer] = eventually(lambda: answered_at(slack, "/commands/logged"), timeout=60)
    done = eventually(lambda: updates(slack_api).keys() == {"DANA", "DBEN"}
                      and updates(slack_api), timeout=60)

    slash(notifications, slack_api, f"checkin {team.goal[:8]} 4", f"{slack.url}/commands/no")
    [request_id] = set(requested_ids(notifications)) - asked
    asked.add(request_id)
    produce(notifications, event("checkin.rejected", team.id, request_id=request_id,
                                 **rejected))
    [refused_answer] = eventually(lambda: answered_at(slack, "/commands/no"), timeout=60)

    view = {"callback_id": "checkin_modal", "private_metadata": json.dumps({"goal_id": team.goal})}
    assert interaction(notifications, submission(slack_api, "UANA", view, "5")).status_code \
        == 200
    [request_id] = set(requested_ids(notifications)) - asked
    produce(notifications, event("checkin.rejected", team.id, request_id=request_id,
                                 **rejected))
    [refused_dm] = eventually(lambda: posted_to(slack_api, "DANA", "❌"), timeout=60)
    return {"ack": ack, "logged": logged_answer, "refused": refused_answer,
            "refused DM": refused_dm["text"], "reminder": reminder["text"],
            "reminder DM": reminder["blocks"][0]["text"]["text"], "missed DM": missed["text"],
            "done DM": done["DANA"], "partner's done DM": done["DBEN"]}


def updates(slack_api) -> dict[str, str]:
    """The text each DM channel's message was updated to."""
    return {c.args["channel"]: c.args["text"] for c in slack_api.calls_of("chat.update")}


def saying(told: dict[str, str], expected: dict[str, str]) -> dict[str, str]:
    """Those of `told` that do not begin as `expected` says (every message is expected)."""
    assert told.keys() == expected.keys()
    return {what: text for what, text in told.items() if not text.startswith(expected[what])}


def expected(team: str) -> dict[str, str]:
    """How each message of `told_of` begins, the goal named with `team` after its title."""
    refused = f"❌ Your check-in on *Run 100 km*{team} was not logged: this goal has a figure"
    return {"ack": f"⏳ Logging 3 km on *Run 100 km*{team}; I'll confirm",
            "logged": f"✅ Logged 3 km on *Run 100 km*{team}.\nProgress: ",
            "refused": refused, "refused DM": refused,
            "reminder": f"🔔 Due: check in on Run 100 km{team}",
            "reminder DM": f"Time to check in on *Run 100 km*{team} (due ",
            "missed DM": f"⏰ Ana, your partner, missed the check-in on *Run 100 km*{team} due ",
            "done DM": f"✅ Ana checked in on *Run 100 km*{team} at ",
            "partner's done DM": f"✅ Ana checked in on *Run 100 km*{team} at "}


def test_a_person_in_two_teams_reads_the_team_of_the_goal_in_every_message_about_it(
        notifications, slack_api, slack):
    """Ana is in Platform and Ops, each with her goal "Run 100 km": `/goals`, the modal and
    her Home said which, but the answer that her check-in was logged, its refusals (at the
    response_url and by DM), her reminder, Ben's DM that she missed it (Ben in both teams
    too) and both updated once she checked in named the goal alone."""
    _, ops = two_teams(notifications, slack_api, teams=2)
    told = told_of(notifications, slack_api, slack, ops)
    assert saying(told, expected(" (Ops)")) == {}
    assert told["reminder"] == "🔔 Due: check in on Run 100 km (Ops)"


def test_a_person_in_one_team_reads_no_team_name_in_any_message_about_a_goal(
        notifications, slack_api, slack):
    [platform] = two_teams(notifications, slack_api, teams=1)
    told = told_of(notifications, slack_api, slack, platform)
    assert saying(told, expected("")) == {}
    assert "Platform" not in json.dumps(told), told


def test_a_goal_closed_to_check_ins_is_named_with_its_team_in_slack(notifications, slack_api,
                                                                    slack):
    """Ana's "Swim 10 km" of Ops is achieved: `/goals checkin swim` and its Check in button
    said "*Swim 10 km* is …" though she may have one in Platform too."""
    _, ops = two_teams(notifications, slack_api, teams=2)
    swim = new_id()
    handle(notifications, goal(ops.id, swim, ops.ana, "Swim 10 km", event_type="goal.achieved"))
    refused = slash(notifications, slack_api, "checkin swim 3", f"{slack.url}/commands/x")
    assert refused.json["text"].startswith("*Swim 10 km* (Ops) is achieved, so it takes no "
                                           "check-ins."), refused.json
    button = {"action_id": "checkin_open", "value": json.dumps({"goal_id": swim})}
    assert interaction(notifications, button_payload(slack_api, "UANA", button)).status_code \
        == 200
    [notice] = eventually(lambda: slack_api.calls_of("views.open"), timeout=10)
    assert notice.args["view"]["blocks"][0]["text"]["text"] == (
        "*Swim 10 km* (Ops) is closed; it takes no more check-ins."), notice.args
