"""A check-in request from Slack that is refused is answered once, and forgotten a day later."""

from __future__ import annotations

import uuid

from tests.checkins.conftest import World
from tests.support.stack import scheduled_job


def requested(world: World, member_id: str, goal_ref: str, request_id: str) -> None:
    """`checkin.requested` as notifications sends it, applied by the consumer's handler."""
    world.apply("checkin.requested", {
        "request_id": request_id, "team_id": world.team_id, "member_id": member_id,
        "goal_ref": goal_ref, "value": 3, "note": "",
        "response_url": "https://hooks.slack.com/commands/T1/1/abc",
        "at": "2026-03-04T12:00:00+00:00"})


def purge_rejections(world: World) -> int:
    return scheduled_job(world.harness.container, "rejections-purge").run()


def test_a_refused_slack_request_is_answered_once_and_forgotten_by_the_purge_a_day_later(
        world, clock):
    ola = world.member("Ola")
    world.goal(ola, "Ship the onboarding flow")
    refused = uuid.uuid4().hex

    requested(world, ola, "xyz", refused)
    clock.advance(hours=23)
    assert purge_rejections(world) == 0
    requested(world, ola, "xyz", refused)  # a copy within the day: not answered again
    assert [r["request_id"] for r in world.published("checkin.rejected")] == [refused]

    clock.advance(hours=2)
    assert purge_rejections(world) == 1
    assert purge_rejections(world) == 0
