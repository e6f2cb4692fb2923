"""`POST /slack/commands`: Slack signature checks, subcommands, and answers via response_url."""

from __future__ import annotations

import json
import time
from collections import Counter
from urllib.parse import urlencode

import pytest

from services.notifications.service_layer.access import goals_to_check_in, may_check_in
from shared.numbers import figure
from tests.notifications.support import (
    Team,
    delivering,
    event,
    form,
    goal,
    goal_without_metric,
    handle,
    new_id,
    post_at_once,
    progressed,
    requested,
    sign,
    slash,
)
from tests.support.waiting import counted, eventually


def test_a_correctly_signed_request_is_answered_ephemerally(notifications):
    response = slash(notifications, form("help"))
    assert response.status_code == 200
    assert response.json["response_type"] == "ephemeral"
    assert "/goals checkin <goal> <value> [note]" in response.json["text"]


@pytest.mark.parametrize(("case", "why"), [
    ("stale", "stale"), ("tampered", "invalid Slack signature"), ("missing", "missing"),
    ("wrong secret", "invalid Slack signature"),
])
def test_bad_signatures_get_401_saying_why(notifications, case, why):
    body, now = form("goals"), int(time.time())
    headers = {
        "stale": sign(body, now - 301),
        "tampered": sign(form("status"), now),
        "missing": {"X-Slack-Request-Timestamp": str(now)},
        "wrong secret": sign(body, now, "guess"),
    }[case]
    response = slash(notifications, body, headers)
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    assert why in response.json["detail"]


@pytest.mark.parametrize(("timestamp", "signature", "why"), [
    ("\u00b2", None, "Unix seconds"),  # a digit to str.isdigit, not to int()
    ("\u00b9\u00b2\u00b3", None, "Unix seconds"),
    ("1" + "0" * 400, None, "Unix seconds"),  # too big for a float
    ("9" * 5000, None, "Unix seconds"),  # over int()'s digit limit
    (None, "v0=\u00e9t\u00e9", "invalid Slack signature"),  # compare_digest refuses it
])
def test_odd_signature_headers_get_401_saying_why_never_500(notifications, timestamp,
                                                           signature, why):
    body, now = form("goals"), int(time.time())
    headers = sign(body, now)
    headers["X-Slack-Request-Timestamp"] = timestamp or headers["X-Slack-Request-Timestamp"]
    headers["X-Slack-Signature"] = signature or headers["X-Slack-Signature"]
    response = slash(notifications, body, headers)
    assert response.status_code == 401, response.data[:300]
    assert why in response.json["detail"]


def test_slacks_certificate_check_gets_200_and_does_nothing(notifications):
    """Slack checks a command URL's certificate with an unsigned `ssl_check=1` POST, which wants
    a 200 (as Bolt answers it); it got 401. Nothing else in such a request is acted on."""
    Team(notifications)
    unsigned = {"Content-Type": "application/x-www-form-urlencoded"}
    check = notifications.client.post("/slack/commands", data=b"ssl_check=1&token=legacy",
                                      headers=unsigned)
    assert (check.status_code, check.data) == (200, b"")
    smuggled = form("checkin run 5", response_url="https://hooks.slack.com/x") + b"&ssl_check=1"
    answer = notifications.client.post("/slack/commands", data=smuggled, headers=unsigned)
    assert (answer.status_code, answer.data) == (200, b"")
    assert requested(notifications) == []


@pytest.mark.parametrize("path", ["/slack/commands", "/slack/interactions", "/slack/events"])
def test_a_body_that_is_not_utf8_gets_401_never_500(notifications, path):
    """Slack signs UTF-8 bodies only; slack-sdk's verifier raised on any other, signed or not,
    so anyone could get a 500 (and a logged traceback) from the three endpoints."""
    body, now = b"text=caf\xe9&user_id=UANA&team_id=T1", int(time.time())
    for headers in (sign(body, now), sign(body, now, "guess")):
        response = notifications.client.post(path, data=body, headers=headers)
        assert response.status_code == 401, response.data[:300]
        assert response.json["detail"] == ("invalid Slack signature: the body is not UTF-8, "
                                           "as every body Slack signs is")


def test_unknown_users_subcommands_and_goals_get_helpful_messages(notifications):
    Team(notifications)
    stranger = slash(notifications, form("goals", user_id="UNOBODY"))
    assert stranger.status_code == 200 and "don't know your Slack account" in stranger.json["text"]
    odd = slash(notifications, form("dance"))
    assert odd.status_code == 200 and "I don't know `dance`" in odd.json["text"]
    missing = slash(notifications, form("checkin swim 3", response_url="https://hooks.slack.com/x"))
    assert "can't find an open goal" in missing.json["text"]
    not_a_number = slash(notifications, form("checkin run lots"))
    assert "`lots` is not a number" in not_a_number.json["text"]
    assert "Usage" in slash(notifications, form("checkin")).json["text"]


def test_a_checkin_on_an_achieved_goal_says_it_is_achieved_not_that_none_was_found(
        notifications):
    """'/goals checkin swim 1' on Ana's achieved goal answered 'I can't find an open goal ...
    matching swim', as for a goal that does not exist (the Check in button said it is closed)."""
    team = Team(notifications)
    swim = new_id()
    handle(notifications, goal(team.id, swim, team.ana, "Swim 10 km", event_type="goal.achieved"))
    for ref in ("swim", swim[:8], swim):
        ack = slash(notifications, form(f"checkin {ref} 1",
                                        response_url="https://hooks.slack.com/x"))
        assert ack.json["text"] == ("*Swim 10 km* is achieved, so it takes no check-ins. Try "
                                    "`/goals goals` to see the ones that do."), ack.json
    assert requested(notifications) == []


def test_a_long_unknown_goal_or_command_is_quoted_back_cut_short(notifications):
    """A 300-character goal name came back whole in the refusal: the answer was a wall of the
    member's own text. The first 40 characters and `…` say which input was meant."""
    Team(notifications)
    name = "marathon training " * 17
    missing = slash(notifications, form(f'checkin "{name}" 5',
                                        response_url="https://hooks.slack.com/x"))
    assert missing.json["text"] == (
        f"I can't find an open goal you can check in on matching `{name[:40]}…`. "
        "Try `/goals goals` to see them with their short ids.")
    verb = "x" * 300
    assert slash(notifications, form(verb)).json["text"].startswith(
        f"I don't know `{'x' * 40}…`.\n")
    assert requested(notifications) == []


def test_goals_and_status_list_the_members_goals(notifications):
    team = Team(notifications)
    listed = slash(notifications, form("goals")).json["text"]
    assert f"`{team.goal[:8]}` *Run 100 km*" in listed
    assert "*1 open goal:*" in slash(notifications, form("status")).json["text"]


def answers(slack) -> Counter:
    """The answers Slack took, counted by the response_url (its path) of the one request each
    answers, once the count has held: a late second answer to a request fails `{path: 1}`."""
    return counted(lambda: [r.path for r in slack.delivered()])


def test_a_checkin_becomes_a_command_and_its_result_goes_to_the_response_url(
        notifications, slack):
    team = Team(notifications)
    c = notifications.container
    response_url = f"{slack.url}/commands/T1/123"
    ack = slash(notifications, form("checkin run 40 'long run'", response_url=response_url))
    assert ack.status_code == 200
    assert ack.json == {"response_type": "ephemeral",
                        "text": "⏳ Logging 40 km on *Run 100 km*; I'll confirm here in a moment."}
    with c.uow() as uow:
        [row] = list(uow.session.execute(c.metadata.tables["outbox"].select()
                                         .where(c.metadata.tables["outbox"].c.event_type ==
                                                "checkin.requested")))
    command = json.loads(row.payload)
    assert row.topic == c.settings.topic("checkins.commands")
    assert (command["goal_ref"], command["value"], command["note"]) == (team.goal, 40, "long run")
    assert command["member_id"] == team.ana
    assert "response_url" not in command  # answered from the request kept here, not the events

    logged = event("checkin.logged", team.id, checkin_id=new_id(), goal_id=team.goal,
                   author_id=team.ana, value=40, note="long run", source="slack",
                   request_id=command["request_id"], at=command["at"])
    with delivering(c):
        handle(c, logged, logged, progressed(logged, 0.4))  # checkin.logged redelivered
        eventually(lambda: slack.delivered())
        assert answers(slack) == {"/commands/T1/123": 1}
    [answer] = [r.json() for r in slack.delivered()]
    assert answer["response_type"] == "ephemeral" and answer["replace_original"] is False
    assert answer["text"].startswith("✅ Logged 40 km on *Run 100 km*.")
    assert "████░░░░░░ 40%" in answer["text"]


@pytest.mark.parametrize("meanwhile", ["made private", "left the team"])
def test_a_logged_answer_names_no_goal_its_member_may_no_longer_see(notifications, slack,
                                                                    meanwhile):
    """Ana checked in on Lena's team goal; before the answer came, it was renamed, then made
    private (Ana is not Lena's partner), or Ana left the team: "✅ Logged" named it by its new
    title and showed its progress, which Ana may no longer read (a refusal names no such goal,
    `title_seen`)."""
    team = Team(notifications)
    c, plan = notifications.container, new_id()
    handle(c, goal(team.id, plan, team.lead, "Team plan", kind="team"))
    ack = slash(notifications, form(f"checkin {plan[:8]} 5",
                                    response_url=f"{slack.url}/commands/9"))
    assert ack.json["text"].startswith("⏳ Logging 5 km on *Team plan*"), ack.json
    [command] = requested(notifications)
    private = "private" if meanwhile == "made private" else "team"
    handle(c, goal(team.id, plan, team.lead, "Reorganisation plan", kind="team",
                   visibility=private, event_type="goal.updated"))
    if meanwhile == "left the team":
        handle(c, event("member.updated", team.id, member_id=team.ana, name="Ana",
                        email="ana@example.com", role="member", timezone="UTC", state="left"))
    logged = event("checkin.logged", team.id, checkin_id=new_id(), goal_id=plan,
                   author_id=team.ana, value=5, note="", source="slack",
                   request_id=command["request_id"], at=command["at"])
    with delivering(c):
        handle(c, logged, event("goal.progressed", team.id, goal_id=plan, owner_id=team.lead,
                                current=5, progress=0.05, checkin_id=logged.data["checkin_id"],
                                at=command["at"]))
        [answer] = eventually(lambda: slack.delivered())
    assert answer.json()["text"] == "✅ Logged 5.", answer.json()


@pytest.mark.parametrize("kind", ["personal", "team"])
def test_a_member_who_left_may_check_in_on_no_goal_their_own_nor_a_team_goal(notifications,
                                                                             kind):
    """The rule of who checks in on a goal (`GoalReplica.takes_checkins_from`) let Ana, gone
    from the team, check in on her own goal and on Lena's team goal: only `title_seen` asked
    separately whether she had left."""
    team = Team(notifications)
    c = notifications.container
    owner = team.ana if kind == "personal" else team.lead
    handle(c, goal(team.id, team.goal, owner, "Run 100 km", kind=kind,
                   event_type="goal.updated"),
           event("member.updated", team.id, member_id=team.ana, name="Ana",
                 email="ana@example.com", role="member", timezone="UTC", state="left"))
    with c.uow() as uow:
        ana = uow.replicas.member(team.ana)
        assert [g.title for g in goals_to_check_in(uow, ana)] == []
        assert not may_check_in(uow, ana, uow.replicas.goal(team.goal))


def test_a_checkin_on_a_goal_without_a_metric_takes_the_rest_as_its_note(notifications):
    """`/goals checkin <goal> <value> [note]` on a goal without a metric was refused for its
    first word not being a number, or sent checkins a value it refuses on such a goal. Now the
    rest after the goal is the note, sent with no value."""
    team = Team(notifications)
    handle(notifications, goal_without_metric(team.id, read := new_id(), team.ana, "Read more"))
    ack = slash(notifications, form("checkin read finished chapter 3",
                                    response_url="https://hooks.slack.com/x"))
    assert ack.json["text"] == ("⏳ Logging your note on *Read more*; I'll confirm here in a "
                                "moment.")
    assert [(c["goal_ref"], c["value"], c["note"]) for c in requested(notifications)] == [
        (read, None, "finished chapter 3")]


@pytest.mark.parametrize(("typed", "said"), [
    ("checkin read", "*Read more* has no metric: say what you did. Usage on a goal without a "
                     "metric: `/goals checkin <goal> <note>`"),
    ("checkin read 3", "*Read more* has no metric, so it takes no value: say what you did "
                       "instead. Nothing was logged."),
])
def test_a_checkin_on_a_goal_without_a_metric_wants_a_note_not_a_number(notifications, typed,
                                                                        said):
    team = Team(notifications)
    handle(notifications, goal_without_metric(team.id, new_id(), team.ana, "Read more"))
    ack = slash(notifications, form(typed, response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith(said), ack.json
    assert requested(notifications) == []


@pytest.mark.parametrize(("typed", "note"), [
    ("checkin run 5 I'm tired, didn't sleep", "I'm tired, didn't sleep"),
    ('checkin "Run 100" 5 #1 priority: "pace" first', '#1 priority: "pace" first'),
    ("checkin run 5 it's   spaced\nand two lines", "it's   spaced\nand two lines"),
    ("checkin run 5 'quoted whole'", "quoted whole"),
    ("checkin run 5 half a \"quote", 'half a "quote'),
])
def test_a_checkin_note_keeps_what_the_member_typed(notifications, typed, note):
    """Only the goal and the value are words (quotes group a title's words); the note is the
    rest as typed, its apostrophes, quotes, `#`s, spaces and line breaks kept."""
    team = Team(notifications)
    c = notifications.container
    ack = slash(notifications, form(typed, response_url="https://hooks.slack.com/x"))
    assert ack.status_code == 200, ack.json
    outbox = c.metadata.tables["outbox"]
    with c.uow() as uow:
        rows = uow.session.execute(outbox.select()
                                   .where(outbox.c.event_type == "checkin.requested")).all()
    [row] = rows
    command = json.loads(row.payload)
    assert (command["goal_ref"], command["value"], command["note"]) == (team.goal, 5, note)


@pytest.mark.parametrize(("typed", "unit", "note"), [
    ("checkin run 12 km", "km", ""),
    ("checkin run 12 KM long run", "km", "long run"),
    ("checkin run 12 kms 'easy pace'", "km", "easy pace"),
    ("checkin run 12 kmh was the wind", "km", "kmh was the wind"),  # not the unit
    ("checkin run 12 page", "pages", ""),
    ("checkin run 12 Pages of chapter 3", "pages", "of chapter 3"),
    ("checkin run 12km", "km", ""),  # written straight after the number
    ("checkin run 12KMs long run", "km", "long run"),
    ("checkin run 12% of the way", "%", "of the way"),
    ("checkin run 12,0% done", "%", "done"),
    ("checkin run 12", "2", ""),  # a number as typed is that number, whatever the unit
    ("checkin run 12 2", "2", ""),
])
def test_the_goals_unit_after_the_value_is_the_unit_not_the_note(notifications, typed, unit,
                                                                 note):
    """`/goals checkin run 12 km` logged 12 with the note 'km'; `12km` and `12%` (on a goal in
    %) were 'not a number', though `12 km` and `12 %` were read."""
    team = Team(notifications)
    handle(notifications, goal(team.id, team.goal, team.ana, "Run 100 km",
                               metric={"unit": unit, "start": 0, "target": 100, "current": 0}))
    ack = slash(notifications, form(typed, response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith(f"⏳ Logging 12 {unit} on *Run 100 km*"), ack.json
    [command] = requested(notifications)
    assert (command["goal_ref"], command["value"], command["note"]) == (team.goal, 12, note)


@pytest.mark.parametrize(("typed", "note"), [
    ("checkin “Run 100” 5 it’s “fine”", "it’s “fine”"),  # a phone's curly quotes
    ("checkin ‘run 100 km’ 5", ""),
    ("checkin\u00a0run\u00a05\u00a0ok", "ok"),  # no-break spaces
    ("checkin run 5 “quoted whole”", "quoted whole"),
])
def test_curly_quotes_and_no_break_spaces_are_read_as_quotes_and_spaces(notifications, typed,
                                                                       note):
    team = Team(notifications)
    ack = slash(notifications, form(typed, response_url="https://hooks.slack.com/x"))
    assert ack.status_code == 200 and ack.json["text"].startswith("⏳ Logging"), ack.json
    [command] = requested(notifications)
    assert (command["goal_ref"], command["value"], command["note"]) == (team.goal, 5, note)


@pytest.mark.parametrize(("typed", "value"), [
    ("checkin run 1,000,000", 1_000_000), ("checkin run 1,234.5", 1234.5),
    ("checkin run 4,5", 4.5), ("checkin run 0,500", 0.5),
])
def test_grouped_thousands_and_decimal_commas_are_read_as_meant(notifications, typed, value):
    team = Team(notifications)
    ack = slash(notifications, form(typed, response_url="https://hooks.slack.com/x"))
    assert ack.status_code == 200 and ack.json["text"].startswith("⏳ Logging"), ack.json
    [command] = requested(notifications)
    assert (command["goal_ref"], command["value"]) == (team.goal, value)


def test_a_big_value_is_confirmed_in_all_its_digits(notifications):
    """1234567 was confirmed as '1.23457e+06' (Python's :g keeps 6 significant digits)."""
    Team(notifications)
    ack = slash(notifications, form("checkin run 1234567", response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith("⏳ Logging 1,234,567 km on *Run 100 km*"), ack.json
    [command] = requested(notifications)
    assert command["value"] == 1234567


@pytest.mark.parametrize(("typed", "answer"), [
    ("1,500", "`1,500` could be 1500 or 1.5: write 1500 without the comma, or 1.5 with a point."),
    ("1,234", "`1,234` could be 1234 or 1.234: write 1234 without the comma, or 1.234 with a "
              "point."),
    ("-12,000", "`-12,000` could be -12000 or -12: write -12000 without the comma, or -12 with "
                "a point."),
])
def test_a_value_that_could_be_thousands_or_decimals_is_refused_saying_both(notifications,
                                                                            typed, answer):
    """`1,500` is 1500 to some and 1.5 to others: asked, never logged as a guess. Each reading
    is offered as it is read surely (1.234 was offered as 1.2340)."""
    Team(notifications)
    ack = slash(notifications, form(f"checkin run {typed}",
                                    response_url="https://hooks.slack.com/x"))
    assert ack.json["response_type"] == "ephemeral"
    assert ack.json["text"].startswith(answer)
    assert requested(notifications) == []


@pytest.mark.parametrize("typed", ["1e308", "1000000000001", "-2e12"])
def test_a_value_beyond_a_goals_figure_is_refused_saying_the_bound(notifications, typed):
    """1e308 was acknowledged ('Logging 100,000,…(309 digits) km') and logged, though the API
    refuses any figure beyond ±10^12 (goals holds no larger one)."""
    Team(notifications)
    ack = slash(notifications, form(f"checkin run {typed}",
                                    response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith(
        f"`{typed}` is beyond what a goal's figure can be (-1,000,000,000,000 to "
        "1,000,000,000,000). Usage:"), ack.json
    assert requested(notifications) == []


def test_a_value_beyond_a_goals_figure_on_a_goal_without_a_metric_is_no_note(notifications):
    """A number too large to be a figure is a number all the same: refused as a value on a goal
    without a metric, not logged as its note."""
    team = Team(notifications)
    handle(notifications, goal_without_metric(team.id, new_id(), team.ana, "Read more"))
    ack = slash(notifications, form("checkin read 1e20", response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith("*Read more* has no metric, so it takes no value"), ack.json
    assert requested(notifications) == []


def test_the_help_says_a_checkins_value_is_the_goals_figure_now_not_todays_amount(
        notifications):
    """The help said only '<value> — log progress': a member at 40 km who ran 5 today typed 5,
    and the goal's figure fell to 5 (the modal's hint says 'the metric's value now')."""
    Team(notifications)
    for typed in ("help", "checkin"):
        ack = slash(notifications, form(typed))
        assert "the goal's figure now, not what you added" in ack.json["text"]


def test_a_note_longer_than_the_modal_takes_is_refused_not_cut(notifications):
    """A note over 2000 characters was cut to its first 2000 and logged, the rest lost without
    a word (the modal refuses it under its field); one of 2000 is logged whole."""
    Team(notifications)
    ack = slash(notifications, form("checkin run 5 " + "a" * 2001,
                                    response_url="https://hooks.slack.com/x"))
    assert ack.json == {"response_type": "ephemeral", "text": (
        "Keep the note to 2000 characters (it has 2001). Nothing was logged. Usage: "
        "`/goals checkin <goal> <value> [note]`, <value> being the goal's figure now, not what "
        "you added, e.g. `/goals checkin 1a2b3c4d 12 ran 5k`.")}
    assert requested(notifications) == []
    ack = slash(notifications, form("checkin run 5 " + "b" * 2000,
                                    response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith("⏳ Logging 5 km on *Run 100 km*"), ack.json
    assert [c["note"] for c in requested(notifications)] == ["b" * 2000]


@pytest.mark.parametrize(("typed", "answer"), [
    ("checkin run 5 ran\x00 far", "The note must not contain NUL characters. Nothing was logged"),
    ("checkin run\x00 5 far", "The goal must not contain NUL characters. Nothing was logged"),
])
def test_a_checkin_with_text_no_database_can_store_is_refused_at_once(notifications, typed,
                                                                     answer):
    """A NUL in the note was sent on to checkins, whose PostgreSQL refused it: the request
    was dead-lettered and the member, told "⏳ Logging", never heard back."""
    Team(notifications)
    ack = slash(notifications, form(typed, response_url="https://hooks.slack.com/x"))
    assert ack.json["response_type"] == "ephemeral"
    assert ack.json["text"].startswith(answer), ack.json
    assert requested(notifications) == []


@pytest.mark.parametrize("field", ["user_id", "team_id", "response_url", "trigger_id"])
def test_a_command_slack_sent_with_a_nul_is_refused_ephemerally(notifications, field):
    """A NUL in the user_id of a signed command reached PostgreSQL, which refused it: a 500,
    and Slack showed only that `/goals` failed. Every field Slack sends is read first."""
    Team(notifications)
    sent = {"command": "/goals", "text": "checkin run 5", "user_id": "UANA", "team_id": "T1",
            "response_url": "https://hooks.slack.com/x", "trigger_id": "1337.42.abc"}
    sent[field] = sent[field][:2] + "\x00" + sent[field][2:]
    answer = slash(notifications, urlencode(sent).encode())
    assert (answer.status_code, answer.json) == (200, {
        "response_type": "ephemeral",
        "text": f"The {field} Slack sent with this command must not contain NUL characters. "
                "Nothing was done."}), answer.data[:300]
    assert requested(notifications) == []


@pytest.mark.parametrize(("typed", "value"), [
    ("1.5", 1.5), ("1.50", 1.5), ("0.500", 0.5), ("1.5000", 1.5), ("1234.500", 1234.5),
    ("1.234", 1.234), ("-1.234", -1.234), ("1.500", 1.5), ("12.000", 12),
])
def test_a_point_is_always_a_decimal_point(notifications, typed, value):
    """`1.234` and `1.500` were refused as maybe thousands (`1.234` had to be typed `1.2340`),
    though Goalkeeper groups thousands with commas only: a point is read as a decimal point,
    and the answer shows the value as read."""
    team = Team(notifications)
    ack = slash(notifications, form(f"checkin run {typed}",
                                    response_url="https://hooks.slack.com/x"))
    assert ack.json["text"].startswith(f"⏳ Logging {figure(value)} km on *Run 100 km*"), ack.json
    [command] = requested(notifications)
    assert (command["goal_ref"], command["value"]) == (team.goal, value)


def test_a_rejected_checkin_is_explained_at_the_response_url(notifications, slack):
    team = Team(notifications)
    c = notifications.container
    slash(notifications, form(f"checkin {team.goal[:8]} 5", response_url=f"{slack.url}/commands/9"))
    with c.uow() as uow:
        row = uow.session.execute(c.metadata.tables["slack_requests"].select()).one()
    def rejected():
        return event("checkin.rejected", team.id, request_id=row.request_id, member_id=team.ana,
                     reason="the goal is closed", at="2030-01-01T00:00:00+00:00")

    first = rejected()
    with delivering(c):
        handle(c, first, first, rejected())  # redelivered, and answered again for a resend
        eventually(lambda: slack.delivered())
        assert answers(slack) == {"/commands/9": 1}
    [answer] = slack.delivered()
    assert answer.json()["text"] == ("❌ Your check-in on *Run 100 km* was not logged: the goal "
                                     "is closed")


def test_a_replayed_checkin_asks_for_one_checkin_and_gets_the_first_answer(notifications):
    """Slack's signature holds for 300 s, so the same request sent again as it was (replayed,
    or retried by a proxy) passes it: each copy asked checkins for another check-in. A new
    invocation of the same text (its own trigger_id) is a second check-in, as the member meant."""
    team = Team(notifications)
    body = form("checkin run 5", response_url="https://hooks.slack.com/x",
                trigger_id="13345224609.738474920.8088930838d88f008e0")
    headers = sign(body, int(time.time()))
    first, again = slash(notifications, body, headers), slash(notifications, body, headers)
    assert first.json["text"].startswith("⏳ Logging 5 km on *Run 100 km*"), first.json
    assert again.status_code == 200 and again.json == first.json
    assert [c["goal_ref"] for c in requested(notifications)] == [team.goal]
    once_more = slash(notifications, form("checkin run 5", response_url="https://hooks.slack.com/x"))
    assert once_more.json == first.json
    assert [c["goal_ref"] for c in requested(notifications)] == [team.goal, team.goal]


def test_copies_of_a_checkin_arriving_together_ask_for_one_checkin_and_all_get_its_answer(
        notifications):
    """Copies arriving at the same moment each found no request yet; on PostgreSQL all but
    the first then hit the request's key and got a 500."""
    team = Team(notifications)
    for attempt in range(3):
        body = form("checkin run 5", response_url="https://hooks.slack.com/x",
                    trigger_id=f"13345224609.{attempt}.together")
        headers = sign(body, int(time.time()))
        answers = post_at_once(notifications, "/slack/commands", body, headers)
        assert [a.status_code for a in answers] == [200, 200], [a.data[:200] for a in answers]
        assert {a.json["text"] for a in answers} == {
            "⏳ Logging 5 km on *Run 100 km*; I'll confirm here in a moment."}
    assert [c["goal_ref"] for c in requested(notifications)] == [team.goal] * 3


def test_a_response_url_outside_the_allowlist_is_refused(notifications):
    Team(notifications)
    c = notifications.container
    answer = slash(notifications, form("checkin run 3", response_url="https://evil.example/x"))
    assert answer.status_code == 200 and "nothing was logged" in answer.json["text"]
    with c.uow() as uow:
        assert uow.session.execute(c.metadata.tables["outbox"].select()).all() == []


@pytest.mark.parametrize("verb", ["check-in", "Check-In"])
def test_check_in_with_a_hyphen_is_the_checkin_the_help_names(notifications, verb):
    """`/goals check-in run 5` answered "I don't know `check-in`" with a help naming `checkin`:
    the spelling most people type was refused. It is the same subcommand, and the help says
    so."""
    team = Team(notifications)

    ack = slash(notifications, form(f"{verb} run 5 easy", response_url="https://hooks.slack.com/x"))

    assert ack.status_code == 200
    assert ack.json["text"] == "⏳ Logging 5 km on *Run 100 km*; I'll confirm here in a moment."
    [command] = requested(notifications)
    assert (command["goal_ref"], command["value"], command["note"]) == (team.goal, 5, "easy")
    assert "`/goals checkin <goal> <value> [note]` (or `check-in`)" in slash(
        notifications, form("help")).json["text"]


def test_a_member_event_from_before_the_slack_id_rule_leaves_the_replica_as_slack_writes_it(
        notifications):
    """Goals saved Ana's Slack user id as "uana" before it upper-cased them, and published
    member.updated with it; notifications consumed it only after its migration c1f5b8e2d734
    (a backlog at the deploy, or the topic replayed), while goals' c4e9a2d7f105 upper-cased
    her row without an event. The replica keeps "uana" for good, so Slack's UANA, which goals
    now names, finds no member: the replica should read ids as Slack writes them."""
    team = Team(notifications)
    handle(notifications, event("member.updated", team.id, member_id=team.ana, name="Ana",
                                email="ana@example.com", role="member", timezone="UTC",
                                state="active", slack_user_id="uana"))
    listed = slash(notifications, form("goals")).json["text"]
    assert "*Run 100 km*" in listed, listed


def test_a_member_event_from_before_the_slack_id_rule_does_not_take_a_teammates_slack_user(
        notifications):
    """Bea had typed "uana" before goals upper-cased Slack ids, and Ana "UANA": goals'
    c4e9a2d7f105 (and the replica's c1f5b8e2d734) left UANA to Ana, the one already spelled as
    Slack writes it, and cleared Bea's. A member.updated goals published for Bea before the
    deploy, carrying "uana", is consumed after it: upper-cased, the replica gives Bea UANA too,
    and Slack's UANA (Ana) is taken for Bea, the lower member id: `/goals status` tells Ana
    that she has no open goals."""
    team = Team(notifications)
    bea = "00000000-0000-4000-8000-000000000001"  # sorts before Ana's id
    handle(notifications, event("member.added", team.id, member_id=bea, name="Bea",
                                email="bea@example.com", role="member", timezone="UTC",
                                slack_user_id=None))
    handle(notifications, event("member.updated", team.id, member_id=bea, name="Bea",
                                email="bea@example.com", role="member", timezone="UTC",
                                state="active", slack_user_id="uana"))
    status = slash(notifications, form("status")).json["text"]
    assert status.startswith("*1 open goal:*"), status


def test_a_member_event_from_before_the_slack_id_rule_takes_the_slack_user_from_one_who_left(
        notifications):
    """Bea, who left, still named UANA in the replica (a departure goals told before a leaver
    gave up their Slack user). A member.updated goals published for Ana before it upper-cased
    Slack ids, carrying "uana", is consumed after the upgrade: the member Slack acts for is
    one not left (the migrations' rule), Ana; the replica left Ana none, since a teammate
    held it, and Slack's UANA found nobody: `/goals goals` answered "I don't know your Slack
    account yet"."""
    team = Team(notifications)
    bea = "00000000-0000-4000-8000-000000000001"
    bea_as = {"member_id": bea, "name": "Bea", "email": "bea@example.com", "role": "member",
              "timezone": "UTC", "slack_user_id": "UANA"}
    handle(notifications, event("member.added", team.id, **bea_as),
           event("member.updated", team.id, **bea_as, state="left"),
           event("member.updated", team.id, member_id=team.ana, name="Ana",
                 email="ana@example.com", role="member", timezone="UTC", state="active",
                 slack_user_id="uana"))
    listed = slash(notifications, form("goals")).json["text"]
    assert "*Run 100 km*" in listed, listed
