"""Accountability partners and pairing rounds through the API, on both engines."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from itertools import combinations

import pytest
from sqlalchemy import event

from services.checkins.domain.partners import Partnership
from shared.pagination import encode_cursor
from tests.checkins.conftest import START
from tests.support.races import (
    SQLITE_WAITS,
    at_once,
    once_after,
    run_together,
    waiting_on_a_lock,
)
from tests.support.waiting import eventually


def call(checkins, method: str, path: str, headers: dict, body: dict | None = None):
    return checkins.client.open(path, method=method, headers=headers, json=body)


def test_invite_accept_and_end_a_partnership(checkins, world):
    ola, pia = world.member("Ola"), world.member("Pia")
    base = f"/v1/teams/{world.team_id}/partnerships"
    invite = call(checkins, "POST", base, world.as_(ola), {"member_id": pia})
    assert (invite.status_code, invite.json["status"]) == (201, "invited")
    assert world.published("partners.paired") == []

    own = call(checkins, "POST", f"{base}/{invite.json['id']}/accept", world.as_(ola))
    accepted = call(checkins, "POST", f"{base}/{invite.json['id']}/accept", world.as_(pia))
    again = call(checkins, "POST", f"{base}/{invite.json['id']}/accept", world.as_(pia))
    assert (own.status_code, accepted.status_code, again.status_code) == (403, 200, 409)
    [paired] = world.published("partners.paired")
    assert paired["member_ids"] == sorted([ola, pia]) and paired["round_id"] is None

    ended = call(checkins, "POST", f"{base}/{invite.json['id']}/end", world.as_(pia))
    twice = call(checkins, "POST", f"{base}/{invite.json['id']}/end", world.as_(ola))
    assert (ended.json["status"], ended.json["ended_by"], twice.status_code) == ("ended", pia, 409)
    [event] = world.published("partnership.ended")
    assert (event["ended_by"], event["member_ids"]) == (pia, sorted([ola, pia]))


@pytest.mark.parametrize("second", ["the same", "the other way"])
def test_two_invitations_between_a_pair_sent_at_once_leave_one_open(checkins, world, second):
    """A double-clicked invitation, or Ola and Pia inviting each other at the same moment: both
    read the team's open partnerships before either wrote, and both were 201, leaving two
    open invitations between them (accepting the second was then refused). The pair's rows
    are now locked first: the second waits for the first and gets the 409 a later one gets."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    ola, pia = world.member("Ola"), world.member("Pia")
    base = f"/v1/teams/{world.team_id}/partnerships"
    inviters = (ola, ola) if second == "the same" else (ola, pia)

    def invite(by: str, whom: str):
        return lambda: checkins.app.test_client().post(base, headers=world.as_(by),
                                                       json={"member_id": whom})

    answers = run_together(checkins.container.engine, lambda sql: "FROM partnerships" in sql,
                           *(invite(by, pia if by == ola else ola) for by in inviters))

    assert sorted(a.status_code for a in answers.results) == [201, 409], [
        a.json for a in answers.results]
    listed = call(checkins, "GET", base, world.as_(ola)).json["items"]
    assert [p["id"] for p in listed if p["status"] == "invited"] == [
        a.json["id"] for a in answers.results if a.status_code == 201]


def test_an_invitation_sent_twice_under_one_key_invites_once_and_answers_as_the_first(
        checkins, world):
    """Send the invitation double-clicked: the second was refused (409) as if another
    invitation were open, and the web guessed from the list whether it was its own. Under one
    Idempotency-Key the resend gets the first answer, marked replayed; one invitation, open.
    The same key choosing another teammate is refused and invites no one."""
    ola, pia, max_ = world.member("Ola"), world.member("Pia"), world.member("Max")
    base = f"/v1/teams/{world.team_id}/partnerships"
    headers = {**world.as_(ola), "Idempotency-Key": "invite-1"}

    first, again = (call(checkins, "POST", base, headers, {"member_id": pia}) for _ in range(2))
    other = call(checkins, "POST", base, headers, {"member_id": max_})

    assert (first.status_code, again.status_code) == (201, 201), again.json
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 422 and other.json["errors"] == {
        "Idempotency-Key": ["Reused with another body."]}
    listed = call(checkins, "GET", base, world.as_(ola)).json["items"]
    assert [(p["id"], p["status"]) for p in listed] == [(first.json["id"], "invited")]


def test_an_answer_sent_twice_under_one_key_answers_as_the_first_and_acts_once(checkins,
                                                                               world):
    """Accept (or end) double-clicked: the second was refused (409) as if someone else had
    answered, and the web guessed from the team's list whether it was its own. Under one
    Idempotency-Key the resend gets the first answer, marked replayed, and the partnership is
    paired and ended once. The same key sent with a body is refused and does nothing."""
    ola, pia = world.member("Ola"), world.member("Pia")
    base = f"/v1/teams/{world.team_id}/partnerships"
    invited = call(checkins, "POST", base, world.as_(ola), {"member_id": pia}).json
    accept, end = f"{base}/{invited['id']}/accept", f"{base}/{invited['id']}/end"
    keyed = {**world.as_(pia), "Idempotency-Key": "answer-1"}

    accepted, again = (call(checkins, "POST", accept, keyed) for _ in range(2))
    other = call(checkins, "POST", accept, keyed, {"note": "again"})
    ended, ended_again = (call(checkins, "POST", end, keyed) for _ in range(2))

    assert (accepted.status_code, again.status_code) == (200, 200), again.json
    assert accepted.json["status"] == "active" and again.json == accepted.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in accepted.headers
    assert other.status_code == 422 and other.json["errors"] == {
        "Idempotency-Key": ["Reused with another body."]}
    assert (ended.status_code, ended_again.status_code) == (200, 200), ended_again.json
    assert ended.json["status"] == "ended" and ended_again.json == ended.json
    assert ended_again.headers["Idempotent-Replayed"] == "true"
    assert [e["partnership_id"] for e in world.published("partners.paired")] == [invited["id"]]
    assert [e["partnership_id"] for e in world.published("partnership.ended")] == [
        invited["id"]]


def test_the_partnerships_list_gives_only_the_statuses_asked_for(checkins, world):
    """The list gave every partnership ever, so a page needing the open ones read the team's
    whole history (each pairing round ends the last one's), a page at a time. `status` (any
    of several) gives only those; an unknown status is a 422 naming the field."""
    ola, pia, max_, una = (world.member(n) for n in ("Ola", "Pia", "Max", "Una"))
    base = f"/v1/teams/{world.team_id}/partnerships"
    invited = call(checkins, "POST", base, world.as_(ola), {"member_id": pia}).json
    withdrawn = call(checkins, "POST", base, world.as_(max_), {"member_id": una}).json
    call(checkins, "POST", f"{base}/{withdrawn['id']}/end", world.as_(max_))
    active = call(checkins, "POST", base, world.as_(max_), {"member_id": una}).json
    call(checkins, "POST", f"{base}/{active['id']}/accept", world.as_(una))

    def listed(query: str) -> list[tuple[str, str]]:
        answer = call(checkins, "GET", f"{base}?{query}", world.as_(ola))
        assert answer.status_code == 200, answer.json
        return [(p["id"], p["status"]) for p in answer.json["items"]]

    assert sorted(listed("status=invited&status=active"), key=lambda p: p[1]) == [
        (active["id"], "active"), (invited["id"], "invited")]
    assert listed("status=declined") == [(withdrawn["id"], "declined")]
    assert len(listed("limit=10")) == 3
    assert sorted(listed("limit=10")) == sorted([(active["id"], "active"),
                                                 (invited["id"], "invited"),
                                                 (withdrawn["id"], "declined")])
    unknown = call(checkins, "GET", f"{base}?status=open", world.as_(ola))
    assert unknown.status_code == 422 and "status" in str(unknown.json["errors"])


def test_invitation_mistakes_are_refused_precisely(checkins, world):
    ola, pia, max_ = world.member("Ola"), world.member("Pia"), world.member("Max")
    base = f"/v1/teams/{world.team_id}/partnerships"
    assert call(checkins, "POST", base, world.as_(ola), {"member_id": ola}).status_code == 409
    unknown = call(checkins, "POST", base, world.as_(ola), {"member_id": "nobody"})
    assert unknown.status_code == 422 and set(unknown.json["errors"]) == {"member_id"}
    assert call(checkins, "POST", base, world.as_(ola), {}).status_code == 422
    first = call(checkins, "POST", base, world.as_(ola), {"member_id": pia})
    assert call(checkins, "POST", base, world.as_(pia), {"member_id": ola}).status_code == 409
    outsider = call(checkins, "POST", f"{base}/{first.json['id']}/end", world.as_(max_))
    assert outsider.status_code == 403
    declined = call(checkins, "POST", f"{base}/{first.json['id']}/end", world.as_(pia))
    assert declined.json["status"] == "declined"
    assert world.published("partnership.ended") == []
    assert call(checkins, "POST", f"{base}/nope/accept", world.as_(pia)).status_code == 404


def run_round(checkins, world, lead, **body):
    response = call(checkins, "POST", f"/v1/teams/{world.team_id}/pairing-rounds",
                    world.as_(lead), body)
    assert response.status_code == 201, response.json
    return response.json


def test_a_round_pairs_the_eligible_and_leaves_out_opted_out_and_snoozed(checkins, world):
    lead = world.member("Lena", role="lead")
    active = [lead] + [world.member(f"M{i}") for i in range(4)]
    opted, snoozed = world.member("Opal"), world.member("Sid", state="snoozed",
                                                           snoozed_until="2099-12-31")
    world.member("Gone", state="left")
    mine = call(checkins, "PUT", f"/v1/teams/{world.team_id}/members/{opted}/pairing",
                world.as_(opted), {"opted_out": True})
    assert mine.status_code == 200 and mine.json["opted_out"] is True

    result = run_round(checkins, world, lead, seed=42)

    assert sorted(m for g in result["groups"] for m in g) == sorted(active)
    assert sorted(len(g) for g in result["groups"]) == [2, 3]
    assert sorted(result["left_out"]) == sorted([opted, snoozed])
    paired = world.published("partners.paired")
    assert sorted(sorted(e["member_ids"]) for e in paired) == sorted(result["groups"])
    assert {e["round_id"] for e in paired} == {result["id"]}
    [completed] = world.published("pairing_round.completed")
    assert (completed["groups"], completed["left_out"]) == (result["groups"], result["left_out"])


def test_only_leads_run_rounds_and_set_the_schedule(checkins, world):
    member = world.member("Max")
    base = f"/v1/teams/{world.team_id}"
    assert call(checkins, "POST", f"{base}/pairing-rounds", world.as_(member), {}).status_code \
        == 403
    assert call(checkins, "PUT", f"{base}/pairing-schedule", world.as_(member),
                {"every_days": 7}).status_code == 403
    assert call(checkins, "POST", f"{base}/pairing-rounds", world.as_(world.member(
        "Lena", role="lead")), {"cooldown": -1}).status_code == 422


def test_opting_out_someone_else_needs_a_lead(checkins, world):
    ola, max_, lead = world.member("Ola"), world.member("Max"), world.member("L", role="lead")
    path = f"/v1/teams/{world.team_id}/members/{ola}/pairing"
    assert call(checkins, "PUT", path, world.as_(max_), {"opted_out": True}).status_code == 403
    assert call(checkins, "PUT", path, world.as_(lead), {"opted_out": True}).status_code == 200
    assert call(checkins, "GET", path, world.as_(ola)).json["opted_out"] is True


def test_the_same_seed_gives_the_same_round(checkins, world):
    lead = world.member("Lena", role="lead")
    for i in range(6):
        world.member(f"M{i}")
    rounds = [run_round(checkins, world, lead, seed=7, cooldown=0)["groups"] for _ in range(3)]
    assert rounds[0] == rounds[1] == rounds[2]


def send_round(checkins, world, lead, key: str | None, body: dict):
    """A round run in a test client of its own (a request of its own, as a browser's)."""
    headers = {**world.as_(lead), **({"Idempotency-Key": key} if key else {})}
    return checkins.app.test_client().post(f"/v1/teams/{world.team_id}/pairing-rounds",
                                           headers=headers, json=body)


def rounds_completed(world) -> Counter:
    return Counter(e["round_id"] for e in world.published("pairing_round.completed"))


def test_a_round_sent_twice_with_one_key_runs_once_and_both_get_its_answer(checkins, world):
    """"Run pairing round" double-clicked ran two rounds 30 ms apart: the second reshuffled
    the pairs the first had just announced, and everyone was told twice. The same request
    under the same Idempotency-Key now runs one round; the resend answers it, marked replayed,
    at once or later."""
    lead = world.member("Lena", role="lead")
    for i in range(5):
        world.member(f"M{i}")

    answers = at_once(*[lambda: send_round(checkins, world, lead, "round-1", {"cooldown": 3})
                        for _ in range(2)])
    later = send_round(checkins, world, lead, "round-1", {"cooldown": 3})

    assert [a.status_code for a in answers + [later]] == [201] * 3, [
        a.json for a in answers + [later]]
    first = answers[0].json
    assert answers[1].json == first and later.json == first
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers + [later]) == [
        "", "true", "true"]
    assert rounds_completed(world) == Counter({first["id"]: 1})
    listed = call(checkins, "GET", f"/v1/teams/{world.team_id}/pairing-rounds",
                  world.as_(lead), None).json["items"]
    assert [r["id"] for r in listed] == [first["id"]]


def test_a_round_key_sent_again_with_another_body_is_refused_and_runs_nothing(checkins, world):
    lead = world.member("Lena", role="lead")
    world.member("Max")
    first = send_round(checkins, world, lead, "round-1", {"seed": 1})

    other = send_round(checkins, world, lead, "round-1", {"seed": 2})

    assert (first.status_code, other.status_code) == (201, 422), other.json
    assert other.json["detail"] == ("this Idempotency-Key was already used with a different "
                                    "request body; use a new key for a new request")
    assert rounds_completed(world) == Counter({first.json["id"]: 1})


def test_two_leads_running_a_round_at_once_run_one_and_the_other_is_told_why(checkins, world):
    """Two leads' clicks (two keys), both reading the team's rounds before either writes one:
    the round's number admits one of them; the other runs nothing and says so (409)."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    lena, lou = world.member("Lena", role="lead"), world.member("Lou", role="lead")
    for i in range(3):
        world.member(f"M{i}")

    clicks = {lena: "lena-1", lou: "lou-1"}
    race = run_together(checkins.container.engine, lambda sql: "FROM pairing_rounds" in sql,
                        *[lambda lead=lead, key=key: send_round(checkins, world, lead, key, {})
                          for lead, key in clicks.items()])

    assert race.held == 2, race  # both read the team's rounds before either wrote one
    answers = dict(zip(clicks, race.results, strict=True))
    assert sorted(a.status_code for a in answers.values()) == [201, 409], [
        a.json for a in race.results]
    [ran] = [a.json for a in race.results if a.status_code == 201]
    [(refused_lead, refused)] = [(lead, a.json) for lead, a in answers.items()
                                 if a.status_code == 409]
    assert refused["detail"] == ("another pairing round of this team ran at the same moment; "
                                 "look at the latest round or run again")
    assert rounds_completed(world) == Counter({ran["id"]: 1})
    # the refused request claimed no key: sent again, it runs the next round
    again = send_round(checkins, world, refused_lead, clicks[refused_lead], {})
    assert (again.status_code, again.json["number"]) == (201, 2), again.json


def test_rounds_avoid_recent_partners_and_say_so_when_they_cannot(checkins, world):
    lead = world.member("Lena", role="lead")
    team = [lead] + [world.member(f"M{i}") for i in range(3)]  # 4 people: 3 distinct rounds
    seen: set[frozenset] = set()
    for number in range(1, 4):
        result = run_round(checkins, world, lead, seed=number, cooldown=3)
        pairs = {frozenset(g) for g in result["groups"]}
        assert result["number"] == number and result["repeats"] == [] and not pairs & seen
        seen |= pairs
    assert seen == {frozenset(p) for p in combinations(team, 2)}

    fourth = run_round(checkins, world, lead, seed=4, cooldown=3)

    assert len(fourth["repeats"]) == 2
    assert "no grouping avoids partners from the last 3 round(s)" in fourth["note"]
    history = call(checkins, "GET", f"/v1/teams/{world.team_id}/pairing-rounds?limit=3",
                   world.as_(lead)).json
    assert [r["number"] for r in history["items"]] == [4, 3, 2]
    rest = call(checkins, "GET", f"/v1/teams/{world.team_id}/pairing-rounds?limit=3&cursor="
                f"{history['next_cursor']}", world.as_(lead)).json
    assert [r["number"] for r in rest["items"]] == [1] and rest["next_cursor"] is None
    # each new round ends the previous round's partnerships
    assert len(world.published("partnership.ended")) == 3 * 2


def test_a_scheduled_round_runs_once_when_due(checkins, world, clock):
    lead = world.member("Lena", role="lead")
    world.member("Max")
    first = START + timedelta(hours=1)
    schedule = call(checkins, "PUT", f"/v1/teams/{world.team_id}/pairing-schedule",
                    world.as_(lead), {"every_days": 7, "first_run_at": first.isoformat()})
    assert schedule.status_code == 200, schedule.json
    run_due_rounds = checkins.container.run_due_rounds

    assert run_due_rounds() == 0
    clock.advance(hours=1)
    assert run_due_rounds() == 1
    assert run_due_rounds() == 0
    [completed] = world.published("pairing_round.completed")
    assert len(completed["groups"]) == 1
    later = call(checkins, "GET", f"/v1/teams/{world.team_id}/pairing-schedule",
                 world.as_(lead)).json
    assert later["next_run_at"].startswith((first + timedelta(days=7)).date().isoformat())


def test_saving_the_schedule_again_keeps_its_next_round(checkins, world, clock):
    """A lead saving the schedule again with the same period pushed its next round a period
    from then: saved two days in, a weekly round came nine days after the first save. It keeps
    its next round (a new cooldown too); a new period sets it a period from now."""
    lead = world.member("Lena", role="lead")
    path = f"/v1/teams/{world.team_id}/pairing-schedule"
    first = call(checkins, "PUT", path, world.as_(lead), {"every_days": 7}).json
    clock.advance(days=2)

    again = call(checkins, "PUT", path, world.as_(lead), {"every_days": 7, "cooldown": 2})
    longer = call(checkins, "PUT", path, world.as_(lead), {"every_days": 14})

    assert again.status_code == 200, again.json
    assert (again.json["next_run_at"], again.json["cooldown"]) == (first["next_run_at"], 2)
    assert longer.json["next_run_at"].startswith(
        (START + timedelta(days=16)).date().isoformat()), longer.json


def test_a_first_schedule_saved_twice_at_once_is_saved_and_answers_200_both_times(checkins,
                                                                                 world):
    """A double-clicked first save of the pairing schedule: both requests find no schedule
    before either writes, so both inserted it, and the second's insert broke the team's key
    and answered 500. The second now saves over the first, as a later PUT would."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    lead = world.member("Lena", role="lead")
    path = f"/v1/teams/{world.team_id}/pairing-schedule"

    def save(every_days: int):
        return lambda: checkins.app.test_client().put(
            path, headers=world.as_(lead), json={"every_days": every_days})

    answers = run_together(checkins.container.engine,
                           lambda sql: "FROM pairing_schedules" in sql, save(7), save(14))

    assert answers.held == 2, answers  # both read before either wrote
    assert [a.status_code for a in answers.results] == [200, 200], [
        a.json for a in answers.results]
    stored = call(checkins, "GET", path, world.as_(lead)).json
    assert stored["every_days"] in (7, 14)
    assert stored["every_days"] in [a.json["every_days"] for a in answers.results]


def test_a_first_opt_out_sent_twice_at_once_is_saved_and_answers_200_both_times(checkins,
                                                                              world):
    """A double-clicked first opt-out of pairing: both requests found no preference before
    either wrote, both inserted it, and the second's insert broke the member's key: 500. The
    second now writes over the first, as a later PUT would."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    ola = world.member("Ola")
    path = f"/v1/teams/{world.team_id}/members/{ola}/pairing"

    def save(opted_out: bool):
        return lambda: checkins.app.test_client().put(
            path, headers=world.as_(ola), json={"opted_out": opted_out})

    answers = run_together(checkins.container.engine,
                           lambda sql: "FROM pairing_preferences" in sql, save(True), save(True))

    assert answers.held == 2, answers  # both read before either wrote
    assert [(a.status_code, a.json) for a in answers.results] == [
        (200, {"member_id": ola, "opted_out": True})] * 2
    assert call(checkins, "GET", path, world.as_(ola)).json["opted_out"] is True


def test_a_schedule_saved_as_its_round_runs_answers_what_it_stored(checkins, world, clock):
    """A lead re-saved the weekly schedule (a new cooldown) as its round fell due: the save
    read the schedule, the job ran the round and moved the next one a week on, and the save
    answered the round just run, in the past, as the next one. The save now locks the
    schedule: the job leaves the team to its next tick, the save answers what it stored, and
    the round runs once."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    lead = world.member("Lena", role="lead")
    world.member("Max")
    path = f"/v1/teams/{world.team_id}/pairing-schedule"
    first = START + timedelta(hours=1)
    call(checkins, "PUT", path, world.as_(lead),
         {"every_days": 7, "first_run_at": first.isoformat()})
    clock.advance(hours=1)
    ticked = []
    engine = checkins.container.engine
    hook = once_after("FROM pairing_schedules",
                      lambda: ticked.append(checkins.container.run_due_rounds()))

    event.listen(engine, "after_cursor_execute", hook)
    try:
        saved = call(checkins, "PUT", path, world.as_(lead), {"every_days": 7, "cooldown": 2})
    finally:
        event.remove(engine, "after_cursor_execute", hook)
    stored = call(checkins, "GET", path, world.as_(lead)).json
    checkins.container.run_due_rounds()

    assert len(ticked) == 1 and saved.status_code == 200, saved.json
    assert (saved.json["next_run_at"], saved.json["cooldown"]) == (
        stored["next_run_at"], stored["cooldown"])
    rounds = Counter(r["round_id"] for r in world.published("pairing_round.completed"))
    assert len(rounds) == 1 and set(rounds.values()) == {1}, rounds
    after = call(checkins, "GET", path, world.as_(lead)).json
    assert after["next_run_at"].startswith((first + timedelta(days=7)).date().isoformat())


def weekly_rounds_due_now(checkins, world, clock) -> tuple[str, str]:
    """Lena (lead) and Max, and a weekly pairing schedule whose first round is due now; its
    lead and path. PostgreSQL only (the tests that use it race a lock)."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    lead = world.member("Lena", role="lead")
    world.member("Max")
    path = f"/v1/teams/{world.team_id}/pairing-schedule"
    call(checkins, "PUT", path, world.as_(lead),
         {"every_days": 7, "first_run_at": (START + timedelta(hours=1)).isoformat()})
    clock.advance(hours=1)
    return lead, path


def test_a_schedule_moved_as_the_job_finds_it_due_runs_when_moved_to(checkins, world, clock):
    """The rounds job lists the due schedules without a lock; a lead moving the first round
    to tomorrow between that list and the round is not overruled: the job reads the schedule
    again, locked, and runs nothing until tomorrow."""
    lead, path = weekly_rounds_due_now(checkins, world, clock)
    tomorrow = clock.now() + timedelta(days=1)
    moved = []

    def move_it() -> None:
        moved.append(call(checkins, "PUT", path, world.as_(lead),
                          {"every_days": 7, "first_run_at": tomorrow.isoformat()}))
    engine = checkins.container.engine
    hook = once_after("pairing_schedules.next_run_at <=", move_it)

    event.listen(engine, "after_cursor_execute", hook)
    try:
        ran_now = checkins.container.run_due_rounds()
    finally:
        event.remove(engine, "after_cursor_execute", hook)
    clock.advance(days=1)

    assert moved[0].status_code == 200, moved[0].json
    assert (ran_now, world.published("pairing_round.completed")) == (0, [])
    assert checkins.container.run_due_rounds() == 1
    assert len(world.published("pairing_round.completed")) == 1


def test_a_schedule_deleted_twice_at_once_answers_204_then_404(checkins, world):
    """A double-clicked delete of the pairing schedule: both requests read the schedule
    before either deleted it, and both answered 204, the second having deleted nothing
    (SQLAlchemy warned that its DELETE matched 0 rows). The delete now reads the schedule
    locked: the second waits for the first and answers the 404 a later delete gets."""
    if checkins.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    lead = world.member("Lena", role="lead")
    path = f"/v1/teams/{world.team_id}/pairing-schedule"
    call(checkins, "PUT", path, world.as_(lead), {"every_days": 7})

    def delete():
        return checkins.app.test_client().delete(path, headers=world.as_(lead))

    answers = run_together(checkins.container.engine,
                           lambda sql: "FROM pairing_schedules" in sql, delete, delete)

    assert sorted(a.status_code for a in answers.results) == [204, 404], [
        a.get_data() for a in answers.results]
    refused = next(a for a in answers.results if a.status_code == 404)
    assert refused.json["detail"] == "this team has no pairing schedule"
    assert call(checkins, "GET", path, world.as_(lead)).status_code == 404


def test_a_schedule_deleted_as_its_round_runs_stays_deleted_after_the_round(checkins, world,
                                                                            clock):
    """A lead deleting the schedule while the rounds job runs its due round (the schedule
    locked) waits for the round; the delete then answers 204, the round ran once, and no
    later tick runs another: the job's move of the next round does not bring it back."""
    lead, path = weekly_rounds_due_now(checkins, world, clock)
    engine = checkins.container.engine
    with ThreadPoolExecutor(1) as lead_clicks:
        deleting = []

        def delete_while_locked() -> None:
            deleting.append(lead_clicks.submit(lambda: checkins.app.test_client().delete(
                path, headers=world.as_(lead))))
            eventually(lambda: waiting_on_a_lock(engine), timeout=5)
        hook = once_after("FOR UPDATE SKIP LOCKED", delete_while_locked,
                          thread=threading.get_ident())

        event.listen(engine, "after_cursor_execute", hook)
        try:
            ran = checkins.container.run_due_rounds()
        finally:
            event.remove(engine, "after_cursor_execute", hook)
        deleted = deleting[0].result(timeout=10)
    clock.advance(days=7)

    assert (ran, deleted.status_code) == (1, 204), deleted.get_data()
    assert call(checkins, "GET", path, world.as_(lead)).status_code == 404
    assert checkins.container.run_due_rounds() == 0
    assert len(world.published("pairing_round.completed")) == 1


def test_partners_read_in_a_unit_of_work_include_its_own_unflushed_changes(checkins, world):
    """A check-in's partners are read as member lists; that read still sees a partnership
    formed or ended earlier in the same transaction, before anything was flushed."""
    ola, pia, kai, uma = (world.member(name) for name in ("Ola", "Pia", "Kai", "Uma"))
    with checkins.container.uow() as uow:
        formed = Partnership.from_round(world.team_id, (ola, pia), None, START)
        uow.partnerships.add(formed)
        assert uow.partnerships.partners_of(world.team_id, ola) == {pia}
        uow.commit()
    with checkins.container.uow() as uow:
        uow.partnerships.get(world.team_id, formed.id).end(pia, START)
        uow.partnerships.add(Partnership.from_round(world.team_id, (ola, kai), None, START))
        uow.partnerships.add(Partnership.from_round(world.team_id, (pia, uma), None, START))
        assert uow.partnerships.partners_of(world.team_id, ola) == {kai}
        assert uow.partnerships.partners_of(world.team_id, uma) == {pia}  # only their own


@pytest.mark.parametrize("first_run_at", [
    "9999-12-31T23:00:00-05:00", "2028-01-01T00:00:00+00:00"])
def test_a_first_round_more_than_a_year_away_is_refused_by_name(checkins, world, first_run_at):
    """Far enough away, the time would not even fit the database once in UTC (a 500 before)."""
    lead = world.member("Lena", role="lead")
    response = call(checkins, "PUT", f"/v1/teams/{world.team_id}/pairing-schedule",
                    world.as_(lead), {"every_days": 7, "first_run_at": first_run_at})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"first_run_at": ["Must be within a year of now."]}
    assert call(checkins, "GET", f"/v1/teams/{world.team_id}/pairing-schedule",
                world.as_(lead)).status_code == 404


@pytest.mark.parametrize("first_run_at", [
    START - timedelta(days=300), START - timedelta(hours=2), START - timedelta(minutes=2),
    datetime(1, 1, 1, tzinfo=UTC) + timedelta(hours=5)],
    ids=["300 days ago", "2 hours ago", "2 minutes ago", "year 1"])
def test_a_first_round_in_the_past_is_refused_as_before_now(checkins, world, first_run_at):
    """A first round up to a year ago was saved (200) and answered with next_run_at in the
    past; the scheduler then ran a round at its next tick, not when the lead said. It is
    refused naming the field; nothing is saved."""
    lead = world.member("Lena", role="lead")
    path = f"/v1/teams/{world.team_id}/pairing-schedule"

    response = call(checkins, "PUT", path, world.as_(lead),
                    {"every_days": 7, "first_run_at": first_run_at.isoformat()})

    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"first_run_at": ["Must be now or later."]}
    assert call(checkins, "GET", path, world.as_(lead)).status_code == 404


@pytest.mark.parametrize("sent", [START, START - timedelta(seconds=30)],
                         ids=["now", "now, arriving 30 s late"])
def test_a_first_round_asked_for_now_runs_now(checkins, world, sent):
    """A client sending its own "now" reaches the service a moment later: it is taken as now,
    answered as now, and the round runs at the scheduler's next tick."""
    lead = world.member("Lena", role="lead")
    world.member("Max")

    saved = call(checkins, "PUT", f"/v1/teams/{world.team_id}/pairing-schedule",
                 world.as_(lead), {"every_days": 7, "first_run_at": sent.isoformat()})

    assert saved.status_code == 200, saved.json
    assert saved.json["next_run_at"] == START.isoformat()
    assert checkins.container.run_due_rounds() == 1


@pytest.mark.parametrize(("first_run_at", "message"), [
    ("2026-03-05T10:00:00", "Give the UTC offset too, as 2026-03-09T09:00:00+01:00: without it "
                            "the moment is not known."),
    ("next Monday", "Not a date and time: give one in ISO 8601 with its UTC offset, as "
                    "2026-03-09T09:00:00+01:00."),
    ("2026-02-30T10:00:00+01:00", "Not a date and time: give one in ISO 8601 with its UTC "
                                  "offset, as 2026-03-09T09:00:00+01:00.")],
    ids=["no offset", "words", "no such day"])
def test_a_first_round_time_that_is_no_moment_is_refused_saying_what_to_give(checkins, world,
                                                                              first_run_at,
                                                                              message):
    """A time without its offset was refused as "Not a valid aware datetime." and one that
    is no time at all as "Not a valid datetime.": neither said what the field takes."""
    lead = world.member("Lena", role="lead")
    response = call(checkins, "PUT", f"/v1/teams/{world.team_id}/pairing-schedule",
                    world.as_(lead), {"every_days": 7, "first_run_at": first_run_at})
    assert response.status_code == 422, response.json
    assert response.json["errors"] == {"first_run_at": [message]}


def test_a_schedule_answers_its_first_round_in_utc_as_it_reads_back(checkins, world):
    """Lena saves the first round for 12:00 in Tokyo: the PUT answered it as given, +09:00,
    where every other time the API gives (the same schedule read back included) is in UTC;
    the two answers named the same moment in different words. Both say 03:00 UTC now."""
    lead = world.member("Lena", role="lead")
    path = f"/v1/teams/{world.team_id}/pairing-schedule"

    saved = call(checkins, "PUT", path, world.as_(lead),
                 {"every_days": 7, "first_run_at": "2026-03-05T12:00:00+09:00"})

    assert saved.status_code == 200, saved.json
    assert saved.json["next_run_at"] == "2026-03-05T03:00:00+00:00"
    assert call(checkins, "GET", path, world.as_(lead)).json == saved.json


@pytest.mark.parametrize("cursor", [[10**30], [2**63], [True], [1.5], ["3"], [None]])
def test_a_rounds_cursor_a_database_cannot_compare_is_a_400(checkins, world, cursor):
    lead = world.member("Lena", role="lead")
    response = call(checkins, "GET", f"/v1/teams/{world.team_id}/pairing-rounds?cursor="
                    f"{encode_cursor(cursor)}", world.as_(lead))
    assert response.status_code == 400, response.json
    assert "cursor is not valid" in response.json["detail"]


def test_a_round_does_not_pair_partners_by_choice_again(checkins, world):
    """Ola and Pia chose each other: whatever the seed, a round pairs them with others, and
    their own partnership stays the one they have (never two active ones for one pair)."""
    lead = world.member("Lena", role="lead")
    ola, pia = world.member("Ola"), world.member("Pia")
    world.member("Max")
    invited = call(checkins, "POST", f"/v1/teams/{world.team_id}/partnerships", world.as_(ola),
                   {"member_id": pia})
    call(checkins, "POST", f"/v1/teams/{world.team_id}/partnerships/{invited.json['id']}/accept",
         world.as_(pia))
    for seed in range(8):
        ran = call(checkins, "POST", f"/v1/teams/{world.team_id}/pairing-rounds",
                   world.as_(lead), {"seed": seed, "cooldown": 0})
        assert ran.status_code == 201, ran.json
        listed = call(checkins, "GET", f"/v1/teams/{world.team_id}/partnerships?limit=200",
                      world.as_(lead)).json["items"]
        pairs = [frozenset(p) for item in listed if item["status"] == "active"
                 for p in combinations(item["member_ids"], 2)]
        assert len(pairs) == len(set(pairs)), (seed, listed)
        assert frozenset((ola, pia)) in pairs  # their own partnership is still there


def test_a_round_that_must_group_partners_by_choice_says_so_not_that_a_round_paired_them(
        checkins, world):
    """Ola and Pia chose each other; Lena, the lead, runs the team's first round: three people
    make one trio, so the two share it. The round said "no grouping avoids partners from the
    last 3 round(s)" when no round had ever paired anyone; it now names why they repeat."""
    lead = world.member("Lena", role="lead")
    ola, pia = world.member("Ola"), world.member("Pia")
    invited = call(checkins, "POST", f"/v1/teams/{world.team_id}/partnerships", world.as_(ola),
                   {"member_id": pia})
    call(checkins, "POST", f"/v1/teams/{world.team_id}/partnerships/{invited.json['id']}/accept",
         world.as_(pia))

    first = run_round(checkins, world, lead, seed=1)

    assert first["groups"] == [sorted([lead, ola, pia])]
    assert first["repeats"] == [sorted([ola, pia])]
    assert first["note"] == "no grouping avoids partners by choice; 1 pair(s) repeat"


def active_groups(checkins, world, lead) -> list[list[str]]:
    listed = call(checkins, "GET", f"/v1/teams/{world.team_id}/partnerships?limit=200",
                  world.as_(lead)).json["items"]
    return sorted(item["member_ids"] for item in listed if item["status"] == "active")


def test_when_one_of_a_trio_leaves_the_team_the_other_two_stay_partners(checkins, world):
    """A round of three makes one trio. Max leaves the team mid-round: Lena and Ola lost
    their partner too (the whole trio ended), so their misses went past any partner to the
    lead. Now they go on as partners of the same round (partners.paired for the two)."""
    lead, ola, max_ = world.member("Lena", role="lead"), world.member("Ola"), world.member("Max")
    result = run_round(checkins, world, lead, seed=1)
    assert result["groups"] == [sorted([lead, ola, max_])]

    world.update_member(max_, state="left")
    world.update_member(max_, state="left")  # delivered twice: changes nothing more

    assert active_groups(checkins, world, lead) == [sorted([lead, ola])]
    [ended] = world.published("partnership.ended")
    assert sorted(ended["member_ids"]) == sorted([lead, ola, max_])
    continued = world.published("partners.paired")[-1]
    assert (continued["member_ids"], continued["round_id"]) == (sorted([lead, ola]),
                                                                result["id"])


def test_when_one_of_a_trio_ends_the_partnership_the_other_two_stay_partners(checkins, world):
    lead, ola, max_ = world.member("Lena", role="lead"), world.member("Ola"), world.member("Max")
    run_round(checkins, world, lead, seed=1)
    [trio] = call(checkins, "GET", f"/v1/teams/{world.team_id}/partnerships",
                  world.as_(lead)).json["items"]

    ended = call(checkins, "POST", f"/v1/teams/{world.team_id}/partnerships/{trio['id']}/end",
                 world.as_(max_))

    assert (ended.status_code, ended.json["status"], ended.json["ended_by"]) == (200, "ended",
                                                                                max_)
    assert active_groups(checkins, world, lead) == [sorted([lead, ola])]


def test_partners_in_a_trio_cannot_invite_each_other_again(checkins, world):
    """A round of three made Lena, Ola and Max partners. Ola's invitation to Max was taken
    (201), and once Max accepted they were partners twice over, where a pair already partnered
    or invited is refused (409): only a partnership of exactly the two counted."""
    lead, ola, max_ = world.member("Lena", role="lead"), world.member("Ola"), world.member("Max")
    assert run_round(checkins, world, lead, seed=1)["groups"] == [sorted([lead, ola, max_])]

    invite = call(checkins, "POST", f"/v1/teams/{world.team_id}/partnerships", world.as_(ola),
                  {"member_id": max_})

    assert invite.status_code == 409, invite.json
    assert invite.json["detail"] == ("you are already partners, or an invitation between you "
                                     "is open")
    assert active_groups(checkins, world, lead) == [sorted([lead, ola, max_])]
    herself = call(checkins, "POST", f"/v1/teams/{world.team_id}/partnerships", world.as_(ola),
                   {"member_id": ola})
    assert (herself.status_code, herself.json["detail"]) == (
        409, "you cannot be your own accountability partner")


def test_an_invitation_between_partners_paired_since_cannot_be_accepted(checkins, world):
    """Ola invited Max; before he answered, a round put them in a trio with Lena. Accepting
    made them partners twice over (200, two active partnerships holding both); it is now
    refused (409) with what to do, and the trio stays as it was."""
    lead, ola, max_ = world.member("Lena", role="lead"), world.member("Ola"), world.member("Max")
    base = f"/v1/teams/{world.team_id}/partnerships"
    invited = call(checkins, "POST", base, world.as_(ola), {"member_id": max_})
    assert run_round(checkins, world, lead, seed=1)["groups"] == [sorted([lead, ola, max_])]

    accepted = call(checkins, "POST", f"{base}/{invited.json['id']}/accept", world.as_(max_))

    assert accepted.status_code == 409, accepted.json
    assert accepted.json["detail"] == ("you are already partners in another active "
                                       "partnership; decline this invitation instead")
    assert active_groups(checkins, world, lead) == [sorted([lead, ola, max_])]
    declined = call(checkins, "POST", f"{base}/{invited.json['id']}/end", world.as_(max_))
    assert (declined.status_code, declined.json["status"]) == (200, "declined")
