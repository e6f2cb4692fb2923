"""The check-ins API on both engines: logging, idempotency, edits, history, streaks, kudos."""

from __future__ import annotations

import base64
from collections import Counter
from datetime import UTC, datetime

import pytest

from shared.pagination import encode_cursor
from tests.checkins.conftest import START, World
from tests.support.races import at_once


def post(service, path: str, headers: dict, body: dict, key: str | None = None, client=None):
    if key is not None:
        headers = {**headers, "Idempotency-Key": key}
    return (client or service.client).post(path, headers=headers, json=body)


def test_a_checkin_is_logged_and_announced_with_milestones_and_partners(checkins, world):
    owner, partner = world.member("Ola"), world.member("Pia")
    goal = world.goal(owner, milestones=[
        {"milestone_id": "m1", "title": "Design", "due_date": None, "done": False}])
    invite = post(checkins, f"/v1/teams/{world.team_id}/partnerships", world.as_(owner),
                  {"member_id": partner})
    checkins.client.post(f"/v1/teams/{world.team_id}/partnerships/{invite.json['id']}/accept",
                         headers=world.as_(partner))

    body = world.checkin(goal, owner, value=4, note="halfway", confidence=4,
                         blockers="waiting on design", completed_milestones=["m1"])

    assert (body["value"], body["completed_milestones"], body["source"]) == (4, ["m1"], "api")
    [logged] = world.published("checkin.logged")
    assert (logged["checkin_id"], logged["partner_ids"], logged["blockers"]) == (
        body["id"], [partner], "waiting on design")


@pytest.mark.parametrize(("body", "fields"), [
    ({"note": "no number"}, {"value"}),
    ({"value": 1, "delta": 2}, {"delta"}),
    ({"value": 1, "confidence": 6}, {"confidence"}),
    ({"value": 1, "completed_milestones": ["nope"]}, {"completed_milestones"}),
    ({"value": "many"}, {"value"}),
])
def test_invalid_checkins_get_422_naming_the_field(checkins, world, body, fields):
    owner = world.member("Ola")
    goal = world.goal(owner)
    response = post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner), body)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    assert set(response.json["errors"]) == fields
    assert world.published("checkin.logged") == []


BEYOND_A_GOAL = ("Must be between -1,000,000,000,000 and 1,000,000,000,000, as a goal's metric "
                 "figures are.")


def test_a_figure_beyond_what_a_goal_holds_is_refused_naming_it(checkins, world):
    """A value or delta of 1e308 was logged (201) and announced, though goals holds a metric's
    figures within ±10^12 and adds a delta to the current value: two such deltas took it to
    infinity. Within the bounds, as a correction too, it is refused saying them."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    logged = world.checkin(goal, owner, value=1e12)

    answers = [post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner), body)
               for body in ({"value": 1e13}, {"delta": 1e308}, {"delta": -1e308})]
    corrected = checkins.client.patch(f"/v1/checkins/{logged['id']}", headers=world.as_(owner),
                                      json={"delta": 1.5e12})

    assert [(a.status_code, a.json["errors"]) for a in [*answers, corrected]] == [
        (422, {"value": [BEYOND_A_GOAL]}), (422, {"delta": [BEYOND_A_GOAL]}),
        (422, {"delta": [BEYOND_A_GOAL]}), (422, {"delta": [BEYOND_A_GOAL]})]
    assert [e["checkin_id"] for e in world.published("checkin.logged", "checkin.edited")] == [
        logged["id"]]


NO_METRIC = "This goal has no metric: check in the milestones you completed, or a note."


def test_a_goal_without_a_metric_takes_no_value_or_delta_naming_the_field(checkins, world):
    """A milestones-only goal took a check-in of value 3 (201, announced), a figure that moved
    nothing: goals has no metric to set. A value or a delta on it is refused naming the field,
    as a correction giving one is; its milestones and a note are logged."""
    owner = world.member("Ola")
    goal = world.goal(owner, "Read more", metric=False, milestones=[
        {"milestone_id": "m1", "title": "Chapter one", "due_date": None, "done": False}])

    answers = [post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner), body)
               for body in ({"value": 3}, {"delta": 1, "completed_milestones": ["m1"]})]
    logged = world.checkin(goal, owner, note="done", completed_milestones=["m1"])
    corrected = checkins.client.patch(f"/v1/checkins/{logged['id']}", headers=world.as_(owner),
                                      json={"value": 2})

    assert [(a.status_code, a.json["errors"]) for a in [*answers, corrected]] == [
        (422, {"value": [NO_METRIC]}), (422, {"delta": [NO_METRIC]}),
        (422, {"value": [NO_METRIC]})]
    assert answers[0].json["detail"] == (
        "goal “Read more” has no metric, so it takes no value or delta: check in the "
        "milestones you completed, or a note")
    assert [e["checkin_id"] for e in world.published("checkin.logged", "checkin.edited")] == [
        logged["id"]]


def test_a_milestone_named_twice_in_a_check_in_is_refused_naming_it(checkins, world):
    """A check-in completing ["m1", "m1"] was logged so (201), answered and announced with
    the milestone twice; as a correction too."""
    owner = world.member("Ola")
    goal = world.goal(owner, milestones=[
        {"milestone_id": m, "title": m, "due_date": None, "done": False} for m in ("m1", "m2")])
    logged = world.checkin(goal, owner, value=1)

    logging = post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner),
                   {"value": 2, "completed_milestones": ["m2", "m1", "m2", "m1"]})
    correcting = checkins.client.patch(f"/v1/checkins/{logged['id']}", headers=world.as_(owner),
                                       json={"completed_milestones": ["m1", "m1"]})

    assert [(a.status_code, a.json["errors"]) for a in (logging, correcting)] == [
        (422, {"completed_milestones": ["Name each milestone once; named more than once: "
                                        "m1, m2."]}),
        (422, {"completed_milestones": ["Name each milestone once; named more than once: "
                                        "m1."]})]
    assert [e["checkin_id"] for e in world.published("checkin.logged", "checkin.edited")] == [
        logged["id"]]
    schemas = checkins.client.get("/openapi.json").json["components"]["schemas"]
    assert [schemas[s]["properties"]["completed_milestones"].get("uniqueItems")
            for s in ("CheckinIn", "CheckinPatch")] == [True, True]


@pytest.mark.parametrize(("status", "words"), [
    ("draft", "a draft"), ("achieved", "achieved"), ("partial", "closed as partly reached"),
    ("dropped", "closed as dropped")])
def test_only_active_goals_take_checkins_saying_the_status_in_words(checkins, world, status,
                                                                    words):
    """The refusal (read verbatim in the web app and a Slack DM) said "is partial"."""
    owner = world.member("Ola")
    goal = world.goal(owner, "Run 100 km", status=status)
    response = post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner), {"value": 1})
    assert response.status_code == 409
    assert response.json["detail"] == (
        f"goal “Run 100 km” is {words}; only active goals take check-ins")


def test_only_the_owner_checks_in_on_a_personal_goal_anyone_on_a_team_goal(checkins, world):
    owner, mate = world.member("Ola"), world.member("Max")
    personal = world.goal(owner, "Personal")
    shared = world.goal(owner, "Shared", kind="team")
    assert post(checkins, f"/v1/goals/{personal}/checkins", world.as_(mate),
                {"value": 1}).status_code == 403
    assert post(checkins, f"/v1/goals/{shared}/checkins", world.as_(mate),
                {"value": 1}).status_code == 201


def test_a_logged_check_in_is_answered_as_it_reads_back_kudos_included(checkins, world):
    """The POST's 201 left out `kudos`, which the API's schema of a check-in names and every
    read of it gives ({} until someone reacts), so a client keeping the answer as the check-in
    had no kudos to show or count; its replay under the Idempotency-Key left it out too."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    headers = {**world.as_(owner), "Idempotency-Key": "log-1"}

    logged = post(checkins, f"/v1/goals/{goal}/checkins", headers, {"value": 2})
    replayed = post(checkins, f"/v1/goals/{goal}/checkins", headers, {"value": 2})

    assert logged.status_code == 201, logged.json
    read = checkins.client.get(f"/v1/checkins/{logged.json['id']}", headers=world.as_(owner))
    assert logged.json == read.json and logged.json["kudos"] == {}
    assert replayed.json == logged.json


def test_a_retried_post_with_the_same_key_returns_the_first_response(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    path = f"/v1/goals/{goal}/checkins"
    first = post(checkins, path, world.as_(owner), {"value": 2, "note": "x"}, key="k-1")
    again = post(checkins, path, world.as_(owner), {"note": "x", "value": 2}, key="k-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(world.published("checkin.logged")) == 1
    other_key = post(checkins, path, world.as_(owner), {"value": 2, "note": "x"}, key="k-2")
    assert other_key.json["id"] != first.json["id"]


def test_the_same_key_with_a_different_body_is_refused(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    path = f"/v1/goals/{goal}/checkins"
    post(checkins, path, world.as_(owner), {"value": 2}, key="k-1")
    response = post(checkins, path, world.as_(owner), {"value": 3}, key="k-1")
    assert response.status_code == 422
    assert "different request body" in response.json["detail"]
    assert len(world.published("checkin.logged")) == 1


def test_keys_are_scoped_to_the_member(checkins, world):
    owner, mate = world.member("Ola"), world.member("Max")
    goal = world.goal(owner, kind="team")
    path = f"/v1/goals/{goal}/checkins"
    a = post(checkins, path, world.as_(owner), {"value": 1}, key="same")
    b = post(checkins, path, world.as_(mate), {"value": 1}, key="same")
    assert a.json["id"] != b.json["id"] and len(world.published("checkin.logged")) == 2


@pytest.mark.parametrize("key", ["", "x" * 256])
def test_a_malformed_idempotency_key_is_a_400(checkins, world, key):
    owner = world.member("Ola")
    goal = world.goal(owner)
    response = post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner), {"value": 1},
                    key=key)
    assert response.status_code == 400 and "Idempotency-Key" in response.json["detail"]


def test_an_idempotent_post_retried_concurrently_from_two_threads_logs_once(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    headers = world.as_(owner)

    def send(attempt: int):
        return lambda: post(checkins, f"/v1/goals/{goal}/checkins", headers, {"value": attempt},
                            key=f"race-{attempt}", client=checkins.app.test_client())

    for attempt in range(4):
        answers = at_once(send(attempt), send(attempt))
        assert [a.status_code for a in answers] == [201, 201]
        assert answers[0].json["id"] == answers[1].json["id"]
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    listed = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=headers).json["items"]
    assert len(listed) == 4
    assert len(world.published("checkin.logged")) == 4


def test_the_author_edits_within_the_window_and_not_after(checkins, world, clock):
    owner, mate = world.member("Ola"), world.member("Max")
    goal = world.goal(owner)
    checkin = world.checkin(goal, owner, value=4, note="typo")
    clock.advance(hours=23)

    edited = checkins.client.patch(f"/v1/checkins/{checkin['id']}", headers=world.as_(owner),
                                   json={"note": "fixed"})
    assert edited.status_code == 200, edited.json
    assert (edited.json["note"], edited.json["value"]) == ("fixed", 4)
    assert [e["note"] for e in world.published("checkin.edited")] == ["fixed"]

    by_mate = checkins.client.patch(f"/v1/checkins/{checkin['id']}", headers=world.as_(mate),
                                    json={"note": "mine"})
    assert by_mate.status_code == 403
    clock.advance(hours=2)
    late = checkins.client.patch(f"/v1/checkins/{checkin['id']}", headers=world.as_(owner),
                                 json={"note": "too late"})
    assert late.status_code == 409 and "edited for 24h" in late.json["detail"]
    invalid = checkins.client.patch(f"/v1/checkins/{checkin['id']}", headers=world.as_(owner),
                                    json={"value": None})
    assert invalid.status_code in (409, 422)


def test_a_check_in_of_a_closed_goal_keeps_its_figure_but_not_its_note(checkins, world):
    """A closed goal keeps its metric and milestones as they were until it is reopened: the
    goals service leaves a corrected figure unapplied. Checkins still took the correction
    (200) and showed 8 in the history while the goal went on saying 5; it is now a 409 that
    says why, and the note can still be fixed."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    checkin = world.checkin(goal, owner, value=5)
    world.update_goal(goal, event="goal.closed", status="missed", outcome="missed")
    path = f"/v1/checkins/{checkin['id']}"

    moved = checkins.client.patch(path, headers=world.as_(owner), json={"value": 8})

    assert moved.status_code == 409, moved.json
    assert moved.json["detail"] == ("goal “Ship the onboarding flow” is missed: its check-ins "
                                    "keep their figures until it is reopened; the note, "
                                    "confidence and blockers can still be corrected")
    history = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(owner)).json
    assert [c["value"] for c in history["items"]] == [5]
    noted = checkins.client.patch(path, headers=world.as_(owner), json={"note": "late fix"})
    assert (noted.status_code, noted.json["value"], noted.json["note"]) == (200, 5, "late fix")
    assert [(e["value"], e["note"]) for e in world.published("checkin.edited")] == [
        (5, "late fix")]


def test_a_correction_turns_a_delta_into_a_value_and_back(checkins, world):
    """Giving `value` alone replaces the delta the check-in had (a 422 "not both" before, on a
    `delta` the member never sent); both at once is still refused."""
    owner = world.member("Ola")
    checkin = world.checkin(world.goal(owner), owner, delta=2)
    path, headers = f"/v1/checkins/{checkin['id']}", world.as_(owner)

    to_value = checkins.client.patch(path, headers=headers, json={"value": 5})
    assert to_value.status_code == 200, to_value.json
    assert (to_value.json["value"], to_value.json["delta"]) == (5, None)
    back = checkins.client.patch(path, headers=headers, json={"delta": 3})
    assert back.status_code == 200, back.json
    assert (back.json["value"], back.json["delta"]) == (None, 3)
    both = checkins.client.patch(path, headers=headers, json={"value": 5, "delta": 1})
    assert both.status_code == 422 and "not both" in both.json["detail"]
    assert [(e["value"], e["delta"], e["previous_value"], e["previous_delta"])
            for e in world.published("checkin.edited")] == [(5, None, None, 2), (None, 3, 5, None)]


def test_a_correction_is_not_refused_for_what_the_goal_changed_since_the_check_in(
        checkins, world):
    """Ola's check-in completed milestone m1; her goal then switched to a pathway without it.
    Fixing a typo in its note was a 422 "Not milestones of this goal: m1", and on a goal that
    gained a metric after a check-in without a figure, a 422 asking for a value: a correction
    was refused for what it kept, not for what it changed. Now what the check-in already said
    stands; what a correction names anew is checked against the goal as it is."""
    owner = world.member("Ola")
    planned = world.goal(owner, milestones=[
        {"milestone_id": "m1", "title": "Design", "due_date": None, "done": False}])
    done = world.checkin(planned, owner, value=4, note="hafway", completed_milestones=["m1"])
    world.update_goal(planned, event="goal.pathway_switched", pathway_id="p2",
                      pathway_name="Plan B", milestones=[
                          {"milestone_id": "m2", "title": "Buy", "due_date": None,
                           "done": False}])
    unmeasured = world.goal(owner, "Read more", metric=False)
    read = world.checkin(unmeasured, owner, note="a chapter")
    world.update_goal(unmeasured, metric={"unit": "books", "start": 0, "target": 5,
                                          "current": 0})
    headers = world.as_(owner)

    noted = checkins.client.patch(f"/v1/checkins/{done['id']}", headers=headers,
                                  json={"note": "halfway"})
    reworded = checkins.client.patch(f"/v1/checkins/{read['id']}", headers=headers,
                                     json={"note": "two chapters"})
    named = checkins.client.patch(f"/v1/checkins/{done['id']}", headers=headers,
                                  json={"completed_milestones": ["m1", "m3"]})
    unfigured = checkins.client.patch(f"/v1/checkins/{done['id']}", headers=headers,
                                      json={"value": None})

    assert (noted.status_code, noted.json["note"], noted.json["completed_milestones"]) == (
        200, "halfway", ["m1"]), noted.json
    assert (reworded.status_code, reworded.json["note"], reworded.json["value"]) == (
        200, "two chapters", None), reworded.json
    assert (named.status_code, named.json["errors"]) == (
        422, {"completed_milestones": ["Not milestones of this goal: m3."]}), named.json
    assert (unfigured.status_code, unfigured.json["errors"]) == (
        422, {"value": ["Give value or delta for a metric goal."]}), unfigured.json
    assert [e["note"] for e in world.published("checkin.edited")] == ["halfway", "two chapters"]


def test_an_empty_correction_is_refused_and_one_repeating_the_check_in_changes_nothing(
        checkins, world, clock):
    """A PATCH of `{}` answered 200 and published checkin.edited, and one repeating what the
    check-in says moved its edited time too: partners were told of an edit nobody made. An
    empty body is a 422 naming what can be sent; a repeat answers the check-in as it is."""
    owner = world.member("Ola")
    checkin = world.checkin(world.goal(owner), owner, value=4, note="halfway")
    path, headers = f"/v1/checkins/{checkin['id']}", world.as_(owner)
    clock.advance(hours=1)

    empty = checkins.client.patch(path, headers=headers, json={})
    repeated = checkins.client.patch(path, headers=headers, json={"value": 4, "note": "halfway"})

    assert empty.status_code == 422, empty.json
    assert empty.json["detail"] == ("An empty body changes nothing; send at least one of: "
                                    "value, delta, note, confidence, blockers, "
                                    "completed_milestones.")
    assert repeated.status_code == 200, repeated.json
    assert repeated.json == checkins.client.get(path, headers=headers).json
    assert repeated.json["edited_at"] is None
    assert [e for e in world.published("checkin.edited")
            if e["checkin_id"] == checkin["id"]] == []


def test_history_is_paginated_newest_first(checkins, world, clock):
    owner = world.member("Ola")
    goal = world.goal(owner)
    ids = []
    for value in range(5):
        ids.append(world.checkin(goal, owner, value=value)["id"])
        clock.advance(minutes=1)
    pages, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(owner),
                                   query_string=query).json
        pages.append([item["id"] for item in page["items"]])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]
    bad = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(owner),
                              query_string={"cursor": "garbage!"})
    assert bad.status_code == 400


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00",
                                    "2026-03-04T12:00:00"])
def test_a_cursor_at_a_moment_utc_cannot_hold_or_without_its_offset_is_400(checkins, world,
                                                                           moment):
    """A tampered cursor whose moment is past year 9999 (or before year 1) in UTC, or has no
    UTC offset, is refused as any other tampered cursor is, before the database sees it."""
    owner = world.member("Ana")
    goal = world.goal(owner)
    cursor = encode_cursor([moment, "00000000-0000-4000-8000-000000000000"])
    response = checkins.client.get(f"/v1/goals/{goal}/checkins?cursor={cursor}",
                                   headers=world.as_(owner))
    assert response.status_code == 400, response.json
    assert response.json["detail"] == "cursor is not valid; pass next_cursor from a previous page"


@pytest.mark.parametrize("path", ["/v1/goals/{goal}/checkins", "/v1/checkins/{checkin}/comments"])
def test_a_cursor_naming_text_no_database_stores_is_a_400(checkins, world, path):
    """A cursor whose id is a lone surrogate ("\\ud800", valid JSON) reached the database: 500."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    checkin = world.checkin(goal, owner, value=1)
    cursor = encode_cursor(["2026-03-04T12:00:00+00:00", "\ud800"])
    answer = checkins.client.get(path.format(goal=goal, checkin=checkin["id"]),
                                 query_string={"cursor": cursor}, headers=world.as_(owner))
    assert answer.status_code == 400, answer.json
    assert answer.json["detail"] == "cursor is not valid; pass next_cursor from a previous page"


@pytest.mark.parametrize("path", [
    "/v1/goals/{goal}/checkins", "/v1/checkins/{checkin}/comments",
    "/v1/teams/{team}/partnerships", "/v1/teams/{team}/pairing-rounds",
    "/v1/teams/{team}/checkins-due"])
def test_a_cursor_nesting_lists_deeper_than_python_reads_is_a_400(checkins, world, path):
    """A cursor of 1,000 nested lists (1,336 characters, well inside any URL) is JSON Python
    cannot read without running out of stack: it was a 500."""
    owner = world.member("Ola", role="lead")
    goal = world.goal(owner)
    checkin = world.checkin(goal, owner, value=1)
    cursor = base64.urlsafe_b64encode(b"[" * 1000 + b"]" * 1000).decode().rstrip("=")
    answer = checkins.client.get(path.format(goal=goal, checkin=checkin["id"],
                                             team=world.team_id),
                                 query_string={"cursor": cursor}, headers=world.as_(owner))
    assert answer.status_code == 400, answer.json
    assert answer.json["detail"] == "cursor is not valid; pass next_cursor from a previous page"


def test_a_number_too_long_to_read_is_a_400_as_any_malformed_json(checkins, world):
    """An integer of 5000 digits is JSON Python refuses to read: it was a 500."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    answer = checkins.client.post(f"/v1/goals/{goal}/checkins", headers=world.as_(owner),
                                  data='{"value": ' + "9" * 5000 + "}",
                                  content_type="application/json")
    assert answer.status_code == 400, answer.json
    assert answer.json["errors"] == {"_schema": ["Invalid JSON body."]}
    assert world.published("checkin.logged") == []


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_sent_as_another_type_than_json_is_a_415_saying_so(checkins, world, content_type):
    """A check-in body sent as text/plain was read as no body: 422 "a check-in on a metric
    goal needs a value or a delta", to a client that gave a value."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    headers = {**world.as_(owner), **({"Content-Type": content_type} if content_type else {})}
    answer = checkins.client.post(f"/v1/goals/{goal}/checkins", headers=headers,
                                  data='{"value": 3}')
    assert answer.status_code == 415, answer.json
    assert answer.json["detail"] == (
        f"Send the body as application/json; it came as {content_type or 'no Content-Type'}.")
    assert world.published("checkin.logged") == []


def test_malformed_json_is_a_400_saying_where(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    answer = checkins.client.post(f"/v1/goals/{goal}/checkins", headers=world.as_(owner),
                                  data='{"value": 3,}', content_type="application/json")
    assert answer.status_code == 400, answer.json
    assert answer.json["detail"] == ("The body is not valid JSON: Expecting property name "
                                     "enclosed in double quotes: line 1 column 13 (char 12).")


@pytest.mark.parametrize("field", ["note", "blockers"])
def test_a_check_in_text_with_a_control_character_is_refused_by_name(checkins, world, field):
    """A note pasted from a terminal ("\\x1b[31m") or with a bell was logged and announced to
    Slack, mail and the page as sent; goals refuses such text in its own fields. Line breaks
    and tabs are text."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    refused = post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner),
                   {"value": 1, field: "\x1b[31mshipped\x07"})
    kept = post(checkins, f"/v1/goals/{goal}/checkins", world.as_(owner),
                {"value": 2, field: "shipped\n\tand tested"})
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"] == {field: ["Must not contain control characters."]}
    assert kept.status_code == 201, kept.json
    assert [c["checkin_id"] for c in world.published("checkin.logged")] == [kept.json["id"]]


def test_a_comment_with_a_control_character_is_refused_by_name(checkins, world):
    owner, mate = world.member("Ola"), world.member("Max")
    checkin = world.checkin(world.goal(owner), owner, value=1)
    answer = post(checkins, f"/v1/checkins/{checkin['id']}/comments", world.as_(mate),
                  {"text": "ding\x07"})
    assert answer.status_code == 422, answer.json
    assert answer.json["errors"] == {"text": ["Must not contain control characters."]}
    assert world.published("comment.added") == []


def test_an_empty_or_blank_comment_is_refused_as_blank_and_a_long_one_for_its_length(
        checkins, world):
    """An empty comment was refused with "Length must be between 1 and 2000." and one of spaces
    with "Must not be blank.": both now say it is blank, in the words goals uses for a blank
    title; a comment too long still says its length. Nothing is added."""
    owner, mate = world.member("Ola"), world.member("Max")
    checkin = world.checkin(world.goal(owner), owner, value=1)

    answers = [post(checkins, f"/v1/checkins/{checkin['id']}/comments", world.as_(mate),
                    {"text": text}) for text in ("", "  \n ", "x" * 2001)]

    assert [(a.status_code, a.json["errors"]) for a in answers] == [
        (422, {"text": ["Must not be blank."]}), (422, {"text": ["Must not be blank."]}),
        (422, {"text": ["Length must be between 1 and 2000."]})]
    assert world.published("comment.added") == []


def test_a_goals_check_ins_say_when_any_of_them_was_last_logged_or_corrected(
        checkins, world, clock):
    """A reader keeping every check-in of a goal (the web's pace chart) could only compare the
    newest one, so it never saw an older one corrected. A page now says when any check-in of
    the goal was last logged or corrected (`changed_at`), on its first page, however many
    check-ins that page holds."""
    owner = world.member("Ola")
    goal = world.goal(owner)

    def newest_page() -> dict:
        return checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(owner),
                                   query_string={"limit": 1}).json

    assert newest_page()["changed_at"] is None
    older = world.checkin(goal, owner, value=1)
    clock.advance(minutes=1)
    newest = world.checkin(goal, owner, value=2)
    assert newest_page()["changed_at"] == newest["created_at"]
    clock.advance(minutes=1)
    corrected = checkins.client.patch(f"/v1/checkins/{older['id']}", headers=world.as_(owner),
                                      json={"value": 3})

    assert corrected.status_code == 200, corrected.json
    page = newest_page()
    assert [c["id"] for c in page["items"]] == [newest["id"]]
    assert page["changed_at"] == corrected.json["edited_at"] != newest["created_at"]
    older_page = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(owner),
                                     query_string={"limit": 1, "cursor": page["next_cursor"]})
    assert older_page.json["changed_at"] is None  # said once: an older page scans nothing more


def test_streaks_count_consecutive_periods_and_announce_milestones(checkins, world, clock):
    owner = world.member("Ola")
    goal = world.goal(owner, cadence={"frequency": "daily", "time": "09:00"})
    scheduler = checkins.container.advance_due_schedules
    clock.set(datetime(2026, 3, 4, 21, tzinfo=UTC))  # each day's period ends at 20:00Z (grace)
    for _ in range(3):
        world.checkin(goal, owner, value=1)
        world.checkin(goal, owner, value=2)  # a second check-in in a period counts once
        clock.advance(days=1)
        scheduler()
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"]) == (3, 3)
    # the milestone names its period, as the streak and the due list have it
    assert [(e["length"], e["frequency"]) for e in world.published("streak.reached")] == [
        (3, streak["frequency"])]
    assert streak["frequency"] == "daily"

    clock.advance(days=2)
    scheduler()
    streak = checkins.client.get(f"/v1/goals/{goal}/streak", headers=world.as_(owner)).json
    assert (streak["current"], streak["longest"]) == (0, 3)


EMOJI = ["©️", "®️", "1️⃣", "#️⃣", "👍🏽", "👩‍💻", "🇩🇪", "🏴󠁧󠁢󠁳󠁣󠁴󠁿", "❤️", "☕", "🏳️‍🌈",
         "👨‍👩‍👧", "‼️", "↔️", "ℹ️", "〽️"]
NOT_EMOJI = ["好", "ありがとう", "Ω", "١", "👍x", "1", "🎉🎉", "🇩🇪🇫🇷", "👍🏽👍", "☕❤️",
             "\u200d😀", "😀\u200d", "😀\u200d\u200d😀", "‼‼"]


def test_kudos_take_any_emoji_as_written_and_no_word_of_any_script(checkins, world):
    """Keycaps, ©️ and ®️ are emoji (they begin below U+2000), and so are ‼️ and ↔️ (not
    symbols to Unicode's categories, refused before); a CJK word is a word; two emoji are two
    kudos to give, not one (🎉🎉 was taken and counted apart from 🎉), and a joiner that joins
    nothing makes none."""
    owner, mate = world.member("Ola"), world.member("Max")
    checkin = world.checkin(world.goal(owner), owner, value=1)
    path = f"/v1/checkins/{checkin['id']}/kudos"
    given = {e: post(checkins, path, world.as_(mate), {"emoji": e}).status_code
             for e in EMOJI + NOT_EMOJI}
    assert given == {**{e: 201 for e in EMOJI}, **{e: 422 for e in NOT_EMOJI}}
    shown = checkins.client.get(f"/v1/checkins/{checkin['id']}", headers=world.as_(owner)).json
    assert shown["kudos"] == {e: 1 for e in EMOJI}


def test_a_heart_with_or_without_its_emoji_selector_is_one_kudos(checkins, world):
    """❤ (U+2764, as some keyboards write it) and ❤️ (the same with U+FE0F, as most do)
    counted as two emoji on a check-in, and one teammate could give both. Both are the heart
    written in full, ❤️: two teammates' count 2, and ❤️ after ❤ is the kudos given before."""
    owner, mate, other = world.member("Ola"), world.member("Max"), world.member("Pia")
    checkin = world.checkin(world.goal(owner), owner, value=1)
    path = f"/v1/checkins/{checkin['id']}"

    plain = post(checkins, f"{path}/kudos", world.as_(mate), {"emoji": "\u2764"})
    full = post(checkins, f"{path}/kudos", world.as_(other), {"emoji": "\u2764\ufe0f"})
    again = post(checkins, f"{path}/kudos", world.as_(mate), {"emoji": "\u2764\ufe0f"})

    assert [r.status_code for r in (plain, full, again)] == [201, 201, 200]
    assert again.json == plain.json and plain.json["emoji"] == "\u2764\ufe0f"
    shown = checkins.client.get(path, headers=world.as_(owner)).json
    assert shown["kudos"] == {"\u2764\ufe0f": 2}
    assert [k["emoji"] for k in world.published("kudos.given")] == ["\u2764\ufe0f"] * 2


def test_teammates_give_kudos_once_per_emoji_and_comment(checkins, world):
    owner, mate = world.member("Ola"), world.member("Max")
    goal = world.goal(owner)
    checkin = world.checkin(goal, owner, value=1)
    path = f"/v1/checkins/{checkin['id']}"

    first = post(checkins, f"{path}/kudos", world.as_(mate), {"emoji": "🎉"})
    again = post(checkins, f"{path}/kudos", world.as_(mate), {"emoji": "🎉"})
    other = post(checkins, f"{path}/kudos", world.as_(mate), {"emoji": ":rocket:"})
    own = post(checkins, f"{path}/kudos", world.as_(owner), {"emoji": "🎉"})
    word = post(checkins, f"{path}/kudos", world.as_(mate), {"emoji": "great"})
    assert [r.status_code for r in (first, again, other, own, word)] == [201, 200, 201, 403, 422]
    kudos = world.published("kudos.given")
    assert [(k["from_id"], k["to_id"], k["emoji"]) for k in kudos] == [
        (mate, owner, "🎉"), (mate, owner, ":rocket:")]
    shown = checkins.client.get(path, headers=world.as_(owner)).json
    assert shown["kudos"] == {"🎉": 1, ":rocket:": 1}

    comment = post(checkins, f"{path}/comments", world.as_(mate), {"text": "Nice work!"})
    blank = post(checkins, f"{path}/comments", world.as_(mate), {"text": "   "})
    invisible = post(checkins, f"{path}/comments", world.as_(mate), {"text": "\u200b\u200d"})
    assert (comment.status_code, blank.status_code, invisible.status_code) == (201, 422, 422)
    [added] = world.published("comment.added")
    assert (added["author_id"], added["to_id"], added["text"]) == (mate, owner, "Nice work!")
    listed = checkins.client.get(f"{path}/comments", headers=world.as_(owner)).json
    assert [c["text"] for c in listed["items"]] == ["Nice work!"]


def test_a_check_in_under_a_key_to_a_path_longer_than_any_goals_is_a_404(checkins, world):
    """An Idempotency-Key sent to a path of a 600-character goal id: the key was claimed with
    a path longer than the ledger holds, a 500 on PostgreSQL. Such a path names no goal: 404,
    as without a key."""
    owner = world.member("Ola")
    answer = post(checkins, f"/v1/goals/{'a' * 600}/checkins", world.as_(owner), {"value": 1},
                  key="long-path")
    assert answer.status_code == 404, answer.json


def test_a_comment_sent_again_under_its_idempotency_key_is_added_once(checkins, world):
    """A double-clicked or resent comment was added twice (two comment.added, two notices to
    the owner). Under one Idempotency-Key the second gets the first answer, marked replayed;
    another text under the same key is refused."""
    owner, mate = world.member("Ola"), world.member("Max")
    checkin = world.checkin(world.goal(owner), owner, value=1)
    path = f"/v1/checkins/{checkin['id']}/comments"

    first = post(checkins, path, world.as_(mate), {"text": "Nice work!"}, key="comment-1")
    again = post(checkins, path, world.as_(mate), {"text": "Nice work!"}, key="comment-1")
    other = post(checkins, path, world.as_(mate), {"text": "Great!"}, key="comment-1")

    assert (first.status_code, again.status_code, other.status_code) == (201, 201, 422)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert [c["comment_id"] for c in world.published("comment.added")] == [first.json["id"]]
    listed = checkins.client.get(path, headers=world.as_(owner)).json
    assert [c["id"] for c in listed["items"]] == [first.json["id"]]


def test_kudos_given_twice_at_once_count_once_and_both_are_answered_as_given(checkins, world):
    """The same kudos counts once (200 for the second). Two copies at the same moment (a
    double click) both found none and inserted: the unique key let one in and the other got a
    409 "these kudos were just given" for kudos that were given."""
    owner, mate = world.member("Ola"), world.member("Max")
    checkin = world.checkin(world.goal(owner), owner, value=1)
    path = f"/v1/checkins/{checkin['id']}/kudos"
    emoji = ["🎉", "👏", *(f":kudos_{n}:" for n in range(14))]  # a race in any fails it

    def send(given: str):
        return lambda: post(checkins, path, world.as_(mate), {"emoji": given},
                            client=checkins.app.test_client())

    for given in emoji:
        answers = at_once(send(given), send(given))
        assert sorted(a.status_code for a in answers) == [200, 201], [a.json for a in answers]
        assert answers[0].json["id"] == answers[1].json["id"]
    assert Counter(k["emoji"] for k in world.published("kudos.given")) == dict.fromkeys(emoji, 1)


def test_private_goal_checkins_are_seen_by_owner_partners_and_leads_only(checkins, world):
    owner, partner = world.member("Ola"), world.member("Pia")
    lead, other = world.member("Lena", role="lead"), world.member("Otto")
    goal = world.goal(owner, visibility="private")
    checkin = world.checkin(goal, owner, value=1)
    invite = post(checkins, f"/v1/teams/{world.team_id}/partnerships", world.as_(owner),
                  {"member_id": partner}).json
    accept = f"/v1/teams/{world.team_id}/partnerships/{invite['id']}"
    checkins.client.post(f"{accept}/accept", headers=world.as_(partner))

    def status(member: str) -> list[int]:
        headers = world.as_(member)
        return [
            checkins.client.get(f"/v1/goals/{goal}/checkins", headers=headers).status_code,
            checkins.client.get(f"/v1/checkins/{checkin['id']}", headers=headers).status_code,
            checkins.client.get(f"/v1/goals/{goal}/streak", headers=headers).status_code,
            post(checkins, f"/v1/checkins/{checkin['id']}/comments", headers,
                 {"text": "hi"}).status_code,
        ]

    assert status(owner) == [200, 200, 200, 201]
    assert status(partner) == [200, 200, 200, 201]
    assert status(lead) == [200, 200, 200, 201]
    assert status(other) == [404, 404, 404, 404]
    checkins.client.post(f"{accept}/end", headers=world.as_(owner))
    assert status(partner) == [404, 404, 404, 404]


def test_another_teams_token_gets_404_everywhere(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    checkin = world.checkin(goal, owner, value=1)
    invite = post(checkins, f"/v1/teams/{world.team_id}/partnerships", world.as_(owner),
                  {"member_id": world.member("Pia")}).json
    lead = world.member("Lena", role="lead")
    run = post(checkins, f"/v1/teams/{world.team_id}/pairing-rounds", world.as_(lead),
               {"seed": 1}).json

    stranger_team = World(checkins, team_tz="UTC")
    stranger = stranger_team.member("Sam", role="lead")
    headers = stranger_team.as_(stranger)
    team = f"/v1/teams/{world.team_id}"
    c = checkins.client
    answers = [
        c.post(f"/v1/goals/{goal}/checkins", headers=headers, json={"value": 1}),
        c.get(f"/v1/goals/{goal}/checkins", headers=headers),
        c.get(f"/v1/goals/{goal}/streak", headers=headers),
        c.get(f"/v1/checkins/{checkin['id']}", headers=headers),
        c.patch(f"/v1/checkins/{checkin['id']}", headers=headers, json={"note": "x"}),
        c.post(f"/v1/checkins/{checkin['id']}/kudos", headers=headers, json={"emoji": "🎉"}),
        c.post(f"/v1/checkins/{checkin['id']}/comments", headers=headers, json={"text": "x"}),
        c.get(f"/v1/checkins/{checkin['id']}/comments", headers=headers),
        c.post(f"{team}/partnerships", headers=headers, json={"member_id": owner}),
        c.get(f"{team}/partnerships", headers=headers),
        c.post(f"{team}/partnerships/{invite['id']}/accept", headers=headers),
        c.post(f"{team}/partnerships/{invite['id']}/end", headers=headers),
        c.put(f"{team}/members/{owner}/pairing", headers=headers, json={"opted_out": True}),
        c.get(f"{team}/members/{owner}/pairing", headers=headers),
        c.post(f"{team}/pairing-rounds", headers=headers, json={}),
        c.get(f"{team}/pairing-rounds", headers=headers),
        c.get(f"{team}/pairing-rounds/{run['id']}", headers=headers),
        c.put(f"{team}/pairing-schedule", headers=headers, json={"every_days": 7}),
        c.get(f"{team}/pairing-schedule", headers=headers),
        c.delete(f"{team}/pairing-schedule", headers=headers),
    ]
    assert [a.status_code for a in answers] == [404] * len(answers)
    # the goal, check-in and invitation are untouched
    assert len(world.published("checkin.logged")) == 1
    listed = c.get(f"{team}/partnerships", headers=world.as_(owner)).json["items"]
    assert {p["id"]: p["status"] for p in listed}[invite["id"]] == "invited"


def test_missing_or_bad_tokens_get_401(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    assert checkins.client.get(f"/v1/goals/{goal}/checkins").status_code == 401
    bad = {"Authorization": "Bearer gk1.bogus.sig"}
    assert checkins.client.get(f"/v1/goals/{goal}/checkins", headers=bad).status_code == 401


def test_a_member_who_left_is_refused_saying_so_as_goals_says_it(checkins, world):
    """Checkins said "token no longer valid: member not found" to a member who left, as to a
    member it never heard of: the one who left is told so, with the reason member_left."""
    owner, gone = world.member("Ola"), world.member("Max")
    goal = world.goal(owner)
    world.update_member(gone, state="left")

    answer = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(gone))

    assert answer.status_code == 401, answer.json
    assert answer.json["detail"] == "token no longer valid: you are no longer a member of the team"
    assert answer.json["reason"] == "member_left"


def test_timestamps_are_utc(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    body = world.checkin(goal, owner, value=1)
    assert datetime.fromisoformat(body["created_at"]) == START.astimezone(UTC)
