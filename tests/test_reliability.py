"""The promises of the event plumbing, tested against the real broker and both databases:
nothing lost while the broker is down, one effect per event, poison to the DLQ, and a worker
killed with SIGKILL loses nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from infra.kafka_broker import KafkaBroker, free_port
from tests.support.events import checkin_logged, produce, produce_raw, read_all, read_until
from tests.support.stack import ADMIN_TOKEN, ServiceHarness, auth, service_env
from tests.support.waiting import eventually

pytestmark = [pytest.mark.slow, pytest.mark.alone]


def team_with_goal(goals, target: float = 1000) -> dict:
    team = goals.client.post(
        "/v1/teams",
        headers=auth(ADMIN_TOKEN),
        json={
            "name": "Ops",
            "timezone": "UTC",
            "lead": {"name": "Ada", "email": "ada@example.com", "timezone": "UTC"},
        },
    ).json
    token = team["lead"]["token"]
    goal = goals.client.post(
        "/v1/goals",
        headers=auth(token),
        json={
            "title": "Automate 1000 runbook steps",
            "due_date": "2031-01-01",
            "metric": {"unit": "steps", "start": 0, "target": target},
        },
    ).json
    return {
        "team_id": team["team"]["id"],
        "lead_id": team["lead"]["id"],
        "token": token,
        "goal_id": goal["id"],
    }


def current(goals, ctx) -> float:
    return goals.client.get(f"/v1/goals/{ctx['goal_id']}", headers=auth(ctx["token"])).json[
        "metric"
    ]["current"]


def unsent(harness) -> int:
    with harness.container.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM outbox WHERE sent_at IS NULL")).scalar()


@pytest.fixture
def own_broker(tmp_path):
    broker = KafkaBroker(tmp_path / "kafka", free_port())
    broker.start()
    yield broker
    broker.stop()


def test_requests_succeed_while_the_broker_is_down_and_events_arrive_after(
    own_broker, new_database, topic_prefix
):
    def harness(service):
        env = service_env(service, new_database(service), own_broker.bootstrap, topic_prefix)
        h = ServiceHarness(service, env)
        h.start_worker()
        return h

    goals, checkins = harness("goals"), harness("checkins")
    try:
        own_broker.stop()
        ctx = team_with_goal(goals)  # team, lead and goal: three 201s with no broker
        assert ctx["goal_id"]
        assert unsent(goals) == 3
        own_broker.restart()
        eventually(lambda: unsent(goals) == 0, timeout=60)
        response = eventually(
            lambda: (
                checkins.client.post(
                    f"/v1/goals/{ctx['goal_id']}/checkins",
                    headers=auth(ctx["token"]),
                    json={"value": 7},
                ).status_code
                == 201
            ),
            timeout=60,
        )
        assert response
        eventually(lambda: current(goals, ctx) == 7, timeout=60)
    finally:
        goals.close()
        checkins.close()


def test_an_event_delivered_twice_has_one_effect(make_service, kafka_broker, topic_prefix):
    goals = make_service("goals")
    ctx = team_with_goal(goals)
    event = checkin_logged(ctx["team_id"], ctx["goal_id"], ctx["lead_id"], delta=2)
    produce(kafka_broker.bootstrap, f"{topic_prefix}checkins.events", event, event)
    later = checkin_logged(ctx["team_id"], ctx["goal_id"], ctx["lead_id"], delta=1)
    produce(kafka_broker.bootstrap, f"{topic_prefix}checkins.events", later, event)
    eventually(lambda: current(goals, ctx) == 3, timeout=60)
    eventually(lambda: goals.consumer_stats.duplicates == 2, timeout=60)
    assert current(goals, ctx) == 3
    with goals.container.engine.connect() as conn:
        progressed = conn.execute(
            text("SELECT count(*) FROM outbox WHERE event_type = 'goal.progressed'")
        ).scalar()
    with goals.container.engine.connect() as conn:
        print("TYPES", conn.execute(text("SELECT event_type, sent_at FROM outbox")).all())
    assert progressed == 2


@pytest.mark.parametrize(
    "poison",
    [
        (b"not json at all", []),
        (
            b'{"goal_id": 1}',
            [
                ("ce_specversion", b"1.0"),
                ("ce_id", b"x"),
                ("ce_source", b"/x"),
                ("ce_type", b"checkin.logged"),
                ("ce_teamid", b"t"),
            ],
        ),
    ],
)
def test_a_malformed_event_goes_to_the_dlq_and_the_next_good_one_is_processed(
    make_service, kafka_broker, topic_prefix, poison
):
    goals = make_service("goals")
    ctx = team_with_goal(goals)
    topic = f"{topic_prefix}checkins.events"
    value, headers = poison
    produce_raw(kafka_broker.bootstrap, topic, value, headers, key=ctx["team_id"].encode())
    produce(
        kafka_broker.bootstrap,
        topic,
        checkin_logged(ctx["team_id"], ctx["goal_id"], ctx["lead_id"], value=5),
    )
    eventually(lambda: current(goals, ctx) == 5, timeout=60)
    [dead] = read_all(kafka_broker.bootstrap, f"{topic}.dlq", expected=1)
    assert dead.value == value
    reasons = dict(dead.headers)
    assert reasons["dlq.topic"] == topic.encode()
    assert reasons["dlq.reason"]


def test_a_worker_killed_mid_stream_loses_nothing_after_restart(
    make_service, kafka_broker, topic_prefix
):
    goals = make_service("goals", start_worker=False)
    goals.container.ensure_topics()
    ctx = team_with_goal(goals, target=100_000)
    events = [
        checkin_logged(ctx["team_id"], ctx["goal_id"], ctx["lead_id"], delta=1) for _ in range(5000)
    ]
    produce(kafka_broker.bootstrap, f"{topic_prefix}checkins.events", *events)

    goals.spawn_worker()
    eventually(lambda: current(goals, ctx) > 0, timeout=60)
    goals.kill_worker()  # SIGKILL, mid-stream
    assert current(goals, ctx) < 5000, "the worker finished before it could be killed mid-stream"
    goals.spawn_worker()
    eventually(lambda: current(goals, ctx) == 5000, timeout=120)
    eventually(lambda: unsent(goals) == 0, timeout=30)

    def progressed_ids(records) -> set:
        return {
            dict(r.headers)["ce_id"]
            for r in records
            if dict(r.headers)["ce_type"] == b"goal.progressed"
        }

    read: set = set()

    def all_progressed(records) -> bool:  # read_until asks after each record: only it is new
        read.update(progressed_ids(records[-1:]))
        return len(read) >= 5000

    published = read_until(kafka_broker.bootstrap, f"{topic_prefix}goals.events", all_progressed)
    assert len(progressed_ids(published)) == 5000  # at least once: the relay may republish
    assert goals.terminate_worker() == 0
