"""Teams and members over HTTP, on both engines: roles, profiles, tokens, and their events."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text

from tests.goals.helpers import create_goal, outbox, outbox_by_id
from tests.support.goals_races import racer
from tests.support.races import run_together
from tests.support.seed import add_member, create_team
from tests.support.stack import ADMIN_TOKEN, auth


def test_a_member_reads_the_team_and_its_members_a_page_at_a_time(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team, "Max")
    add_member(goals, team, "Mia")
    assert goals.client.get(f"/v1/teams/{team.id}", headers=auth(token)).json["name"] == "Platform"
    first = goals.client.get(f"/v1/teams/{team.id}/members?limit=2", headers=auth(token)).json
    rest = goals.client.get(f"/v1/teams/{team.id}/members?limit=2&cursor={first['next_cursor']}",
                            headers=auth(token)).json
    names = sorted(m["name"] for m in first["items"] + rest["items"])
    assert names == ["Lena", "Max", "Mia"] and rest["next_cursor"] is None


def test_a_lead_changes_team_settings_and_a_team_updated_event_carries_them(goals):
    team = create_team(goals)
    cadence = {"frequency": "weekly", "weekday": 4, "time": "16:00"}
    response = goals.client.patch(f"/v1/teams/{team.id}", headers=auth(team.lead),
                                  json={"require_smart": True, "default_cadence": cadence})
    assert response.status_code == 200 and response.json["require_smart"] is True
    event = outbox(goals, "team.updated")[-1]
    assert event["require_smart"] is True and event["default_cadence"]["weekday"] == 4


@pytest.mark.parametrize("typed", ["16:00\n", "1\u0666:00"])
def test_a_time_followed_by_a_line_break_or_in_other_digits_is_refused(goals, typed):
    """A cadence's time or working hours of "16:00\n" (or in Arabic-Indic digits) were saved
    as typed: the pattern ended in $, which a line break may follow, and took any script's
    digits. Each is a 422 on its field saying what a time looks like, and nothing is
    published."""
    team = create_team(goals)
    member_id, token = add_member(goals, team, email="max@example.com")
    written = len(outbox(goals))
    wanted = ["Use HH:MM, 24-hour local time."]

    cadence = goals.client.patch(f"/v1/teams/{team.id}", headers=auth(team.lead), json={
        "default_cadence": {"frequency": "weekly", "weekday": 4, "time": typed}})
    hours = goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}", headers=auth(token),
                               json={"working_hours": {"start": "08:00", "end": typed}})

    assert (cadence.status_code, hours.status_code) == (422, 422), (cadence.json, hours.json)
    assert cadence.json["errors"] == {"default_cadence.time": wanted}, cadence.json
    assert hours.json["errors"] == {"working_hours.end": wanted}, hours.json
    assert len(outbox(goals)) == written


def test_an_empty_team_or_member_patch_is_refused_and_a_repeat_publishes_nothing(goals):
    """A PATCH of `{}` to a team or a member answered 200; one repeating a member's name,
    time zone or snooze published member.updated all the same. An empty body is a 422
    naming the fields that can be sent; a repeat answers the team or member as it is."""
    team = create_team(goals)
    member_id, token = add_member(goals, team, "Max")
    team_path, member_path = f"/v1/teams/{team.id}", f"/v1/teams/{team.id}/members/{member_id}"
    goals.client.patch(member_path, headers=auth(token), json={"snoozed_until": "2031-04-01"})
    team_now = goals.client.get(team_path, headers=auth(token)).json
    member_now = goals.client.get(member_path, headers=auth(token)).json
    announced = len(outbox(goals))

    empty_team = goals.client.patch(team_path, headers=auth(team.lead), json={})
    empty_member = goals.client.patch(member_path, headers=auth(team.lead), json={})
    same_team = goals.client.patch(team_path, headers=auth(team.lead), json={
        "name": team_now["name"], "require_smart": team_now["require_smart"]})
    same_member = goals.client.patch(member_path, headers=auth(token), json={
        "name": "Max", "timezone": member_now["timezone"], "snoozed_until": "2031-04-01"})

    assert (empty_team.status_code, empty_member.status_code) == (422, 422)
    assert empty_team.json["detail"] == ("An empty body changes nothing; send at least one "
                                         "of: name, timezone, require_smart, default_cadence.")
    assert empty_member.json["detail"] == (
        "An empty body changes nothing; send at least one of: name, timezone, working_hours, "
        "slack_user_id, default_cadence, snoozed_until, role, state.")
    assert (same_team.status_code, same_member.status_code) == (200, 200)
    assert (same_team.json, same_member.json) == (team_now, member_now)
    assert len(outbox(goals)) == announced


def test_a_member_cannot_change_team_settings(goals):
    team = create_team(goals)
    _, token = add_member(goals, team)
    response = goals.client.patch(f"/v1/teams/{team.id}", headers=auth(token),
                                  json={"require_smart": True})
    assert response.status_code == 403


def test_a_member_updates_their_own_profile_and_the_event_has_the_full_state(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team, email="max@example.com")
    response = goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}", headers=auth(token),
                                  json={"timezone": "Asia/Tokyo", "slack_user_id": "U123",
                                        "working_hours": {"start": "08:00", "end": "16:30"},
                                        "snoozed_until": "2031-04-01"})
    assert response.status_code == 200, response.json
    assert response.json["state"] == "snoozed"
    event = outbox(goals, "member.updated")[-1]
    assert event["timezone"] == "Asia/Tokyo" and event["working_hours"]["end"] == "16:30"
    assert event["email"] == "max@example.com" and event["snoozed_until"] == "2031-04-01"


def test_a_snooze_until_a_day_already_past_is_refused_in_the_members_own_day(goals):
    """A snooze until 2001-01-01 was saved: the member showed as snoozed, until a day long
    gone. 09:00 UTC on 2 March is still 1 March in Pago Pago (UTC-11): the 28th of February is
    past there, the 1st is today, and null wakes the member."""
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    path = f"/v1/teams/{team.id}/members/{member_id}"
    goals.client.patch(path, headers=auth(token), json={"timezone": "Pacific/Pago_Pago"})
    for past in ("2001-01-01", "2031-02-28"):
        refused = goals.client.patch(path, headers=auth(token), json={"snoozed_until": past})
        assert refused.status_code == 422, (past, refused.json)
        assert refused.json["errors"] == {"snoozed_until": ["Must be today or later."]}
        assert "is in the past (today is 2031-03-01 in Pacific/Pago_Pago)" in (
            refused.json["detail"])
    today = goals.client.patch(path, headers=auth(token), json={"snoozed_until": "2031-03-01"})
    assert today.status_code == 200 and today.json["state"] == "snoozed", today.json
    woken = goals.client.patch(path, headers=auth(token), json={"snoozed_until": None})
    assert woken.status_code == 200 and woken.json["state"] == "active", woken.json


def test_a_snooze_and_a_state_that_contradict_each_other_are_refused_naming_both(goals):
    """A snooze until a day means `snoozed`, null means awake: a PATCH giving a day with state
    `active` (or null with `snoozed`) used to drop the snooze silently. It is refused, 422 on
    both fields, and the member stays as they were; a pair that agrees is taken."""
    team = create_team(goals)
    member_id, _ = add_member(goals, team)
    path = f"/v1/teams/{team.id}/members/{member_id}"
    announced = [e for e in outbox(goals) if e.get("member_id") == member_id]

    refused = [goals.client.patch(path, headers=auth(team.lead), json=body) for body in (
        {"snoozed_until": "2031-03-09", "state": "active"},
        {"snoozed_until": "2031-03-09", "state": "left"},
        {"snoozed_until": None, "state": "snoozed"})]

    assert [r.status_code for r in refused] == [422] * 3, [r.json for r in refused]
    assert all(set(r.json["errors"]) == {"snoozed_until", "state"} for r in refused)
    assert refused[0].json["detail"] == (
        "state active contradicts snoozed_until 2031-03-09, which snoozes the member; send "
        "state snoozed, or leave one of the two out")
    assert refused[2].json["detail"] == (
        "state snoozed contradicts snoozed_until null, which wakes the member; send a day to "
        "snooze until, or leave one of the two out")
    now = goals.client.get(path, headers=auth(team.lead)).json
    assert (now["state"], now["snoozed_until"]) == ("active", None)
    assert [e for e in outbox(goals) if e.get("member_id") == member_id] == announced
    snoozed = goals.client.patch(path, headers=auth(team.lead),
                                 json={"snoozed_until": "2031-03-09", "state": "snoozed"})
    assert (snoozed.json["state"], snoozed.json["snoozed_until"]) == ("snoozed", "2031-03-09")
    woken = goals.client.patch(path, headers=auth(team.lead),
                               json={"snoozed_until": None, "state": "active"})
    assert (woken.json["state"], woken.json["snoozed_until"]) == ("active", None)


def test_a_member_cannot_change_someone_elses_profile_or_their_own_role(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    other_id, _ = add_member(goals, team, "Mia")
    base = f"/v1/teams/{team.id}/members"
    assert goals.client.patch(f"{base}/{other_id}", headers=auth(token),
                              json={"name": "X"}).status_code == 403
    assert goals.client.patch(f"{base}/{member_id}", headers=auth(token),
                              json={"role": "lead"}).status_code == 403


def test_a_lead_promotes_a_member_and_the_new_role_applies_to_existing_tokens(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    response = goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}",
                                  headers=auth(team.lead), json={"role": "lead"})
    assert response.json["role"] == "lead"
    assert goals.client.patch(f"/v1/teams/{team.id}", headers=auth(token),
                              json={"name": "Core"}).status_code == 200


def test_the_last_lead_cannot_step_down(goals):
    team = create_team(goals)
    response = goals.client.patch(f"/v1/teams/{team.id}/members/{team.lead_id}",
                                  headers=auth(team.lead), json={"role": "member"})
    assert response.status_code == 409


def test_the_last_two_leads_stepping_down_at_once_leave_one_lead(goals):
    """Both count two leads before either commits (held there up to 2 s, as two requests at
    once may be): one steps down, the other is told the team keeps a lead."""
    team = create_team(goals)
    olga_id, olga = add_member(goals, team, "Olga", role="lead")

    def step_down(member_id: str, token: str):
        return racer(goals, token, "PATCH", f"/v1/teams/{team.id}/members/{member_id}",
                     json={"role": "member"})

    answers = run_together(
        goals.container.engine,
        lambda sql: sql.lower().startswith("select count(*)") and "members.role" in sql,
        step_down(team.lead_id, team.lead), step_down(olga_id, olga)).results

    assert sorted(a.status_code for a in answers) == [200, 409], [a.json for a in answers]
    members = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(olga)).json
    assert [m["role"] for m in members["items"]].count("lead") == 1


def test_a_member_added_twice_at_once_is_added_once_and_the_second_told_why(goals):
    """A double-clicked "Add member": both requests find no member with the address before
    either commits (held there up to 2 s). One adds them; the other gets the 409 a later
    request gets, not a 500."""
    team = create_team(goals)

    add = racer(goals, team.lead, "POST", f"/v1/teams/{team.id}/members",
                json={"name": "Max", "email": "max@example.com", "timezone": "UTC"})

    answers = run_together(goals.container.engine, lambda sql: "members.email = " in sql,
                           add, add).results

    assert sorted(a.status_code for a in answers) == [201, 409], [a.get_data() for a in answers]
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json["errors"] == {"email": ["Already a member of this team."]}
    members = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(team.lead)).json
    assert [m["email"] for m in members["items"]].count("max@example.com") == 1
    assert [e["email"] for e in outbox(goals, "member.added")].count("max@example.com") == 1


def test_a_member_added_twice_under_one_idempotency_key_gets_the_first_answer_and_token(goals):
    """A double-clicked "Add member" under one Idempotency-Key answered the second time 409
    "Already a member of this team", and the token shown only once was lost: now the retry
    gets the first answer back, marked as a replay, with a token signed for the member again
    (which works, as the first does); one member is added. The key's ledger keeps no token.
    The same key with another body is refused; another lead's key is their own."""
    team = create_team(goals)
    path = f"/v1/teams/{team.id}/members"
    headers = {**auth(team.lead), "Idempotency-Key": "add-max-1"}
    body = {"name": "Max", "email": "max@example.com", "timezone": "UTC"}
    first = goals.client.post(path, headers=headers, json=body)
    again = goals.client.post(path, headers=headers, json=dict(reversed(body.items())))

    assert (first.status_code, again.status_code) == (201, 201), again.json
    tokens = first.json.pop("token"), again.json.pop("token")
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert [goals.client.get(f"/v1/teams/{team.id}", headers=auth(token)).status_code
            for token in tokens] == [200, 200]
    with goals.container.engine.connect() as conn:
        kept = conn.execute(text("SELECT body FROM idempotency_keys")).scalars().all()
    assert kept and not [body for body in kept if any(t in body for t in tokens)], kept
    members = goals.client.get(path, headers=auth(team.lead)).json["items"]
    assert [m["email"] for m in members].count("max@example.com") == 1
    assert [e["email"] for e in outbox(goals, "member.added")].count("max@example.com") == 1

    other = goals.client.post(path, headers=headers, json={**body, "email": "mia@example.com"})
    assert other.status_code == 422 and other.json["errors"] == {
        "Idempotency-Key": ["Reused with another body."]}
    _, olga = add_member(goals, team, "Olga", role="lead")
    theirs = goals.client.post(path, headers={**auth(olga), "Idempotency-Key": "add-max-1"},
                               json=body)
    assert theirs.status_code == 409 and "token" not in theirs.json


def test_a_slack_user_is_one_member_of_a_team_and_a_second_claim_is_told_who_has_it(goals):
    """Slack commands and the App Home act for the member whose profile names the Slack user:
    two members naming one would act for whichever is found first. Adding a member with a Slack
    user a teammate has, or setting it on a profile, answers 409 naming the field and the
    teammate; their own, another team's, or one given up since is taken."""
    team, other_team = create_team(goals), create_team(goals)
    ana_id, ana = add_member(goals, team, "Ana", slack_user_id="UANA")
    cy_id, cy = add_member(goals, team, "Cy")
    told = f"Already the Slack user of Ana (member {ana_id})."

    added = goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
        "name": "Ben", "email": "ben@example.com", "timezone": "UTC", "slack_user_id": "UANA"})
    claimed = goals.client.patch(f"/v1/teams/{team.id}/members/{cy_id}", headers=auth(cy),
                                 json={"slack_user_id": "UANA"})

    assert (added.status_code, claimed.status_code) == (409, 409), (added.json, claimed.json)
    assert added.json["errors"] == claimed.json["errors"] == {"slack_user_id": [told]}
    assert claimed.json["detail"] == ("Slack user UANA is already Ana's in this team; clear it "
                                      "from Ana's profile first")
    own = goals.client.patch(f"/v1/teams/{team.id}/members/{ana_id}", headers=auth(ana),
                             json={"slack_user_id": "UANA", "name": "Ana B"})
    assert own.status_code == 200, own.json
    add_member(goals, other_team, "Ana", slack_user_id="UANA")
    goals.client.patch(f"/v1/teams/{team.id}/members/{ana_id}", headers=auth(ana),
                       json={"slack_user_id": None})
    taken = goals.client.patch(f"/v1/teams/{team.id}/members/{cy_id}", headers=auth(cy),
                               json={"slack_user_id": "UANA"})
    assert taken.status_code == 200, taken.json
    members = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(team.lead)).json
    assert {m["name"]: m["slack_user_id"] for m in members["items"]} == {
        "Lena": None, "Ana B": None, "Cy": "UANA"}


def test_a_member_who_leaves_gives_up_their_slack_user_for_a_teammate_to_name(goals):
    """A member who left kept their Slack user: a teammate naming it was refused (409) until
    a lead cleared it from the departed profile. Leaving gives it up in the same change (the
    member.updated notifications reads says left, with no Slack user); one who left before
    that gives it up when a teammate names it. An active holder still refuses a claim."""
    team = create_team(goals)
    ana_id, _ = add_member(goals, team, "Ana", slack_user_id="UANA")
    dan_id, _ = add_member(goals, team, "Dan")
    cy_id, cy = add_member(goals, team, "Cy")
    ben_id, ben = add_member(goals, team, "Ben")
    members = goals.container.metadata.tables["members"]
    lead = auth(team.lead)
    for departing in (ana_id, dan_id):
        goals.client.patch(f"/v1/teams/{team.id}/members/{departing}", headers=lead,
                           json={"state": "left"})
    with goals.container.engine.begin() as conn:  # Dan left before leaving gave it up
        conn.execute(members.update().where(members.c.id == dan_id).values(slack_user_id="UDAN"))

    cy_claims = goals.client.patch(f"/v1/teams/{team.id}/members/{cy_id}", headers=auth(cy),
                                   json={"slack_user_id": "UANA"})
    ben_claims = goals.client.patch(f"/v1/teams/{team.id}/members/{ben_id}", headers=auth(ben),
                                    json={"slack_user_id": "UDAN"})
    ben_again = goals.client.patch(f"/v1/teams/{team.id}/members/{ben_id}", headers=auth(ben),
                                   json={"slack_user_id": "UANA"})

    assert (cy_claims.status_code, ben_claims.status_code) == (200, 200), ben_claims.json
    assert ben_again.status_code == 409 and ben_again.json["errors"] == {"slack_user_id": [
        f"Already the Slack user of Cy (member {cy_id})."]}
    listed = goals.client.get(f"/v1/teams/{team.id}/members", headers=lead).json["items"]
    assert {m["name"]: m["slack_user_id"] for m in listed} == {
        "Lena": None, "Ana": None, "Dan": None, "Cy": "UANA", "Ben": "UDAN"}
    departed = [(e["state"], e["slack_user_id"]) for e in outbox(goals, "member.updated")
                if e["member_id"] in (ana_id, dan_id)]
    assert departed[-1] == ("left", None) and ("left", "UANA") not in departed


def test_two_members_claiming_one_slack_user_at_once_are_told_as_a_later_claim_is(goals):
    """Both requests find the Slack user free before either commits (held there up to 2 s):
    one takes it, the other gets the 409 a later request gets, not a 500."""
    team = create_team(goals)
    claimants = [add_member(goals, team, name) for name in ("Ana", "Cy")]

    def claim(member_id: str, token: str):
        return racer(goals, token, "PATCH", f"/v1/teams/{team.id}/members/{member_id}",
                     json={"slack_user_id": "USAME"})

    answers = run_together(goals.container.engine,
                           lambda sql: "members.slack_user_id = " in sql,
                           *(claim(*claimant) for claimant in claimants)).results

    assert sorted(a.status_code for a in answers) == [200, 409], [a.get_data() for a in answers]
    holder = next(a for a in answers if a.status_code == 200).json
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.json["errors"] == {"slack_user_id": [
        f"Already the Slack user of {holder['name']} (member {holder['id']})."]}
    members = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(team.lead)).json
    assert [m["slack_user_id"] for m in members["items"]].count("USAME") == 1
    assert [e["slack_user_id"] for e in outbox(goals, "member.updated")].count("USAME") == 1


def test_a_fresh_token_revokes_the_old_one_and_the_event_carries_the_version(goals):
    team = create_team(goals)
    member_id, old = add_member(goals, team)
    response = goals.client.post(f"/v1/teams/{team.id}/members/{member_id}/token",
                                 headers=auth(team.lead))
    assert response.status_code == 201 and response.json["token_version"] == 2
    assert goals.client.get(f"/v1/teams/{team.id}", headers=auth(old)).status_code == 401
    fresh = response.json["token"]
    assert goals.client.get(f"/v1/teams/{team.id}", headers=auth(fresh)).status_code == 200
    assert outbox(goals, "member.updated")[-1]["token_version"] == 2


def test_revoking_leaves_the_member_without_a_working_token(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    response = goals.client.delete(f"/v1/teams/{team.id}/members/{member_id}/token",
                                   headers=auth(team.lead))
    assert response.status_code == 204
    assert goals.client.get(f"/v1/teams/{team.id}", headers=auth(token)).status_code == 401


def test_a_member_who_left_is_refused_saying_so_and_an_unknown_member_as_before(goals):
    """Both got 401 "token no longer valid: member not found", so a client could not tell a
    member who left (no token will do) from a token gone wrong: the one who left is told so,
    with the reason member_left for a client to act on; an unknown member is refused as before."""
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    response = goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}",
                                  headers=auth(team.lead), json={"state": "left"})
    assert response.json["state"] == "left"
    unknown = goals.container.tokens.issue(team.id, str(uuid.uuid4()), "member")

    left_answer = goals.client.get(f"/v1/teams/{team.id}", headers=auth(token))
    unknown_answer = goals.client.get(f"/v1/teams/{team.id}", headers=auth(unknown))

    assert left_answer.status_code == 401, left_answer.json
    assert left_answer.json["detail"] == (
        "token no longer valid: you are no longer a member of the team")
    assert left_answer.json["reason"] == "member_left"
    assert unknown_answer.status_code == 401, unknown_answer.json
    assert unknown_answer.json["detail"] == "token no longer valid: member not found"
    assert "reason" not in unknown_answer.json


@pytest.mark.parametrize("role", ["lead", "member"])
def test_a_member_who_left_is_given_no_new_role_and_the_lead_is_told_why(goals, role):
    """A stale members page still offered "Make lead" for Bea, who had left: goals made her a
    lead (200, member.updated), as if she were still on the team. Now it answers 409 saying
    she left, as a snooze of hers is answered, and publishes nothing."""
    team = create_team(goals)
    other = "member" if role == "lead" else "lead"
    bea_id, _ = add_member(goals, team, "Bea", role=other)
    path = f"/v1/teams/{team.id}/members/{bea_id}"
    left = goals.client.patch(path, headers=auth(team.lead), json={"state": "left"})
    assert left.json["state"] == "left", left.json
    updates = len(outbox(goals, "member.updated"))

    refused = goals.client.patch(path, headers=auth(team.lead), json={"role": role})

    assert refused.status_code == 409, refused.json
    assert refused.json["detail"] == "a member who left cannot be given another role"
    assert goals.client.get(path, headers=auth(team.lead)).json["role"] == other
    assert len(outbox(goals, "member.updated")) == updates


def test_a_member_who_left_returns_as_a_lead_in_one_request(goals):
    """Bringing Bea back and making her a lead in one PATCH was a 409 ("a member who left
    cannot be given another role"): the role was applied before the state. The state now
    comes first, so she is back and a lead (200, and member.updated says so); leaving and
    being made a member in one PATCH still works (there the role comes first)."""
    team = create_team(goals)
    bea_id, _ = add_member(goals, team, "Bea", role="lead")
    path = f"/v1/teams/{team.id}/members/{bea_id}"
    left = goals.client.patch(path, headers=auth(team.lead),
                              json={"state": "left", "role": "member"})
    assert (left.status_code, left.json["state"], left.json["role"]) == (200, "left", "member")
    before = set(outbox_by_id(goals, "member.updated"))

    back = goals.client.patch(path, headers=auth(team.lead),
                              json={"state": "active", "role": "lead"})

    assert back.status_code == 200, back.json
    assert (back.json["state"], back.json["role"]) == ("active", "lead")
    read = goals.client.get(path, headers=auth(team.lead)).json
    assert (read["state"], read["role"]) == ("active", "lead")
    published = [e for i, e in outbox_by_id(goals, "member.updated").items() if i not in before]
    assert [(e["member_id"], e["state"], e["role"]) for e in published] == [
        (bea_id, "active", "lead")]


def test_a_member_who_left_is_brought_back_into_a_snooze_in_one_request(goals):
    """Bea comes back to the team but is away until the 14th: a PATCH {"state": "snoozed",
    "snoozed_until": "2031-03-14"} was a 409 ("a member who left cannot be snoozed"), the
    snooze applied before the state. Now she is back, snoozed through the 14th (200, read so),
    announced by one member.updated, as an ordinary snooze with its state is. A snooze alone,
    a stale page's, still finds her gone."""
    team = create_team(goals)
    bea_id, _ = add_member(goals, team, "Bea")
    max_id, _ = add_member(goals, team, "Max")
    path = f"/v1/teams/{team.id}/members/{bea_id}"
    away = {"state": "snoozed", "snoozed_until": "2031-03-14"}
    goals.client.patch(path, headers=auth(team.lead), json={"state": "left"})
    alone = goals.client.patch(path, headers=auth(team.lead),
                               json={"snoozed_until": "2031-03-14"})
    assert (alone.status_code, alone.json["detail"]) == (
        409, "a member who left cannot be snoozed"), alone.json
    before = set(outbox_by_id(goals, "member.updated"))

    back = goals.client.patch(path, headers=auth(team.lead), json=away)
    snoozed = goals.client.patch(f"/v1/teams/{team.id}/members/{max_id}",
                                 headers=auth(team.lead), json=away)

    assert back.status_code == 200, back.json
    read = goals.client.get(path, headers=auth(team.lead)).json
    assert (read["state"], read["snoozed_until"]) == ("snoozed", "2031-03-14")
    published = [(e["member_id"], e["state"], e["snoozed_until"])
                 for i, e in outbox_by_id(goals, "member.updated").items() if i not in before]
    assert sorted(published) == sorted([(bea_id, "snoozed", "2031-03-14"),
                                        (max_id, "snoozed", "2031-03-14")])
    assert snoozed.status_code == 200, snoozed.json


def test_a_member_who_owns_open_goals_leaves_only_once_they_are_closed(goals):
    """A goal whose owner left would stay on the board, alerting leads, with nobody to move
    it: the lead is told which goals to close first, and the member stays as they were."""
    team = create_team(goals)
    member_id, token = add_member(goals, team, "Max")
    draft = create_goal(goals, token, title="Write the runbook", status="draft")
    active = create_goal(goals, token, title="Close 20 support tickets")
    path = f"/v1/teams/{team.id}/members/{member_id}"

    refused = goals.client.patch(path, headers=auth(team.lead), json={"state": "left"})

    assert refused.status_code == 409, refused.json
    assert refused.json["detail"] == (
        "Max still owns 2 open goals (“Close 20 support tickets”, “Write the runbook”); "
        "close them before Max leaves the team")
    assert goals.client.get(path, headers=auth(token)).json["state"] == "active"
    assert [e["state"] for e in outbox(goals, "member.updated")
            if e["member_id"] == member_id] == []
    for goal in (draft, active):
        closed = goals.client.post(f"/v1/goals/{goal['id']}/close", headers=auth(team.lead),
                                   json={"outcome": "dropped", "retrospective": "Max moved on"})
        assert closed.status_code == 200, closed.json
    left = goals.client.patch(path, headers=auth(team.lead), json={"state": "left"})
    assert left.status_code == 200 and left.json["state"] == "left"


def test_a_member_owning_one_open_goal_is_told_to_close_it_and_with_two_to_close_them(goals):
    """The refusal read "owns 1 open goal (…); close them": its words now agree with the
    count, for one goal and for two."""
    team = create_team(goals)
    path = f"/v1/teams/{team.id}/members/{{}}"
    max_id, max_token = add_member(goals, team, "Max")
    ada_id, ada_token = add_member(goals, team, "Ada")
    create_goal(goals, max_token, title="Write the runbook")
    for title in ("Write the runbook", "Close 20 support tickets"):
        create_goal(goals, ada_token, title=title)

    refusals = [goals.client.patch(path.format(member_id), headers=auth(team.lead),
                                   json={"state": "left"}) for member_id in (max_id, ada_id)]

    assert [r.status_code for r in refusals] == [409, 409], [r.json for r in refusals]
    assert [r.json["detail"] for r in refusals] == [
        "Max still owns 1 open goal (“Write the runbook”); close it before Max leaves the team",
        "Ada still owns 2 open goals (“Close 20 support tickets”, “Write the runbook”); "
        "close them before Ada leaves the team"]


@pytest.mark.parametrize(("body", "field"), [
    ({"working_hours": {"start": "25:00", "end": "17:00"}}, "working_hours.start"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"default_cadence": {"frequency": "hourly"}}, "default_cadence.frequency"),
    ({"name": "bad\x00name"}, "name"),
])
def test_malformed_profiles_get_422_naming_the_field(goals, body, field):
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    response = goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}",
                                  headers=auth(token), json=body)
    assert response.status_code == 422 and field in response.json["errors"]


@pytest.mark.parametrize("slack_id", ["Mars/Olympus", "u/ana", "UANA\n", "U", "B024BE7LH"])
def test_a_slack_user_id_is_one_slack_gives_on_every_field_that_takes_one(goals, slack_id):
    """Goals took any one-line text as a member's Slack user id, which notifications' own link
    refuses: 'Mars/Olympus' was stored and sent in member.updated, and every mention and
    lookup by it failed unseen. A new team's lead, a new member and a profile change each
    answer 422 with the Slack app's reason, and nothing is saved."""
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    lead = {"name": "Ada", "email": "ada@example.com", "timezone": "UTC"}
    answers = [
        goals.client.post("/v1/teams", headers=auth(ADMIN_TOKEN), json={
            "name": "Ops", "timezone": "UTC", "lead": {**lead, "slack_user_id": slack_id}}),
        goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
            "name": "Ben", "email": "ben@example.com", "timezone": "UTC",
            "slack_user_id": slack_id}),
        goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}", headers=auth(token),
                           json={"slack_user_id": slack_id}),
    ]

    assert [a.status_code for a in answers] == [422] * 3, [a.get_data()[:300] for a in answers]
    assert [a.json["errors"] for a in answers] == [
        {"lead.slack_user_id": ["a Slack user id such as U024BE7LH"]},
        {"slack_user_id": ["a Slack user id such as U024BE7LH"]},
        {"slack_user_id": ["a Slack user id such as U024BE7LH"]}]
    members = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(team.lead)).json
    assert [m["slack_user_id"] for m in members["items"]] == [None, None]


HOSTILE_ZONES = [
    ("x" * 5000, "Too long for a time zone (at most 64 characters); use an IANA name such as "
                 "Europe/Berlin."),
    ("Europe/Ber\x00lin", "Must not contain NUL characters."),
    ("../../../etc/passwd", "Unknown time zone '../../../etc/passwd'; use an IANA name such as "
                            "Europe/Berlin."),
    ("/etc/x", "Unknown time zone '/etc/x'; use an IANA name such as Europe/Berlin."),
    ("Europe", "Unknown time zone 'Europe'; use an IANA name such as Europe/Berlin."),
    ("Mars/Olympus", "Unknown time zone 'Mars/Olympus'; use an IANA name such as Europe/Berlin."),
    # listed by zoneinfo on Debian, but the server's own zone and tz's placeholder: no place
    ("localtime", "Unknown time zone 'localtime'; use an IANA name such as Europe/Berlin."),
    ("Factory", "Unknown time zone 'Factory'; use an IANA name such as Europe/Berlin."),
]


@pytest.mark.parametrize(("zone", "message"), HOSTILE_ZONES,
                         ids=["long", "nul", "relative", "absolute", "folder", "unknown",
                              "host", "placeholder"])
def test_every_time_zone_field_refuses_a_long_nul_holding_path_like_or_unknown_name_with_a_422(
        goals, zone, message):
    """A time zone is looked up among the names zoneinfo knows, never opened as a path: a team's
    (created or changed), a new member's and a member's profile each answer 422 with the field's
    one reason, and nothing is saved."""
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    lead = {"name": "Ada", "email": "ada@example.com", "timezone": "UTC"}
    answers = [
        goals.client.post("/v1/teams", headers=auth(ADMIN_TOKEN), json={
            "name": "Ops", "timezone": zone, "lead": lead}),
        goals.client.post("/v1/teams", headers=auth(ADMIN_TOKEN), json={
            "name": "Ops", "timezone": "UTC", "lead": {**lead, "timezone": zone}}),
        goals.client.patch(f"/v1/teams/{team.id}", headers=auth(team.lead),
                           json={"timezone": zone}),
        goals.client.post(f"/v1/teams/{team.id}/members", headers=auth(team.lead), json={
            "name": "Ben", "email": "ben@example.com", "timezone": zone}),
        goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}", headers=auth(token),
                           json={"timezone": zone}),
    ]

    assert [a.status_code for a in answers] == [422] * 5, [a.get_data()[:300] for a in answers]
    assert [a.json["errors"] for a in answers] == [
        {"timezone": [message]}, {"lead.timezone": [message]}, {"timezone": [message]},
        {"timezone": [message]}, {"timezone": [message]}]
    members = goals.client.get(f"/v1/teams/{team.id}/members", headers=auth(team.lead)).json
    assert {m["timezone"] for m in members["items"]} == {"UTC"}
    assert goals.client.get(f"/v1/teams/{team.id}", headers=auth(token)).json["timezone"] == "UTC"


@pytest.mark.parametrize("email", ["", "   "])
def test_a_member_or_lead_with_a_blank_address_is_refused_as_blank_as_a_sign_in_link_is(
        goals, email):
    """A member added with a blank address was said to have no valid address ("Not a valid
    email address."), where a sign-in link asked for one says "Must not be blank.": both now
    say the latter (one email field, `GivenEmail`), and nothing is added."""
    team = create_team(goals)
    path = f"/v1/teams/{team.id}/members"
    member = goals.client.post(path, headers=auth(team.lead), json={
        "name": "Max", "email": email, "timezone": "UTC"})
    lead = goals.client.post("/v1/teams", headers=auth(ADMIN_TOKEN), json={
        "name": "Ops", "timezone": "UTC",
        "lead": {"name": "Ada", "email": email, "timezone": "UTC"}})
    link = goals.client.post("/sign-in-links", json={"email": email})

    assert [(r.status_code, r.json["errors"]) for r in (member, lead, link)] == [
        (422, {"email": ["Must not be blank."]}), (422, {"lead.email": ["Must not be blank."]}),
        (422, {"email": ["Must not be blank."]})]
    members = goals.client.get(path, headers=auth(team.lead)).json["items"]
    assert [m["name"] for m in members if m["name"] == "Max"] == []
    assert [e for e in outbox(goals, "member.added") if e["name"] == "Max"] == []
