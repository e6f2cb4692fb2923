"""A member's Slack user id typed in lower case is Slack's id in upper case, on every field of
the goals API that takes one (a new team's lead, a new member, a profile change)."""

from __future__ import annotations

import re

from tests.goals.helpers import outbox
from tests.support.seed import add_member, create_team
from tests.support.stack import ADMIN_TOKEN, auth


def test_a_lowercase_slack_user_id_is_kept_in_upper_case(goals):
    """'u0123abcd' was refused with 422 'a Slack user id such as U024BE7LH', though it names
    U0123ABCD (Slack's ids are upper case; one copied by hand often is not)."""
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    lead = {"name": "Ada", "email": "ada@example.com", "timezone": "UTC"}
    answers = [
        goals.client.post("/v1/teams", headers=auth(ADMIN_TOKEN), json={
            "name": "Ops", "timezone": "UTC", "lead": {**lead, "slack_user_id": "u0123abcd"}}),
        goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
            "name": "Ben", "email": "ben@example.com", "timezone": "UTC",
            "slack_user_id": "u0456efgh"}),
        goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}", headers=auth(token),
                           json={"slack_user_id": "w0789ijkl"}),
    ]

    assert [a.status_code for a in answers] == [201, 201, 200], [a.json for a in answers]
    assert answers[0].json["lead"]["slack_user_id"] == "U0123ABCD", answers[0].json
    members = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(team.lead)).json
    assert {m["name"]: m["slack_user_id"] for m in members["items"]} == {
        "Lena": None, "Max": "W0789IJKL", "Ben": "U0456EFGH"}
    sent = {e.get("slack_user_id") for e in outbox(goals) if e.get("member_id")}
    assert {"U0123ABCD", "U0456EFGH", "W0789IJKL"} <= sent
    assert not {"u0123abcd", "u0456efgh", "w0789ijkl"} & sent


def test_a_lowercase_slack_user_id_of_a_teammate_is_refused_as_theirs(goals):
    """The same Slack user in lower case is the teammate's: 409, not a second member acting
    as the same Slack user."""
    team = create_team(goals)
    ana_id, _ = add_member(goals, team, "Ana", slack_user_id="UANA")
    added = goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
        "name": "Ben", "email": "ben@example.com", "timezone": "UTC", "slack_user_id": "uana"})
    assert added.status_code == 409, added.json
    assert added.json["errors"] == {"slack_user_id": [
        f"Already the Slack user of Ana (member {ana_id})."]}


def test_the_spec_takes_the_lowercase_slack_user_ids_the_api_takes(goals):
    """The spec's pattern is what the API takes: a client (or a fuzzer) checking 'u0123abcd'
    against it was told it is refused, and the API took it."""
    spec = goals.client.get("/openapi.json").json
    patterns = {
        schema: prop["pattern"] for schema, body in spec["components"]["schemas"].items()
        for name, prop in body.get("properties", {}).items() if name == "slack_user_id"
        and "pattern" in prop}
    assert patterns, "no slack_user_id pattern in the spec"
    for schema, pattern in patterns.items():
        for taken in ("u0123abcd", "U0123ABCD", "w0789IJkl", " U0123ABCD "):
            assert re.search(pattern, taken), (schema, pattern, taken)
        for refused in ("x0123", "u/ana", "U0"):
            assert not re.search(pattern, refused), (schema, pattern, refused)


def test_a_slack_user_id_pasted_with_spaces_around_it_is_kept_without_them(goals):
    """' U0123ABCD' (pasted from Slack's profile) was refused with 422 'a Slack user id such
    as U024BE7LH', though it names U0123ABCD."""
    team = create_team(goals)
    added = goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
        "name": "Ben", "email": "ben@example.com", "timezone": "UTC",
        "slack_user_id": " u0123abcd "})
    assert added.status_code == 201, added.json
    assert added.json["slack_user_id"] == "U0123ABCD", added.json
    assert "U0123ABCD" in {e.get("slack_user_id") for e in outbox(goals) if e.get("member_id")}
