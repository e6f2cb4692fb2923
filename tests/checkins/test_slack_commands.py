"""`checkin.requested` commands over the real broker become checkin.logged or checkin.rejected.

The read model is fed the way production feeds it: `goals.events` on the broker. Commands are
produced onto `<prefix>checkins.commands` as CloudEvents; answers are read back from
`<prefix>checkins.events`.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from kafka import KafkaConsumer, KafkaProducer
from sqlalchemy.exc import IntegrityError

from shared.clock import ControlledClock
from shared.events.envelope import Event, from_kafka, to_message
from shared.events.registry import load
from shared.events.topics import CHECKINS_COMMANDS, CHECKINS_EVENTS, GOALS_EVENTS
from tests.checkins.conftest import World
from tests.support.races import run_together
from tests.support.stack import auth
from tests.support.waiting import counted, eventually

pytestmark = pytest.mark.slow

ANSWERS = ("checkin.logged", "checkin.rejected")
METRIC = {"unit": "x", "start": 0, "target": 10, "current": 0}  # a Slack value has a figure to move


class Broker:
    def __init__(self, harness):
        self.settings = harness.settings
        servers = self.settings.kafka_bootstrap_servers.split(",")
        self.producer = KafkaProducer(bootstrap_servers=servers, acks="all")
        self.consumer = KafkaConsumer(
            self.settings.topic(CHECKINS_EVENTS), bootstrap_servers=servers,
            group_id=f"test-{uuid.uuid4().hex[:8]}", auto_offset_reset="earliest",
            enable_auto_commit=False, consumer_timeout_ms=200)
        self.received: list[Event] = []

    def send(self, topic: str, event: Event) -> None:
        message = to_message(event)
        self.producer.send(self.settings.topic(topic), key=event.team_id.encode(),
                           value=message.value, headers=list(message.headers.items())
                           ).get(timeout=30)

    def answers(self, *types: str) -> list[dict]:
        return [e.data for e in self.events(*types)]

    def events(self, *types: str) -> list[Event]:
        """The events of `types` read so far, each once however often its record came: a
        redelivered record is the same event; a second event for one request is another."""
        for record in self.consumer:
            self.received.append(from_kafka(record.headers, record.key, record.value))
        return list({e.id: e for e in self.received if e.type in types}.values())

    def answered(self, *commands: Event) -> Counter:
        """The answers (checkin.logged or checkin.rejected) counted by type and request id, once
        each of `commands` has one and the counts have held: one answer per request is
        `{(type, request_id): 1, ...}`, and a late second answer makes it 2."""
        asked = {c.data["request_id"] for c in commands}
        eventually(lambda: asked <= {a["request_id"] for a in self.answers(*ANSWERS)}, timeout=60)
        return counted(lambda: [(e.type, e.data["request_id"]) for e in self.events(*ANSWERS)])

    def close(self) -> None:
        self.producer.close()
        self.consumer.close()


@pytest.fixture
def live_checkins(make_service):
    """The checkins service with its worker (relay, consumer, jobs) running. A request from a
    member it does not know is refused after 1 s, not the 15 s it waits by default for the
    member to arrive (each test waits for its members first, so only a stranger waits)."""
    return make_service("checkins", CHECKINS_COMMAND_CATCH_UP_SECONDS="1")


@pytest.fixture
def broker(live_checkins):
    broker = Broker(live_checkins)
    yield broker
    broker.close()


def goals_event(event_type: str, data: dict) -> Event:
    return Event.new(event_type, data["team_id"], data, subject=None, source="/goalkeeper/goals")


def request(team_id: str, member_id: str, goal_ref: str, request_id: str | None = None,
            value: float = 3) -> Event:
    return Event.new("checkin.requested", team_id, {
        "request_id": request_id or uuid.uuid4().hex, "team_id": team_id,
        "member_id": member_id, "goal_ref": goal_ref, "value": value, "note": "from slack",
        "response_url": "https://hooks.slack.com/commands/T1/1/abc",
        "at": "2026-03-04T12:00:00+00:00"}, subject=None, source="/goalkeeper/notifications")


def member_added(team_id: str, member_id: str, name: str) -> Event:
    return goals_event("member.added", {
        "team_id": team_id, "member_id": member_id, "name": name,
        "email": f"{name.lower()}@example.com", "role": "member", "timezone": "Europe/Berlin"})


def seed_team(broker: Broker) -> dict:
    team, owner = str(uuid.uuid4()), str(uuid.uuid4())
    goals = {title: str(uuid.uuid4()) for title in (
        "Ship the onboarding flow", "Read 12 books", "Reduce build time", "Run a marathon")}
    broker.send(GOALS_EVENTS, goals_event("team.created", {
        "team_id": team, "name": "Platform", "timezone": "Europe/Berlin"}))
    broker.send(GOALS_EVENTS, member_added(team, owner, "Ola"))
    for title, goal_id in goals.items():
        broker.send(GOALS_EVENTS, goals_event("goal.created", {
            "goal_id": goal_id, "team_id": team, "owner_id": owner, "title": title,
            "status": "achieved" if title.startswith("Run") else "active",
            "start_date": "2026-01-05",
            "metric": METRIC}))
    return {"team": team, "owner": owner, "goals": goals}


def test_slack_requests_are_logged_once_or_rejected_with_a_reason(live_checkins, broker):
    checkins = live_checkins
    seed = seed_team(broker)
    team, owner, goals = seed["team"], seed["owner"], seed["goals"]
    token = checkins.container.tokens.issue(team, owner, "member")
    onboarding = goals["Ship the onboarding flow"]

    def replicated():
        last = goals["Run a marathon"]
        return checkins.client.get(f"/v1/goals/{last}/checkins", headers=auth(token)
                                   ).status_code == 200

    eventually(replicated, timeout=60)

    logged_request = request(team, owner, "ship THE", value=4)
    broker.send(CHECKINS_COMMANDS, logged_request)
    rejected = {
        "unknown": request(team, owner, "xyz"),
        "ambiguous": request(team, owner, "re"),
        "inactive": request(team, owner, "run"),
        "stranger": request(team, str(uuid.uuid4()), "ship"),
    }
    for command in rejected.values():
        broker.send(CHECKINS_COMMANDS, command)
    broker.send(CHECKINS_COMMANDS, logged_request)  # redelivered as is
    resent = request(team, owner, "ship", request_id=logged_request.data["request_id"])
    broker.send(CHECKINS_COMMANDS, resent)  # the same request under a new event id
    by_id = request(team, owner, goals["Reduce build time"])
    broker.send(CHECKINS_COMMANDS, by_id)

    assert broker.answered(logged_request, by_id, *rejected.values()) == {
        **{("checkin.logged", c.data["request_id"]): 1 for c in (logged_request, by_id)},
        **{("checkin.rejected", c.data["request_id"]): 1 for c in rejected.values()}}

    answers = broker.answers(*ANSWERS)
    logged = {a["request_id"]: a for a in broker.answers("checkin.logged")}
    first = logged[logged_request.data["request_id"]]
    assert (first["goal_id"], first["value"], first["source"], first["author_id"]) == (
        onboarding, 4, "slack", owner)
    assert "response_url" not in first  # notifications answers Slack from its own request
    assert logged[by_id.data["request_id"]]["goal_id"] == goals["Reduce build time"]

    reasons = {a["request_id"]: a["reason"] for a in answers if "reason" in a}
    assert "unknown goal" in reasons[rejected["unknown"].data["request_id"]]
    ambiguous = reasons[rejected["ambiguous"].data["request_id"]]
    assert "Read 12 books" in ambiguous and "Reduce build time" in ambiguous
    assert "is achieved" in reasons[rejected["inactive"].data["request_id"]]
    assert "unknown member" in reasons[rejected["stranger"].data["request_id"]]

    history = checkins.client.get(f"/v1/goals/{onboarding}/checkins", headers=auth(token)).json
    assert [(c["value"], c["source"]) for c in history["items"]] == [(4, "slack")]


def test_a_rejected_slack_request_sent_again_is_answered_once(live_checkins, broker):
    """A request answered with a rejection and then delivered again, as it was or under a new
    event id (notifications sending the same request again), is answered once, as a logged
    one is: each copy published another checkin.rejected, and the member read the refusal
    again at the response_url."""
    checkins = live_checkins
    seed = seed_team(broker)
    token = checkins.container.tokens.issue(seed["team"], seed["owner"], "member")
    last = seed["goals"]["Run a marathon"]
    eventually(lambda: checkins.client.get(f"/v1/goals/{last}/checkins", headers=auth(token)
                                           ).status_code == 200, timeout=60)

    refused = request(seed["team"], seed["owner"], "xyz")
    broker.send(CHECKINS_COMMANDS, refused)
    broker.answered(refused)
    broker.send(CHECKINS_COMMANDS, refused)  # redelivered as is
    resent = request(seed["team"], seed["owner"], "xyz", request_id=refused.data["request_id"])
    broker.send(CHECKINS_COMMANDS, resent)  # the same request under a new event id
    marker = request(seed["team"], seed["owner"], "xyz")  # answered after the copies
    broker.send(CHECKINS_COMMANDS, marker)

    assert broker.answered(refused, marker) == {
        ("checkin.rejected", refused.data["request_id"]): 1,
        ("checkin.rejected", marker.data["request_id"]): 1}


def handled(checkins, event: Event) -> str:
    """`event` handled as the consumer handles it, in a transaction of its own: "committed",
    or the name of the error the database refused it with (the consumer retries it)."""
    container = checkins.container
    try:
        with container.uow() as uow:
            container.handlers()[event.type](replace(event, data=load(event.type, event.data)),
                                             uow)
            uow.commit()
    except IntegrityError as exc:
        return type(exc).__name__
    return "committed"


def test_two_copies_of_a_slack_request_handled_at_once_log_one_checkin(checkins):
    """Ola's request came twice, the second under a new event id, and two workers took the
    copies at once (a partition handed over while its first owner still works on it): both
    found the request unanswered. The database keeps one check-in per request id, so the
    other copy's transaction is refused, and the consumer's retry finds the request answered:
    one check-in, one checkin.logged, and Ola's partners and Slack hear of it once."""
    world = World(checkins)
    ola = world.member("Ola")
    goal = world.goal(ola)
    first = request(world.team_id, ola, goal)
    copies = (first, request(world.team_id, ola, goal, request_id=first.data["request_id"]))

    race = run_together(checkins.container.engine, lambda sql: "FROM rejections" in sql,
                        *(lambda copy=copy: handled(checkins, copy) for copy in copies))

    if checkins.container.engine.dialect.name == "postgresql":  # SQLite: one after the other
        assert sorted(race.results) == ["IntegrityError", "committed"]
    retried = [handled(checkins, copy) for copy, result in zip(copies, race.results,
                                                               strict=True)
               if result != "committed"]
    assert retried in ([], ["committed"])
    logged = world.published("checkin.logged")
    assert [(e["request_id"], e["source"]) for e in logged] == [
        (first.data["request_id"], "slack")]
    history = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(ola)).json
    assert [c["id"] for c in history["items"]] == [logged[0]["checkin_id"]]


def test_a_slack_request_logs_only_where_the_api_would_and_is_refused_with_its_reason(
        live_checkins, broker):
    """Ben names by id a team goal of Ola's that is private (her partners and the leads see
    it; he is neither) and one the team sees. The API answers him 404 for the first and takes
    the second; a Slack request logged both (it checked only who may log, not who may see)."""
    checkins = live_checkins
    seed = seed_team(broker)
    team, owner = seed["team"], seed["owner"]
    ben, hidden, shared = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
    broker.send(GOALS_EVENTS, member_added(team, ben, "Ben"))
    for goal_id, title, visibility in ((hidden, "Cut cloud costs", "private"),
                                       (shared, "Hire two engineers", "team")):
        broker.send(GOALS_EVENTS, goals_event("goal.created", {
            "goal_id": goal_id, "team_id": team, "owner_id": owner, "title": title,
            "status": "active", "visibility": visibility, "kind": "team",
            "start_date": "2026-01-05", "metric": METRIC}))
    bens = auth(checkins.container.tokens.issue(team, ben, "member"))
    eventually(lambda: checkins.client.get(f"/v1/goals/{shared}/checkins", headers=bens
                                           ).status_code == 200, timeout=60)
    by_api = checkins.client.post(f"/v1/goals/{hidden}/checkins", headers=bens,
                                  json={"value": 3})
    assert by_api.status_code == 404

    refused, taken = request(team, ben, hidden), request(team, ben, shared)
    broker.send(CHECKINS_COMMANDS, refused)
    broker.send(CHECKINS_COMMANDS, taken)
    assert broker.answered(refused, taken) == {("checkin.rejected", refused.data["request_id"]): 1,
                                               ("checkin.logged", taken.data["request_id"]): 1}
    [rejection] = broker.answers("checkin.rejected")
    assert rejection["request_id"] == refused.data["request_id"]
    assert rejection["reason"] == by_api.json["detail"]
    [logged] = broker.answers("checkin.logged")
    assert (logged["goal_id"], logged["author_id"]) == (shared, ben)
    owners = auth(checkins.container.tokens.issue(team, owner, "member"))
    assert checkins.client.get(f"/v1/goals/{hidden}/checkins", headers=owners
                               ).json["items"] == []


def test_a_slack_command_from_a_member_who_arrives_while_it_waits_is_logged_once(make_service):
    """Ben joins and types /goals checkin at once: notifications knows him, but his
    member.added reaches checkins after his command (another topic, no order between them).
    The command waits for him (CHECKINS_COMMAND_CATCH_UP_SECONDS) and is logged once when he
    arrives, not refused as from an unknown member."""
    checkins = make_service("checkins", CHECKINS_COMMAND_CATCH_UP_SECONDS="30")
    broker = Broker(checkins)
    try:
        seed = seed_team(broker)
        team, ben, hiring = seed["team"], str(uuid.uuid4()), str(uuid.uuid4())
        broker.send(GOALS_EVENTS, goals_event("goal.created", {
            "goal_id": hiring, "team_id": team, "owner_id": seed["owner"],
            "title": "Hire two engineers", "status": "active", "visibility": "team",
            "kind": "team", "start_date": "2026-01-05", "metric": METRIC}))
        olas = auth(checkins.container.tokens.issue(team, seed["owner"], "member"))
        eventually(lambda: checkins.client.get(f"/v1/goals/{hiring}/checkins", headers=olas
                                               ).status_code == 200, timeout=60)

        command = request(team, ben, hiring)
        retried = checkins.consumer_stats.retries  # any retry of the seeding is not the wait
        broker.send(CHECKINS_COMMANDS, command)
        eventually(lambda: checkins.consumer_stats.retries > retried, timeout=30)  # it waits
        broker.send(GOALS_EVENTS, member_added(team, ben, "Ben"))

        assert broker.answered(command) == {("checkin.logged", command.data["request_id"]): 1}
        history = checkins.client.get(f"/v1/goals/{hiring}/checkins", headers=olas).json
        assert [(c["author_id"], c["source"]) for c in history["items"]] == [(ben, "slack")]
    finally:
        broker.close()


def test_a_slack_command_on_a_goal_that_arrives_while_it_waits_is_logged_once(make_service):
    """Ola creates a goal and checks in on it from Slack at once: notifications knows the goal
    (it sent its id), but its goal.created reaches checkins after her command (another topic,
    no order between them). The command was refused at once, "unknown goal: none of your
    active goals starts with “<the goal's id>”"; it now waits for the goal as for a member
    (CHECKINS_COMMAND_CATCH_UP_SECONDS) and is logged once when the goal arrives."""
    checkins = make_service("checkins", CHECKINS_COMMAND_CATCH_UP_SECONDS="30")
    broker = Broker(checkins)
    try:
        seed = seed_team(broker)
        team, owner, hiring = seed["team"], seed["owner"], str(uuid.uuid4())
        olas = auth(checkins.container.tokens.issue(team, owner, "member"))
        last = seed["goals"]["Run a marathon"]
        eventually(lambda: checkins.client.get(f"/v1/goals/{last}/checkins", headers=olas
                                               ).status_code == 200, timeout=60)

        command = request(team, owner, hiring)
        retried = checkins.consumer_stats.retries  # any retry of the seeding is not the wait
        broker.send(CHECKINS_COMMANDS, command)
        eventually(lambda: checkins.consumer_stats.retries > retried, timeout=30)  # it waits
        broker.send(GOALS_EVENTS, goals_event("goal.created", {
            "goal_id": hiring, "team_id": team, "owner_id": owner,
            "title": "Hire two engineers", "status": "active", "visibility": "team",
            "start_date": "2026-01-05", "metric": METRIC}))

        assert broker.answered(command) == {("checkin.logged", command.data["request_id"]): 1}
        history = checkins.client.get(f"/v1/goals/{hiring}/checkins", headers=olas).json
        assert [(c["author_id"], c["source"]) for c in history["items"]] == [(owner, "slack")]
    finally:
        broker.close()


def test_a_slack_command_from_someone_who_never_arrives_is_refused_after_the_wait(
        live_checkins, broker):
    """A Slack user checkins never learns of is answered with the refusal, once, and only
    after the command has waited its catch-up (1 s here) for the member to arrive."""
    seed = seed_team(broker)
    token = live_checkins.container.tokens.issue(seed["team"], seed["owner"], "member")
    last = seed["goals"]["Run a marathon"]
    eventually(lambda: live_checkins.client.get(f"/v1/goals/{last}/checkins",
                                                headers=auth(token)).status_code == 200,
               timeout=60)  # the consumer is running: a refusal is not late for want of it

    stranger = request(seed["team"], str(uuid.uuid4()), "ship")
    broker.send(CHECKINS_COMMANDS, stranger)

    assert broker.answered(stranger) == {("checkin.rejected", stranger.data["request_id"]): 1}
    [refusal] = broker.events("checkin.rejected")
    assert refusal.data["reason"] == (
        "unknown member: this Slack user is not a member of the team")
    waited = datetime.fromisoformat(refusal.time) - datetime.fromisoformat(stranger.time)
    assert waited >= timedelta(seconds=1)


def test_the_worker_scheduler_publishes_reminders_on_the_broker(make_service):
    clock = ControlledClock(datetime(2026, 3, 4, 12, tzinfo=UTC))
    service = make_service("checkins", clock=clock, CHECKINS_SCHEDULER_INTERVAL_SECONDS="0.2")
    broker = Broker(service)
    try:
        team, owner, goal = str(uuid.uuid4()), str(uuid.uuid4()), str(uuid.uuid4())
        broker.send(GOALS_EVENTS, member_added(team, owner, "Ola"))
        broker.send(GOALS_EVENTS, goals_event("goal.created", {
            "goal_id": goal, "team_id": team, "owner_id": owner, "title": "Write the RFC",
            "status": "active", "start_date": "2026-01-05"}))
        token = service.container.tokens.issue(team, owner, "member")
        eventually(lambda: service.client.get(f"/v1/goals/{goal}/streak",
                                              headers=auth(token)).status_code == 200, timeout=60)
        clock.set(datetime(2026, 3, 9, 6, tzinfo=UTC))  # 2h before Monday 09:00 Berlin

        eventually(lambda: broker.answers("checkin.reminder"), timeout=30)

        due = datetime(2026, 3, 9, 8, tzinfo=UTC)
        reminders = counted(lambda: [(r["goal_id"], r["due_at"])
                                     for r in broker.answers("checkin.reminder")])
        assert reminders == {(goal, due): 1}  # the scheduler runs every 0.2 s
    finally:
        broker.close()


def seeded_onboarding(checkins, broker) -> tuple[dict, str, str]:
    """A seeded team (`seed_team`), its goal owner's token and the onboarding goal's id, once
    checkins knows the goal."""
    seed = seed_team(broker)
    token = checkins.container.tokens.issue(seed["team"], seed["owner"], "member")
    onboarding = seed["goals"]["Ship the onboarding flow"]
    eventually(lambda: checkins.client.get(f"/v1/goals/{onboarding}/checkins",
                                           headers=auth(token)).status_code == 200, timeout=60)
    return seed, token, onboarding


def test_a_slack_request_with_text_no_database_can_store_is_refused_with_its_reason(
        live_checkins, broker):
    """A NUL in a request's goal or note made PostgreSQL refuse the check-in: the request was
    dead-lettered and the member never heard back. Each is refused, saying what to fix."""
    checkins = live_checkins
    seed, token, onboarding = seeded_onboarding(checkins, broker)
    in_ref = request(seed["team"], seed["owner"], "ship\x00")
    in_note = request(seed["team"], seed["owner"], onboarding)
    in_note.data["note"] = "ran\x00far"
    for command in (in_ref, in_note):
        broker.send(CHECKINS_COMMANDS, command)

    assert broker.answered(in_ref, in_note) == {
        ("checkin.rejected", c.data["request_id"]): 1 for c in (in_ref, in_note)}
    reasons = {a["request_id"]: a["reason"] for a in broker.answers("checkin.rejected")}
    assert reasons[in_ref.data["request_id"]] == "the goal must not contain NUL characters"
    assert reasons[in_note.data["request_id"]] == "the note must not contain NUL characters"


def test_a_slack_request_with_a_value_beyond_a_goals_figure_is_refused_with_its_reason(
        live_checkins, broker):
    """The API refuses a value beyond ±10^12 (422), as goals holds no larger figure; a request
    from Slack with 1e308 was logged. Each is refused, saying what the bound is."""
    checkins = live_checkins
    seed, token, onboarding = seeded_onboarding(checkins, broker)
    commands = [request(seed["team"], seed["owner"], onboarding, value=value)
                for value in (1e308, 1e13, -1e300)]
    for command in commands:
        broker.send(CHECKINS_COMMANDS, command)

    assert broker.answered(*commands) == {
        ("checkin.rejected", c.data["request_id"]): 1 for c in commands}
    reasons = {a["request_id"]: a["reason"] for a in broker.answers("checkin.rejected")}
    assert [reasons[c.data["request_id"]] for c in commands] == [
        "the value is beyond what a goal's figure can be (-1,000,000,000,000 to "
        "1,000,000,000,000)"] * 3
    listed = checkins.client.get(f"/v1/goals/{onboarding}/checkins", headers=auth(token)).json
    assert listed["items"] == []
