"""Email sign-in links over HTTP, on both engines: asked for by address (always 202), mailed
through `member.sign_in_requested`, redeemed once within 15 minutes."""

from __future__ import annotations

from tests.goals.helpers import outbox
from tests.support.seed import add_member, create_team
from tests.support.stack import auth

WEB = "http://127.0.0.1:8000"


def ask(goals, email: str):
    return goals.client.post("/sign-in-links", json={"email": email})


def redeem(goals, code: str):
    return goals.client.post("/sign-in/redeem", json={"code": code})


def mailed_codes(goals) -> list[str]:
    links = [e["link"] for e in outbox(goals, "member.sign_in_requested")]
    assert all(link.startswith(f"{WEB}/sign-in/") for link in links), links
    return [link.rpartition("/")[2] for link in links]


def test_a_members_address_gets_a_link_whose_code_signs_them_in_once(goals):
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max", email="max@example.com")

    asked = ask(goals, "MAX@example.com")

    assert asked.status_code == 202
    [event] = outbox(goals, "member.sign_in_requested")
    assert (event["member_id"], event["email"]) == (member_id, "max@example.com")
    [code] = mailed_codes(goals)
    signed_in = redeem(goals, code)
    assert signed_in.status_code == 200, signed_in.json
    assert signed_in.json["id"] == member_id
    me = goals.client.get(f"/v1/teams/{team.id}/members/{member_id}",
                          headers=auth(signed_in.json["token"]))
    assert me.status_code == 200
    again = redeem(goals, code)
    assert again.status_code == 409 and "already used" in again.json["detail"]


def test_an_unknown_or_departed_address_gets_the_same_answer_and_no_mail(goals):
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max", email="max@example.com")
    goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}", headers=auth(team.lead),
                       json={"state": "left"})

    for address in ("nobody@example.com", "max@example.com"):
        assert ask(goals, address).status_code == 202

    assert outbox(goals, "member.sign_in_requested") == []
    assert ask(goals, "not an address").status_code == 422


def test_a_sign_in_link_expires_after_fifteen_minutes(goals, clock):
    team = create_team(goals)
    add_member(goals, team, "Max", email="max@example.com")
    ask(goals, "max@example.com")
    [code] = mailed_codes(goals)

    clock.advance(minutes=15, seconds=1)
    expired = redeem(goals, code)

    assert expired.status_code == 409 and "expired" in expired.json["detail"]


def test_an_unknown_code_and_an_invite_code_are_not_sign_in_links(goals):
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max")
    invite = goals.client.post(f"/v1/teams/{team.id}/members/{member_id}/invites",
                               headers=auth(team.lead)).json["code"]

    assert redeem(goals, "no-such-code").status_code == 404
    assert redeem(goals, invite).status_code == 404
    assert goals.client.post("/invites/redeem", json={"code": invite}).status_code == 200
