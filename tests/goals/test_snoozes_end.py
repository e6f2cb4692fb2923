"""The end of a snooze, on both engines: goals wakes the member once their day is over where they
live, as every service hears from them again then (`shared.availability`)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import inspect

from services.goals.service_layer.jobs import wake_ended_snoozes
from tests.goals.helpers import outbox_by_id, run_job
from tests.support.seed import add_member, create_team
from tests.support.stack import auth


def snooze(goals, team, member_id: str, until: str) -> dict:
    response = goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}",
                                  headers=auth(team.lead), json={"snoozed_until": until})
    assert response.status_code == 200, response.json
    return response.json


def read(goals, team, member_id: str) -> tuple[str, str | None]:
    member = goals.client.get(f"/v1/teams/{team.id}/members/{member_id}",
                              headers=auth(team.lead)).json
    return member["state"], member["snoozed_until"]


def listed(goals, team, member_id: str) -> tuple[str, str | None]:
    items = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(team.lead)).json
    (member,) = [m for m in items["items"] if m["id"] == member_id]
    return member["state"], member["snoozed_until"]


def member_updates(goals, member_id: str) -> dict[str, dict]:
    """member.updated events about the member committed to publish, by event id."""
    return {i: e for i, e in outbox_by_id(goals, "member.updated").items()
            if e["member_id"] == member_id}


def test_a_member_snoozed_through_a_day_now_past_reads_active_and_is_announced_once(goals, clock):
    """Max, snoozed through 5 March, read `snoozed` until a lead woke him, days after every
    service heard from him again."""
    team = create_team(goals)
    max_id, _ = add_member(goals, team, "Max")
    snooze(goals, team, max_id, "2031-03-05")
    before = set(member_updates(goals, max_id))
    clock.set(datetime(2031, 3, 6, 0, 0, 1, tzinfo=UTC))

    assert run_job(goals, "snoozes-end") == 1

    assert read(goals, team, max_id) == ("active", None)
    assert listed(goals, team, max_id) == ("active", None)
    (woken,) = [e for i, e in member_updates(goals, max_id).items() if i not in before]
    assert (woken["state"], woken["snoozed_until"], woken["name"]) == ("active", None, "Max")
    assert run_job(goals, "snoozes-end") == 0
    assert len(member_updates(goals, max_id)) == len(before) + 1


def test_a_member_whose_snooze_is_still_on_stays_snoozed(goals, clock):
    team = create_team(goals)
    max_id, _ = add_member(goals, team, "Max")
    snooze(goals, team, max_id, "2031-03-05")
    before = len(member_updates(goals, max_id))
    clock.set(datetime(2031, 3, 5, 23, 59, 59, tzinfo=UTC))  # still 5 March in UTC

    assert run_job(goals, "snoozes-end") == 0

    assert read(goals, team, max_id) == ("snoozed", "2031-03-05")
    assert len(member_updates(goals, max_id)) == before


def test_a_snooze_ends_at_midnight_where_the_member_lives(goals, clock):
    """At 11:00 UTC on 5 March it is already 6 March in Auckland (UTC+13 in March) and still
    3:00 on 5 March in Los Angeles (UTC-8): Ana is back, Leo is still away, until Los Angeles'
    midnight (08:00 UTC on 6 March)."""
    team = create_team(goals)
    ana_id, _ = add_member(goals, team, "Ana", timezone="Pacific/Auckland")
    leo_id, _ = add_member(goals, team, "Leo", timezone="America/Los_Angeles")
    for member_id in (ana_id, leo_id):
        snooze(goals, team, member_id, "2031-03-05")

    clock.set(datetime(2031, 3, 5, 10, 59, 59, tzinfo=UTC))
    assert run_job(goals, "snoozes-end") == 0
    clock.set(datetime(2031, 3, 5, 11, 0, tzinfo=UTC))
    assert run_job(goals, "snoozes-end") == 1
    assert read(goals, team, ana_id) == ("active", None)
    assert read(goals, team, leo_id) == ("snoozed", "2031-03-05")

    clock.set(datetime(2031, 3, 6, 7, 59, 59, tzinfo=UTC))
    assert run_job(goals, "snoozes-end") == 0
    clock.set(datetime(2031, 3, 6, 8, 0, tzinfo=UTC))
    assert run_job(goals, "snoozes-end") == 1
    assert read(goals, team, leo_id) == ("active", None)


def test_a_change_to_a_member_whose_snooze_ended_answers_them_active(goals, clock):
    """The PATCH answer said `snoozed` with the past day when the job had not run yet."""
    team = create_team(goals)
    max_id, max_token = add_member(goals, team, "Max")
    snooze(goals, team, max_id, "2031-03-05")
    clock.set(datetime(2031, 3, 6, 0, 0, 1, tzinfo=UTC))

    renamed = goals.client.patch(f"/v1/teams/{team.id}/members/{max_id}",
                                 headers=auth(max_token), json={"name": "Maxime"})

    assert renamed.status_code == 200, renamed.json
    assert (renamed.json["state"], renamed.json["snoozed_until"]) == ("active", None)
    assert run_job(goals, "snoozes-end") == 0


def test_the_wake_job_reads_snoozed_members_through_an_index(goals):
    indexes = inspect(goals.container.engine).get_indexes("members")
    assert ["snoozed_until", "id"] in [i["column_names"] for i in indexes]


def test_the_wake_job_goes_through_every_snoozed_member_a_batch_at_a_time(goals, clock):
    """Batches of two, past a member whose snooze is still on (Leo, in Los Angeles)."""
    team = create_team(goals)
    leo_id, _ = add_member(goals, team, "Leo", timezone="America/Los_Angeles")
    others = [add_member(goals, team, name)[0] for name in ("Ada", "Bo", "Cy", "Di")]
    for member_id in (leo_id, *others):
        snooze(goals, team, member_id, "2031-03-05")
    clock.set(datetime(2031, 3, 6, 0, 0, 1, tzinfo=UTC))

    assert wake_ended_snoozes(goals.container.uow, clock, batch=2) == 4

    assert [read(goals, team, m) for m in others] == [("active", None)] * 4
    assert read(goals, team, leo_id) == ("snoozed", "2031-03-05")
