"""One-time invite links over HTTP, on both engines: issued by a lead, redeemed once, for 7 days."""

from __future__ import annotations

from tests.support.seed import add_member, create_team
from tests.support.stack import auth


def invite(goals, team, member_id: str):
    return goals.client.post(f"/v1/teams/{team.id}/members/{member_id}/invites",
                             headers=auth(team.lead))


def redeem(goals, code: str):
    return goals.client.post("/invites/redeem", json={"code": code})


def test_a_redeemed_invite_signs_the_member_in_with_a_working_token(goals):
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max")
    issued = invite(goals, team, member_id)
    assert issued.status_code == 201, issued.json

    signed_in = redeem(goals, issued.json["code"])

    assert signed_in.status_code == 200, signed_in.json
    assert signed_in.json["id"] == member_id and signed_in.json["name"] == "Max"
    me = goals.client.get(f"/v1/teams/{team.id}/members/{member_id}",
                          headers=auth(signed_in.json["token"]))
    assert me.status_code == 200


def test_an_invite_cannot_be_used_twice(goals):
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max")
    code = invite(goals, team, member_id).json["code"]
    assert redeem(goals, code).status_code == 200

    again = redeem(goals, code)

    assert again.status_code == 409
    assert "already used" in again.json["detail"] and "ask a lead" in again.json["detail"]


def test_an_invite_expires_after_seven_days(goals, clock):
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max")
    code = invite(goals, team, member_id).json["code"]

    clock.advance(days=7, seconds=1)
    late = redeem(goals, code)

    assert late.status_code == 409
    assert "expired" in late.json["detail"] and "ask a lead" in late.json["detail"]


def test_an_unknown_code_is_not_found(goals):
    assert redeem(goals, "not-a-real-code").status_code == 404


def test_only_a_lead_of_the_team_issues_invites(goals):
    team, other = create_team(goals), create_team(goals, name="Other")
    member_id, member_token = add_member(goals, team, "Max")

    by_member = goals.client.post(f"/v1/teams/{team.id}/members/{member_id}/invites",
                                  headers=auth(member_token))
    by_other_lead = goals.client.post(f"/v1/teams/{team.id}/members/{member_id}/invites",
                                      headers=auth(other.lead))

    assert by_member.status_code == 403
    assert by_other_lead.status_code == 404


def test_the_code_is_stored_only_as_a_hash(goals):
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max")
    code = invite(goals, team, member_id).json["code"]

    with goals.container.engine.connect() as connection:
        stored = [tuple(row) for row in connection.exec_driver_sql(
            "SELECT code_hash, member_id FROM invites")]

    assert stored and all(code not in str(row) for row in stored)
