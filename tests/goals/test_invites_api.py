"""One-time invite links over HTTP, on both engines: issued by a lead, redeemed once, for 7 days."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from services.goals.domain.invites import SIGN_IN, Invite
from tests.goals.helpers import START, outbox, run_job
from tests.support.goals_races import racer, team_for_a_race
from tests.support.plans import query_plan
from tests.support.races import run_together
from tests.support.seed import add_member, create_team
from tests.support.stack import auth


def invite(goals, team, member_id: str, lead: str | None = None):
    return goals.client.post(f"/v1/teams/{team.id}/members/{member_id}/invites",
                             headers=auth(lead or team.lead))


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


def unused_invites(goals, member_id: str) -> list[str]:
    with goals.container.uow() as uow:
        return [i.id for i in uow.invites.unused_of(member_id, goals.container.clock.now())]


def test_an_invite_asked_twice_under_one_idempotency_key_is_made_once_with_one_code(goals):
    """A resent invite request (a double click on Add member, a retry after a timeout) under
    one Idempotency-Key made a second invite: two links signing Max in, the first never shown.
    Now the retry gets the first answer, marked as a replay, with the same code; the key's
    ledger keeps no code. The same key with a body is refused; for another member, or by
    another lead, it is a key of its own."""
    team = create_team(goals)
    max_id, _ = add_member(goals, team, "Max")
    mia_id, _ = add_member(goals, team, "Mia")
    _, olga = add_member(goals, team, "Olga", role="lead")
    path = f"/v1/teams/{team.id}/members/{max_id}/invites"
    headers = {**auth(team.lead), "Idempotency-Key": "invite-max-1"}

    first = goals.client.post(path, headers=headers)
    again = goals.client.post(path, headers=headers)

    assert (first.status_code, again.status_code) == (201, 201), again.json
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert unused_invites(goals, max_id) == [first.json["id"]]
    with goals.container.engine.connect() as conn:
        kept = conn.execute(text("SELECT body FROM idempotency_keys")).scalars().all()
    assert kept and not [body for body in kept if first.json["code"] in body], kept
    assert redeem(goals, again.json["code"]).json["id"] == max_id

    reused = goals.client.post(path, headers=headers, json={"member_id": mia_id})
    assert reused.status_code == 422 and reused.json["errors"] == {
        "Idempotency-Key": ["Reused with another body."]}
    for_mia = goals.client.post(f"/v1/teams/{team.id}/members/{mia_id}/invites",
                                headers=headers)
    by_olga = goals.client.post(path, headers={**auth(olga), "Idempotency-Key": "invite-max-1"})
    assert (for_mia.status_code, by_olga.status_code) == (201, 201), (for_mia.json, by_olga.json)
    assert unused_invites(goals, mia_id) == [for_mia.json["id"]]
    assert unused_invites(goals, max_id) == [by_olga.json["id"]]  # the first one was redeemed
    assert len({first.json["code"], for_mia.json["code"], by_olga.json["code"]}) == 3


def test_an_invite_asked_twice_at_once_under_one_key_is_made_once(goals):
    """Both requests find the key unclaimed before either commits (held there up to 2 s): one
    makes the invite, the other waits for it and answers the same invite and code."""
    team, max_id = team_for_a_race(goals)
    ask = racer(goals, team.lead, "POST", f"/v1/teams/{team.id}/members/{max_id}/invites",
                headers={"Idempotency-Key": "k-1"})

    race = run_together(goals.container.engine, lambda sql: "FROM idempotency_keys" in sql,
                        ask, ask)
    answers = race.results

    assert race.held == 2, race  # both found the key unclaimed before either wrote
    assert [a.status_code for a in answers] == [201, 201], [a.json for a in answers]
    assert answers[0].json == answers[1].json
    assert unused_invites(goals, max_id) == [answers[0].json["id"]]


CANCELLED = ("this invite link was cancelled on 02 Mar 2031, when access was revoked for its "
             "member, or the lead who sent it lost access or stopped being a lead; ask a lead "
             "for a new one")


@pytest.mark.parametrize("revoke", ["delete", "post"], ids=["revoked", "rotated"])
def test_revoking_a_members_tokens_cancels_the_links_they_were_sent(goals, revoke):
    """Revoking (or rotating) a member's tokens also stops the links that would sign them in
    again: an unredeemed invite and an email sign-in link answer 409 saying so, and give no
    token. A link issued afterwards works."""
    team = create_team(goals)
    member_id, _ = add_member(goals, team, "Max", email="max@example.com")
    invited = invite(goals, team, member_id).json["code"]
    goals.client.post("/sign-in-links", json={"email": "max@example.com"})
    mailed = outbox(goals, "member.sign_in_requested")[-1]["link"].rpartition("/")[2]
    done = getattr(goals.client, revoke)(f"/v1/teams/{team.id}/members/{member_id}/token",
                                         headers=auth(team.lead))
    assert done.status_code in (201, 204)

    by_invite = redeem(goals, invited)
    by_mail = goals.client.post("/sign-in/redeem", json={"code": mailed})

    assert (by_invite.status_code, by_mail.status_code) == (409, 409), (by_invite.json,
                                                                        by_mail.json)
    assert by_invite.json["detail"] == CANCELLED and "token" not in by_invite.json
    assert by_mail.json["detail"] == (
        "this sign-in link was cancelled on 02 Mar 2031, when your access was revoked; ask for "
        "a new one on the sign-in page")
    assert redeem(goals, invite(goals, team, member_id).json["code"]).status_code == 200


def test_invites_a_lead_sent_are_cancelled_when_the_lead_leaves_or_loses_access(goals):
    """A lead's invites outlive neither the lead's tokens nor their place in the team: the
    invites they sent answer 409 saying so; another lead's invite still works."""
    team = create_team(goals)
    revoked_id, revoked_lead = add_member(goals, team, "Lars", role="lead")
    leaving_id, leaving_lead = add_member(goals, team, "Lea", role="lead")
    codes = {name: invite(goals, team, add_member(goals, team, name)[0], lead).json["code"]
             for name, lead in (("Max", revoked_lead), ("Mia", leaving_lead),
                                ("Moe", team.lead))}
    goals.client.delete(f"/v1/teams/{team.id}/members/{revoked_id}/token",
                        headers=auth(team.lead))
    left = goals.client.patch(f"/v1/teams/{team.id}/members/{leaving_id}",
                              headers=auth(team.lead), json={"state": "left"})
    assert left.status_code == 200, left.json

    answers = {name: redeem(goals, code) for name, code in codes.items()}

    assert {name: a.status_code for name, a in answers.items()} == {
        "Max": 409, "Mia": 409, "Moe": 200}
    assert answers["Max"].json["detail"] == answers["Mia"].json["detail"] == CANCELLED


def test_invites_a_lead_sent_are_cancelled_when_the_lead_is_made_a_member(goals):
    """A lead made a member can no longer invite, so the invites they sent stop too (409
    saying so, no token); their own sign-in link, and another lead's invite, still work."""
    team = create_team(goals)
    demoted_id, demoted_lead = add_member(goals, team, "Lars", role="lead",
                                          email="lars@example.com")
    codes = {name: invite(goals, team, add_member(goals, team, name)[0], lead).json["code"]
             for name, lead in (("Max", demoted_lead), ("Moe", team.lead))}
    goals.client.post("/sign-in-links", json={"email": "lars@example.com"})
    mailed = outbox(goals, "member.sign_in_requested")[-1]["link"].rpartition("/")[2]
    demoted = goals.client.patch(f"/v1/teams/{team.id}/members/{demoted_id}",
                                 headers=auth(team.lead), json={"role": "member"})
    assert demoted.status_code == 200, demoted.json

    answers = {name: redeem(goals, code) for name, code in codes.items()}
    signed_in = goals.client.post("/sign-in/redeem", json={"code": mailed})

    assert {name: a.status_code for name, a in answers.items()} == {"Max": 409, "Moe": 200}
    assert answers["Max"].json["detail"] == CANCELLED and "token" not in answers["Max"].json
    assert signed_in.status_code == 200 and signed_in.json["id"] == demoted_id


def test_a_members_unused_links_are_found_off_indexes_however_many_sign_ins_were_kept(goals):
    """Revoking, rotating, leaving and stepping down look up the member's unused links (sent
    to them, or by them): every sign-in adds a row, so among ten teammates' thousand used and
    hundred unused links the lookup searches indexes on member_id and created_by instead of
    scanning the table."""
    team = create_team(goals)
    lead_id, lead = add_member(goals, team, "Lars", role="lead", email="lars@example.com")
    invite(goals, team, add_member(goals, team, "Max")[0], lead)
    goals.client.post("/sign-in-links", json={"email": "lars@example.com"})
    for n in range(10):
        _keep_sign_ins(goals, team.id, add_member(goals, team, f"Mia{n}")[0], used=100,
                       unused=10)
    lookups: list = []

    def keep_the_lookup(conn, cursor, statement, parameters, *args) -> None:
        if "FROM invites" in statement and "invites.created_by = " in statement:
            lookups.append((statement, parameters))

    event.listen(goals.container.engine, "before_cursor_execute", keep_the_lookup)
    try:
        demoted = goals.client.patch(f"/v1/teams/{team.id}/members/{lead_id}",
                                     headers=auth(team.lead), json={"role": "member"})
        revoked = goals.client.delete(f"/v1/teams/{team.id}/members/{lead_id}/token",
                                      headers=auth(team.lead))
    finally:
        event.remove(goals.container.engine, "before_cursor_execute", keep_the_lookup)

    assert (demoted.status_code, revoked.status_code) == (200, 204)
    assert len(lookups) == 2, lookups
    plans = [_plan(goals, statement, parameters) for statement, parameters in lookups]
    for plan in plans:
        assert "ix_invites_created_by" in plan, plan
        assert "SCAN invites" not in plan and "Seq Scan" not in plan, plan
    assert "ix_invites_member" in plans[1], plans[1]


def _keep_sign_ins(goals, team_id: str, member_id: str, *, used: int, unused: int) -> None:
    """A member's sign-in links, as a year of signing in leaves them."""
    with goals.container.uow() as uow:
        for n in range(used + unused):
            link, _ = Invite.issue(team_id, member_id, member_id, START,
                                   goals.container.settings.secret_key, purpose=SIGN_IN)
            link.used_at = START if n < used else None
            uow.invites.add(link)
        uow.commit()


def _plan(goals, statement: str, parameters) -> str:
    return query_plan(goals.container.engine, "invites", statement, parameters)


def test_links_used_or_expired_more_than_the_kept_days_ago_are_deleted_by_the_worker(
        goals, clock):
    """Used, cancelled and expired links were kept forever. The worker's link-retention job
    deletes those spent more than GOALS_LINK_RETENTION_DAYS (30) ago: their code is then no
    such link. A link used or expired since, and one still open, stay and answer as before."""
    team = create_team(goals)
    max_id, _ = add_member(goals, team, "Max", email="max@example.com")
    mia_id, _ = add_member(goals, team, "Mia")
    used_long_ago = invite(goals, team, max_id).json["code"]
    assert redeem(goals, used_long_ago).status_code == 200
    goals.client.post("/sign-in-links", json={"email": "max@example.com"})  # never used
    clock.advance(days=20)
    expired_lately = invite(goals, team, mia_id).json["code"]
    clock.advance(days=11)  # 31 days on: expired 4 days ago
    open_now = invite(goals, team, mia_id).json["code"]
    used_now = invite(goals, team, max_id).json["code"]
    assert redeem(goals, used_now).status_code == 200

    purged = run_job(goals, "link-retention")

    assert purged == 2
    gone = redeem(goals, used_long_ago)
    assert gone.status_code == 404 and "no such invite link" in gone.json["detail"]
    assert "expired" in redeem(goals, expired_lately).json["detail"]
    assert "already used" in redeem(goals, used_now).json["detail"]
    assert redeem(goals, open_now).status_code == 200
    assert run_job(goals, "link-retention") == 0


def test_the_link_purge_finds_the_spent_links_off_indexes_however_many_are_kept(goals, clock):
    """The hourly link-retention job looks for the links used, cancelled or expired before
    the kept days; with no index on those times each batch read the whole table. Among a
    thousand links of this month it searches an index per time, and deletes the five spent
    a month ago."""
    team = create_team(goals)
    mia_id, _ = add_member(goals, team, "Mia")
    _keep_links(goals, team.id, mia_id, clock.now(), count=5)
    clock.advance(days=31)
    _keep_links(goals, team.id, mia_id, clock.now(), count=1000)
    purges: list = []

    def keep_the_purge(conn, cursor, statement, parameters, *args) -> None:
        if statement.startswith("DELETE FROM invites"):
            purges.append((statement, parameters))

    event.listen(goals.container.engine, "before_cursor_execute", keep_the_purge)
    try:
        purged = run_job(goals, "link-retention")
    finally:
        event.remove(goals.container.engine, "before_cursor_execute", keep_the_purge)

    assert purged == 5
    plans = "\n".join(_plan(goals, statement, parameters) for statement, parameters in purges)
    for index in ("ix_invites_used_at", "ix_invites_cancelled_at", "ix_invites_expires_at"):
        assert index in plans, plans
    assert "SCAN invites" not in plans and "Seq Scan" not in plans, plans


def _keep_links(goals, team_id: str, member_id: str, at, *, count: int) -> None:
    """`count` sign-in links issued `at`, every other one used then."""
    with goals.container.uow() as uow:
        for n in range(count):
            link, _ = Invite.issue(team_id, member_id, member_id, at,
                                   goals.container.settings.secret_key, purpose=SIGN_IN)
            link.used_at = at if n % 2 else None
            uow.invites.add(link)
        uow.commit()


def test_a_member_who_left_is_told_so_by_any_link_of_theirs_used_or_not(goals):
    """A link of a member who left answered 409 "this invite link was cancelled …; ask a lead
    for a new one" (or "was already used"), a new link no lead can give them: it answers 403
    saying they are no longer a member, and gives no token."""
    team = create_team(goals, name="Falcons")
    member_id, _ = add_member(goals, team, "Max", email="max@example.com")
    used, unused = (invite(goals, team, member_id).json["code"] for _ in range(2))
    assert redeem(goals, used).status_code == 200
    goals.client.post("/sign-in-links", json={"email": "max@example.com"})
    mailed = outbox(goals, "member.sign_in_requested")[-1]["link"].rpartition("/")[2]
    left = goals.client.patch(f"/v1/teams/{team.id}/members/{member_id}",
                              headers=auth(team.lead), json={"state": "left"})
    assert left.status_code == 200, left.json

    answers = [redeem(goals, used), redeem(goals, unused),
               goals.client.post("/sign-in/redeem", json={"code": mailed})]

    assert [a.status_code for a in answers] == [403, 403, 403], [a.json for a in answers]
    for answer in answers:
        assert answer.json["detail"] == "you are no longer a member of Falcons"
        assert "token" not in answer.json


def redeem_under(goals, code: str, key: str, path: str = "/invites/redeem"):
    return goals.app.test_client().post(path, json={"code": code},
                                        headers={"Idempotency-Key": key})


def test_an_invite_accepted_twice_at_once_under_one_key_signs_the_member_in_both_times(goals):
    """A double-clicked "Accept and sign in": both requests arrive together (held after
    reading the key, up to 2 s); the first uses the link, the second answered 409 "already
    used" though the member was signed in. Under one key both sign Max in, each with a
    working token."""
    team = create_team(goals)
    max_id, _ = add_member(goals, team, "Max")
    code = invite(goals, team, max_id).json["code"]

    answers = run_together(goals.container.engine, lambda sql: "FROM idempotency_keys" in sql,
                           lambda: redeem_under(goals, code, "accept-1"),
                           lambda: redeem_under(goals, code, "accept-1")).results

    assert [a.status_code for a in answers] == [200, 200], [a.json for a in answers]
    assert [a.json["id"] for a in answers] == [max_id, max_id]
    assert [goals.client.get(f"/v1/teams/{team.id}/members/{max_id}",
                             headers=auth(a.json["token"])).status_code
            for a in answers] == [200, 200]
    assert redeem(goals, code).status_code == 409  # without the key: used, as before


def test_a_link_repeated_under_its_key_is_used_after_a_minute_or_once_access_was_revoked(
        goals, clock):
    """A repeat signs in as the first did only shortly after: a minute on, or once Max's
    tokens were revoked, the link is used. A sign-in link repeats as an invite does."""
    team = create_team(goals)
    max_id, _ = add_member(goals, team, "Max", email="max@example.com")
    late, revoked = (invite(goals, team, max_id).json["code"] for _ in range(2))
    assert redeem_under(goals, late, "k").status_code == 200
    clock.advance(seconds=59)
    assert redeem_under(goals, late, "k").json["id"] == max_id
    clock.advance(seconds=1)
    used = redeem_under(goals, late, "k")
    assert used.status_code == 409 and used.json["detail"] == (
        "this invite link was already used; ask a lead for a new one")
    assert redeem_under(goals, revoked, "k").status_code == 200
    goals.client.delete(f"/v1/teams/{team.id}/members/{max_id}/token", headers=auth(team.lead))
    assert redeem_under(goals, revoked, "k").status_code == 409
    goals.client.post("/sign-in-links", json={"email": "max@example.com"})
    mailed = outbox(goals, "member.sign_in_requested")[-1]["link"].rpartition("/")[2]
    assert [redeem_under(goals, mailed, "m", "/sign-in/redeem").json["id"]
            for _ in range(2)] == [max_id, max_id]


@pytest.mark.parametrize("email", ["", "   "])
def test_a_sign_in_link_asked_for_a_blank_address_is_refused_as_blank(goals, email):
    """A blank address was refused with two messages at once, "Not a valid email address."
    and "Length must be between 1 and 320." (the empty one), or as no address (spaces): it
    now says "Must not be blank.", as every text that must be given does; a long or a bad
    address still says why."""
    blank = goals.client.post("/sign-in-links", json={"email": email})
    bad = goals.client.post("/sign-in-links", json={"email": "max.example.com"})
    long = goals.client.post("/sign-in-links", json={"email": "m" * 64 + "@" + "x" * 300 + ".de"})

    assert [(r.status_code, r.json["errors"]) for r in (blank, bad)] == [
        (422, {"email": ["Must not be blank."]}),
        (422, {"email": ["Not a valid email address."]})]
    assert long.status_code == 422
    assert "Length must be between 1 and 320." in long.json["errors"]["email"], long.json
    assert outbox(goals, "member.sign_in_requested") == []
