"""Microsoft Teams channels through the API and the real broker, against a local stand-in of a
Workflows webhook: accepted hosts, Adaptive Cards checked against the published schema, and the
delivery rules (202, 429 with Retry-After, 4xx that disable the channel, the size limit)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from services.notifications.domain.channel import Channel
from tests.notifications.support import (
    Team,
    checkin,
    delivering,
    event,
    goal,
    handle,
    new_id,
    produce,
)
from tests.support.adaptive_cards import assert_valid_teams_message
from tests.support.seed import create_team
from tests.support.stack import auth
from tests.support.teams_server import (
    TEAMS_MAX_BYTES,
    Reply,
    TeamsWorkflowServer,
    too_many_requests,
    workflow_not_found,
)
from tests.support.waiting import delivery_log, eventually


@pytest.fixture
def teams() -> Iterator[TeamsWorkflowServer]:
    server = TeamsWorkflowServer().start()
    yield server
    server.stop()


def add_teams_channel(team: Team, url: str, **body):
    return team.harness.client.post(f"/v1/teams/{team.id}/channels", headers=team.auth(),
                                    json={"type": "teams", "webhook_url": url, **body})


def achieved(team: Team, title: str = "Run 100 km", goal_id: str | None = None):
    return goal(team.id, goal_id or team.goal, team.ana, title, event_type="goal.achieved")


def card_texts(card: dict) -> list[str]:
    found: list[str] = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            found.append(element["text"])
        elif element["type"] == "FactSet":
            found += [f"{fact['title']}: {fact['value']}" for fact in element["facts"]]
        elif element["type"] == "Container":
            found += [item["text"] for item in element["items"]]
    return found


# -- accepted hosts ---------------------------------------------------------------------------
@pytest.mark.parametrize("url", [
    "https://prod-07.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke"
    "?api-version=2016-06-01&sig=x",
    "https://default0b1c.2d.environment.api.powerplatform.com:443/powerautomate/automations/"
    "direct/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=x",
])
def test_a_lead_adds_a_teams_channel_with_a_workflow_url(notifications, team, url):
    added = add_teams_channel(team, url, name="Team channel")
    assert added.status_code == 201, added.json
    assert (added.json["type"], added.json["name"], added.json["state"]) == (
        "teams", "Team channel", "active")
    assert added.json["secret"] is None
    listed = team.harness.client.get(f"/v1/teams/{team.id}/channels", headers=team.auth())
    assert [c["type"] for c in listed.json["items"]] == ["teams"]


@pytest.mark.parametrize(("url", "why"), [
    ("https://hooks.slack.com/services/T/B/X", "not allowed"),
    ("https://logic.azure.com.evil.example/workflows/x", "not allowed"),
    ("https://powerplatform.com/workflows/x", "not allowed"),
    ("http://prod-07.westeurope.logic.azure.com/workflows/x", "https"),
    ("https://10.1.2.3/workflows/x", "internal"),
    ("https://169.254.169.254/latest/meta-data", "internal"),
    ("https://user:pw@prod-07.westeurope.logic.azure.com/workflows/x", "credentials"),
    ("https://prod-07..westeurope.logic.azure.com/workflows/x", "Not a valid host name"),
    ("https://" + "x" * 64 + ".logic.azure.com/workflows/x", "Not a valid host name"),
])
def test_other_hosts_and_internal_addresses_are_refused_with_a_reason(notifications, team, url,
                                                                      why):
    refused = add_teams_channel(team, url)
    assert refused.status_code == 422
    assert why in refused.json["errors"]["webhook_url"][0]


def test_a_channel_whose_host_cannot_be_looked_up_logs_the_failed_attempt(notifications, team):
    """A channel saved before host names were checked: its host (an empty label) is no name a
    resolver takes. Each send crashed the delivery loop before: no attempt was ever logged."""
    with notifications.container.uow() as uow:
        channel = Channel(team.id, "teams", "https://prod-07..westeurope.logic.azure.com/w",
                          created_at=notifications.container.clock.now())
        uow.channels.add(channel)
        uow.commit()
    tested = notifications.client.post(f"/v1/teams/{team.id}/channels/{channel.id}/test",
                                       headers=team.auth())
    assert tested.status_code == 202
    notifications.container.deliverer.deliver_due()
    [entry] = team.log()
    [attempt] = entry["attempts"]
    assert attempt["outcome"] == "retry" and attempt["status_code"] is None
    assert "cannot resolve 'prod-07..westeurope.logic.azure.com'" in attempt["error"]


def test_a_slack_channel_does_not_accept_a_teams_workflow_url(notifications, team):
    refused = team.harness.client.post(
        f"/v1/teams/{team.id}/channels", headers=team.auth(),
        json={"type": "slack", "webhook_url": "https://prod-1.westus.logic.azure.com/workflows/x"})
    assert refused.status_code == 422


def test_the_openapi_document_offers_the_teams_type(notifications):
    spec = notifications.client.get("/openapi.json").json
    channel_in = spec["components"]["schemas"]["ChannelIn"]["properties"]["type"]
    assert channel_in["enum"] == ["slack", "teams", "webhook"]


# -- over the real broker ---------------------------------------------------------------------
@pytest.mark.slow
def test_a_checkin_arrives_in_teams_as_a_valid_adaptive_card(make_service, teams):
    goals, checkins, notifications = (
        make_service(s) for s in ("goals", "checkins", "notifications"))
    team = create_team(goals, timezone="Europe/Berlin")
    channel = notifications.client.post(
        f"/v1/teams/{team.id}/channels", headers=auth(team.lead),
        json={"type": "teams", "webhook_url": teams.workflow(), "event_types": ["checkin.logged"]})
    assert channel.status_code == 201, channel.json
    goal_id = goals.client.post("/v1/goals", headers=auth(team.lead), json={
        "title": "Ship the onboarding flow", "due_date": "2030-06-30",
        "metric": {"unit": "steps", "start": 0, "target": 10}}).json["id"]

    def check_in():
        response = checkins.client.post(f"/v1/goals/{goal_id}/checkins", headers=auth(team.lead),
                                        json={"value": 4, "note": "halfway", "confidence": 4})
        assert response.status_code == 201, response.json
        return response

    eventually(check_in)
    [received] = eventually(teams.accepted, timeout=60)

    card = assert_valid_teams_message(received.json())
    texts = card_texts(card)
    assert texts[0] == "Check-in: Ship the onboarding flow"
    assert "Progress: ████░░░░░░ 40%" in texts
    assert "Owner: Lena" in texts
    assert "halfway" in texts
    assert received.status == 202
    [entry] = delivery_log(notifications, team.id, team.lead, count=1)
    assert entry["notification"]["status"] == "sent"
    assert [a["status_code"] for a in entry["attempts"]] == [202]


def test_429_waits_for_retry_after_then_the_card_is_delivered_once(make_service, teams):
    teams.reply_with(too_many_requests(2))
    n = make_service("notifications")
    team = Team(n)
    assert add_teams_channel(team, teams.workflow()).status_code == 201

    produce(n, achieved(team))

    eventually(lambda: len(teams.accepted()) == 1, timeout=60)
    first, second = teams.received
    assert (first.status, second.status) == (429, 202)
    assert second.at - first.at >= 2.0
    assert first.body == second.body
    assert_valid_teams_message(second.json())
    [entry] = eventually(lambda: [e for e in team.log()
                                  if e["notification"]["status"] == "sent"])
    assert [(a["status_code"], a["outcome"]) for a in entry["attempts"]] == [
        (429, "retry"), (202, "sent")]


@pytest.mark.parametrize(("reply", "reason"), [
    (Reply(400, '{"error":{"code":"InvalidRequestContent"}}'), "400 InvalidRequestContent"),
    (Reply(403, '{"error":{"code":"DirectApiAuthorizationRequired"}}'),
     "403 DirectApiAuthorizationRequired"),
    (workflow_not_found(), "404 WorkflowNotFound"),
])
def test_a_refusing_workflow_disables_the_channel_and_the_leads_are_told_in_app(
        make_service, teams, reply, reason):
    teams.reply_with(reply)
    n = make_service("notifications")
    team = Team(n)
    channel = add_teams_channel(team, teams.workflow()).json

    produce(n, achieved(team))

    def lead_told():
        return [i for i in team.feed(team.lead) if i["event_type"] == "channel.disabled"]

    [told] = eventually(lead_told, timeout=60)
    assert reason.split()[1] in told["text"]
    shown = n.client.get(f"/v1/teams/{team.id}/channels/{channel['id']}", headers=team.auth())
    assert (shown.json["state"], shown.json["disabled_reason"]) == ("disabled", reason)
    assert not [i for i in team.feed(team.ana) if i["event_type"] == "channel.disabled"]
    other = new_id()
    produce(n, goal(team.id, other, team.ana, "Read 10 books"),
            achieved(team, "Read 10 books", other))
    eventually(lambda: n.client.get(f"/v1/teams/{team.id}/deliveries", headers=team.auth(),
                                    query_string={"status": "failed"}).json["items"])
    assert len(teams.received) == 1  # nothing more goes to a disabled channel


# -- limits -----------------------------------------------------------------------------------
def test_a_huge_note_is_shortened_so_the_card_stays_under_the_size_limit(notifications, team,
                                                                         teams):
    assert add_teams_channel(team, teams.workflow()).status_code == 201
    note = "Long day on the trail. " * 4000  # ~90 KB
    with delivering(notifications):
        logged = checkin(team.id, team.goal, team.ana, 40, note=note)
        handle(notifications, logged, progressed(team, logged, 40))
        [received] = eventually(teams.accepted, timeout=30)
    assert len(received.body) <= TEAMS_MAX_BYTES
    card = assert_valid_teams_message(received.json())
    [shortened] = [t for t in card_texts(card) if t.startswith("Long day")]
    assert "trail. Long… [more](" in shortened and len(shortened) < 3200  # Slack's limit too


def test_what_members_type_shows_as_typed_on_a_teams_card(notifications, team, teams):
    """A goal title or a note with `*` came out in italics or bold on the card (the lines'
    *bold* is Goalkeeper's own), and a note's lines starting "- " or "1. " became a list:
    Teams' Markdown read what members typed. Their text is now literal, the card's own bold
    kept."""
    assert add_teams_channel(team, teams.workflow(),
                             event_types=["checkin.logged"]).status_code == 201
    goal_id = new_id()
    note = "- two *easy* runs\n1. a long one, 2*5 km"
    with delivering(notifications):
        handle(notifications, goal(team.id, goal_id, team.ana, "Cut p99 *latency* by 2*"))
        logged = checkin(team.id, goal_id, team.ana, 40, note=note)
        handle(notifications, logged, event(
            "goal.progressed", team.id, goal_id=goal_id, owner_id=team.ana, previous=0,
            current=40, progress=0.4, checkin_id=logged.data["checkin_id"],
            at=logged.data["at"]))
        [received] = eventually(teams.accepted, timeout=30)

    texts = card_texts(assert_valid_teams_message(received.json()))
    assert texts[0] == r"Check-in: Cut p99 \*latency\* by 2\*"
    assert r"**Ana** checked in on **Cut p99 \*latency\* by 2\***: 40 km" in texts, texts
    assert r"\- two \*easy\* runs" "\n" r"1\. a long one, 2\*5 km" in texts, texts


def test_a_too_large_answer_fails_that_card_only_and_the_channel_stays(notifications, team,
                                                                       teams):
    teams.reply_with(Reply(413, '{"error":{"code":"MessageTooLarge"}}'))
    channel = add_teams_channel(team, teams.workflow()).json
    with delivering(notifications):
        handle(notifications, achieved(team))
        eventually(lambda: team.log()[0]["notification"]["status"] == "failed")
        other = new_id()
        handle(notifications, goal(team.id, other, team.ana, "Read 10 books"),
               achieved(team, "Read 10 books", other))
        eventually(lambda: len(teams.accepted()) == 1)
    shown = notifications.client.get(f"/v1/teams/{team.id}/channels/{channel['id']}",
                                     headers=team.auth())
    assert shown.json["state"] == "active"


def progressed(team: Team, logged, current: float):
    """The goals service's figure for the check-in `logged` (announcements wait for it)."""
    return event("goal.progressed", team.id, goal_id=team.goal, owner_id=team.ana,
                 previous=0, current=current, progress=current / 100,
                 checkin_id=logged.data["checkin_id"], at=logged.data["at"])
