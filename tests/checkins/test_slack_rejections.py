"""A check-in request from Slack that is refused is answered once, and forgotten a day later."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import event

from tests.checkins.conftest import World
from tests.support.plans import query_plan
from tests.support.stack import scheduled_job


def requested(world: World, member_id: str, goal_ref: str, request_id: str) -> None:
    """`checkin.requested` as notifications sends it, applied by the consumer's handler."""
    world.apply("checkin.requested", {
        "request_id": request_id, "team_id": world.team_id, "member_id": member_id,
        "goal_ref": goal_ref, "value": 3, "note": "",
        "response_url": "https://hooks.slack.com/commands/T1/1/abc",
        "at": "2026-03-04T12:00:00+00:00"})


def test_a_slack_value_on_a_goal_without_a_metric_is_refused_saying_so(world):
    """The slash command and the modal send a value whatever the goal: on a milestones-only
    goal it was logged, moving nothing. It is refused, and Slack is told why."""
    ola = world.member("Ola")
    world.goal(ola, "Read more", metric=False)
    asked = uuid.uuid4().hex

    requested(world, ola, "Read", asked)

    assert world.published("checkin.logged") == []
    assert [(r["request_id"], r["reason"]) for r in world.published("checkin.rejected")] == [
        (asked, "goal “Read more” has no metric, so it takes no value or delta: check in the "
                "milestones you completed, or a note")]


def purge_rejections(world: World) -> int:
    return scheduled_job(world.harness.container, "rejections-purge").run()


def test_a_refused_slack_request_is_answered_once_and_forgotten_by_the_purge_a_day_later(
        world, clock):
    ola = world.member("Ola")
    world.goal(ola, "Run a marathon", status="achieved")  # refused: only active goals
    refused = uuid.uuid4().hex

    requested(world, ola, "Run", refused)
    clock.advance(hours=23)
    assert purge_rejections(world) == 0
    requested(world, ola, "Run", refused)  # a copy within the day: not answered again
    assert [r["request_id"] for r in world.published("checkin.rejected")] == [refused]

    clock.advance(hours=2)
    assert purge_rejections(world) == 1
    assert purge_rejections(world) == 0


def test_the_rejections_purge_finds_the_old_ones_off_an_index_however_many_are_kept(
        world, clock):
    """The purge looked for the rejections made before the kept day with no index on their
    time, so each batch read the whole table. Among a thousand of the last hour it searches
    ix_rejections_rejected_at, and deletes the five of two days ago."""
    rejections = world.harness.container.metadata.tables["rejections"]
    engine = world.harness.container.engine
    keep(engine, rejections, clock.now() - timedelta(days=2), count=5)
    keep(engine, rejections, clock.now() - timedelta(hours=1), count=1000)
    purges: list = []

    def keep_the_purge(conn, cursor, statement, parameters, *args) -> None:
        if statement.startswith("DELETE FROM rejections"):
            purges.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", keep_the_purge)
    try:
        purged = purge_rejections(world)
    finally:
        event.remove(engine, "before_cursor_execute", keep_the_purge)

    assert purged == 5
    plans = "\n".join(query_plan(engine, "rejections", statement, parameters)
                      for statement, parameters in purges)
    assert "ix_rejections_rejected_at" in plans, plans
    assert "SCAN rejections" not in plans and "Seq Scan" not in plans, plans


def keep(engine, rejections, at, *, count: int) -> None:
    """`count` rejections made `at`, as a day of refused Slack requests leaves them."""
    with engine.begin() as conn:
        conn.execute(rejections.insert(), [
            {"request_id": uuid.uuid4().hex, "team_id": str(uuid.uuid4()),
             "member_id": str(uuid.uuid4()), "reason": "no such goal", "rejected_at": at}
            for _ in range(count)])
