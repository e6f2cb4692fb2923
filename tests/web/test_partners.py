"""Choosing an accountability partner on the partners page (the checkins API's invitations),
over HTTP as a browser without JavaScript posts, against the real stack."""

from __future__ import annotations

import html
import re

from services.web.adapters.api_client import ServiceUnavailable
from tests.support.races import at_once
from tests.support.waiting import eventually
from tests.web.over_http import (
    api_goal,
    badges,
    checked_in_since,
    days,
    hidden_fields,
    metric_goal,
    page_client,
    pair,
    service_stopped,
    signed_in,
)


def picker(page: str) -> dict[str, str]:
    """The invite form's choices: teammate name -> member id."""
    form = re.search(r'<form id="invite-form".*?</form>', page, re.S)
    return {name: value for value, name in re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)<',
                                                      form.group(0))} if form else {}


def invited(session, web_url: str, csrf: str, member_id: str, key: str = ""):
    """The invitation sent from the page (under the form's `key`, when given), once the
    checkins service has heard of the member."""
    def sent():
        answer = session.post(web_url + "/partners/invitations",
                              data={"csrf_token": csrf, "member_id": member_id,
                                    "idempotency_key": key},
                              allow_redirects=False)
        return answer if answer.status_code == 302 else None
    return eventually(sent, interval=0.2)


def one_invited(stack, inviter: str, invitee: str) -> list[tuple[str, object, str]]:
    """Two members of a new team, `inviter` having invited `invitee` from the partners page:
    each one's member id, signed-in session and CSRF token, the inviter's first."""
    team = stack.new_team(lead_name="Lena")
    both = [(member_id, *signed_in(stack, token))
            for member_id, token in (stack.add_member(team, name) for name in (inviter, invitee))]
    (_, session, csrf), (invitee_id, _, _) = both
    invited(session, stack.web_url, csrf, invitee_id)
    return both


def test_a_member_invites_a_teammate_who_accepts_and_they_are_partners(stack):
    """The partners page said a lead can run a pairing round, and offered no way to choose a
    partner, though the checkins API takes invitations."""
    team = stack.new_team(lead_name="Lena")
    ben_id, ben = stack.add_member(team, "Ben")
    chen_id, chen = stack.add_member(team, "Chen")
    bens, ben_csrf = signed_in(stack, ben)
    assert picker(bens.get(stack.web_url + "/partners").text) == {
        "Chen": chen_id, "Lena": team.lead_id}

    invited(bens, stack.web_url, ben_csrf, chen_id)

    assert "You invited Chen; waiting for them to accept." in html.unescape(
        bens.get(stack.web_url + "/partners").text)
    chens, chen_csrf = signed_in(stack, chen)
    page = chens.get(stack.web_url + "/partners").text
    assert "Ben invited you to be partners." in page and "Ben" not in picker(page)
    accept = re.search(r'action="(/partners/invitations/[^"]+/accept)"', page).group(1)

    accepted = chens.post(stack.web_url + accept, data={"csrf_token": chen_csrf})

    assert accepted.status_code == 200, accepted.status_code
    assert '<h2 id="p-' + ben_id + '">Ben</h2>' in accepted.text
    assert "invited you" not in accepted.text and "Ben" not in picker(accepted.text)


def answer_form(page: str, answer: str, who: str = "") -> tuple[str, dict[str, str]]:
    """The action and hidden fields of the page's form that answers `answer` (accept, end) to
    the invitation whose line starts with `who`."""
    form = re.search(rf'<li id="invitation-[^"]+">{who}[^<]*\s*(?:<form.*?</form>\s*)*?'
                     rf'(<form[^>]*action="([^"]+/{answer})".*?</form>)', page, re.S)
    return form.group(2), hidden_fields(form.group(1))


def test_an_answer_sent_twice_answers_the_second_time_as_the_first(stack):
    """Accept or Withdraw double-clicked (or sent again after a timeout, as the page says to)
    answered the second time "The invitation was not accepted: this partnership is active;
    only an invitation can be accepted." (409), though it was, and "was not answered: this
    partnership is already declined" for the withdrawal. The web then guessed from the team's
    list; each answer form now carries a key, sent to checkins, which answers a resend as the
    first."""
    team = stack.new_team(lead_name="Lena")
    ben_id, ben = stack.add_member(team, "Ben")
    chen_id, chen = stack.add_member(team, "Chen")
    dana_id, _ = stack.add_member(team, "Dana")
    bens, ben_csrf = signed_in(stack, ben)
    invited(bens, stack.web_url, ben_csrf, chen_id)
    invited(bens, stack.web_url, ben_csrf, dana_id)
    chens, chen_csrf = signed_in(stack, chen)
    accept, accept_fields = answer_form(chens.get(stack.web_url + "/partners").text, "accept")
    withdraw, withdraw_fields = answer_form(bens.get(stack.web_url + "/partners").text, "end",
                                            "You invited Dana;")
    assert accept_fields["idempotency_key"] and withdraw_fields["idempotency_key"]

    answers = [chens.post(stack.web_url + accept, data=accept_fields,
                          allow_redirects=False) for _ in range(2)]
    answers += [bens.post(stack.web_url + withdraw, data=withdraw_fields,
                          allow_redirects=False) for _ in range(2)]

    assert [a.status_code for a in answers] == [302] * 4, [a.status_code for a in answers]
    assert f'<h2 id="p-{ben_id}">Ben</h2>' in chens.get(stack.web_url + "/partners").text
    assert "You invited Dana" not in bens.get(stack.web_url + "/partners").text
    path = accept.replace("/partners/invitations/", f"/v1/teams/{team.id}/partnerships/")
    resent = stack.checkins.call("POST", path, chen,
                                 headers={"Idempotency-Key": accept_fields["idempotency_key"]})
    assert resent.status_code == 200 and resent.headers["Idempotent-Replayed"] == "true"


def test_an_answer_that_timed_out_shows_its_form_again_under_its_key(stack, monkeypatch):
    """Accept sent as checkins took too long to answer: the page says it may not have been
    accepted and to send it again, and the invitation's form keeps the key it was sent
    under, so the resend accepts it once whether or not the first did."""
    (ben_id, _, _), (_, chens, _) = one_invited(stack, "Ben", "Chen")
    accept, fields = answer_form(chens.get(stack.web_url + "/partners").text, "accept")
    client = page_client(stack)
    original = client.request

    def timed_out(service, method, path, token, **kwargs):
        if method == "POST" and path.endswith("/accept"):
            raise ServiceUnavailable(service)
        return original(service, method, path, token, **kwargs)

    monkeypatch.setattr(client, "request", timed_out)
    answer = chens.post(stack.web_url + accept, data=fields)
    monkeypatch.setattr(client, "request", original)

    assert answer.status_code == 503, answer.status_code
    assert ("The checkins service did not answer in time; the invitation may not have been "
            "accepted. Send it again in a minute: it will not be answered twice."
            ) in html.unescape(answer.text)
    again, kept = answer_form(answer.text, "accept")
    assert (again, kept["idempotency_key"]) == (accept, fields["idempotency_key"])
    resent = chens.post(stack.web_url + again, data=kept)
    assert f'<h2 id="p-{ben_id}">Ben</h2>' in resent.text


def test_an_invitation_withdrawn_before_it_is_declined_says_it_was_not_declined(stack):
    """Chen declined an invitation Ben had withdrawn meanwhile: the 409 was taken for a
    double click (the invitation was no longer open, so the web guessed Chen's decline had
    done it) and the page said nothing. Refused, the page now says why."""
    (_, bens, _), (_, chens, _) = one_invited(stack, "Ben", "Chen")
    decline, decline_fields = answer_form(chens.get(stack.web_url + "/partners").text, "end")
    withdraw, withdraw_fields = answer_form(bens.get(stack.web_url + "/partners").text, "end")
    assert bens.post(stack.web_url + withdraw, data=withdraw_fields,
                     allow_redirects=False).status_code == 302

    declined = chens.post(stack.web_url + decline, data=decline_fields)

    assert declined.status_code == 409, declined.status_code
    assert ('<p class="error" role="alert">The invitation was not answered: this partnership '
            'is already declined.</p>') in declined.text
    assert "invited you" not in declined.text


def test_a_partner_of_long_standing_stays_listed_after_50_newer_partnerships(stack, small_pages):
    """The page read the team's partnerships once: the newest 50. A partnership older than 50
    others (ended ones count: each pairing round ends the last one's) fell off it: Lena's
    partner Ben was gone from her page, which said she had none and offered to invite him.
    Read in `small_pages`, Ben's is on the third."""
    team = stack.new_team(lead_name="Lena")
    ben_id, ben = stack.add_member(team, "Ben")
    chen_id, chen = stack.add_member(team, "Chen")
    dana_id, _ = stack.add_member(team, "Dana")
    pair(stack, team, team.lead, (ben, ben_id))
    path = f"/v1/teams/{team.id}/partnerships"
    eventually(lambda: all(stack.checkins.call(  # checkins has heard of Chen and Dana
        "GET", f"/v1/teams/{team.id}/members/{m}/pairing", team.lead).status_code == 200
        for m in (chen_id, dana_id)), interval=0.2)
    for _ in range(50):  # Chen invites Dana, and withdraws it
        sent = stack.checkins.call("POST", path, chen, json={"member_id": dana_id})
        assert sent.status_code == 201, sent.get_json()
        ended = stack.checkins.call("POST", f"{path}/{sent.get_json()['id']}/end", chen)
        assert ended.status_code == 200, ended.get_json()
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + "/partners").text

    assert f'<h2 id="p-{ben_id}">Ben</h2>' in page, page
    assert "Ben" not in picker(page) and "no accountability partner yet" not in page


def test_the_partners_page_and_board_ask_checkins_for_open_partnerships_once(stack):
    """The partners page and the board's "partners" filter read every page of the team's
    partnerships, ended ones too (each pairing round ends the last one's), and a refused
    answer to an invitation read them twice. Each reads them once, only the open ones."""
    team = stack.new_team(lead_name="Lena")
    ben_id, ben = stack.add_member(team, "Ben")
    pair(stack, team, team.lead, (ben, ben_id))
    stack.create_goal(ben, title="Run 100 km")
    chen_id, chen = stack.add_member(team, "Chen")
    path = f"/v1/teams/{team.id}/partnerships"
    withdrawn = eventually(lambda: stack.checkins.call(  # once checkins has heard of Chen
        "POST", path, chen, json={"member_id": team.lead_id}).get_json().get("id"), interval=0.2)
    stack.checkins.call("POST", f"{path}/{withdrawn}/end", chen)
    session, csrf = signed_in(stack, team.lead)
    client = stack.servers[-1].server.app.extensions["web"].api
    original, calls = client.request, []

    def counting(service, method, path, token, **kwargs):
        if path.endswith("/partnerships"):
            calls.append((method, (kwargs.get("params") or {}).get("status")))
        return original(service, method, path, token, **kwargs)

    client.request = counting
    try:
        page = session.get(stack.web_url + "/partners").text
        on_page, calls[:] = list(calls), []
        board = session.get(stack.web_url + "/board?show=partners").text
        on_board, calls[:] = list(calls), []
        refused = session.post(stack.web_url + f"/partners/invitations/{withdrawn}/accept",
                               data={"csrf_token": csrf})
    finally:
        client.request = original

    assert f'<h2 id="p-{ben_id}">Ben</h2>' in page and "Run 100 km" in board
    assert on_page == [("GET", ["invited", "active"])]
    assert on_board == [("GET", ["active"])]
    assert refused.status_code == 409, refused.status_code
    assert "The invitation was not accepted: this partnership is declined" in refused.text
    assert calls == [("GET", ["invited", "active"])]


def test_an_invitation_the_api_refuses_says_why_beside_the_picker(stack):
    """Ben invites Chen, whose invitation to Ben is open (a page drawn before it came)."""
    (chen_id, _, _), (_, session, csrf) = one_invited(stack, "Chen", "Ben")

    again = session.post(stack.web_url + "/partners/invitations",
                         data={"csrf_token": csrf, "member_id": chen_id})

    assert again.status_code == 409, again.status_code
    label = re.search(r'<label for="f-member_id">.*?</label>', again.text, re.S).group(0)
    assert ("No invitation was sent: you are already partners, or an invitation between you "
            "is open.") in html.unescape(label)
    assert re.search(rf'<option value="{chen_id}" selected>Chen</option>', label)


def test_an_invitation_sent_twice_answers_both_with_the_one_invitation(stack):
    """Send the invitation double-clicked: the first invited Chen, checkins refused the second
    (409), and the member read "No invitation was sent: you are already partners, or an
    invitation between you is open" beside the picker, though it had been sent. The form
    carries a key: the second gets the first answer."""
    team = stack.new_team(lead_name="Lena")
    _, ben = stack.add_member(team, "Ben")
    chen_id, _ = stack.add_member(team, "Chen")
    session, csrf = signed_in(stack, ben)
    fields = invite_form(session.get(stack.web_url + "/partners").text)
    assert fields.get("idempotency_key")
    invited(session, stack.web_url, csrf, chen_id, fields["idempotency_key"])

    again = session.post(stack.web_url + "/partners/invitations",
                         data={**fields, "member_id": chen_id}, allow_redirects=False)

    assert again.status_code == 302, again.status_code
    assert again.headers["Location"] == "/partners#invitations-h"
    page = html.unescape(session.get(stack.web_url + "/partners").text)
    assert page.count("You invited Chen; waiting for them to accept.") == 1


def test_an_invitation_form_resent_with_another_choice_says_the_first_was_sent(stack):
    """Sent, its answer lost, another teammate chosen and sent again: the key was used with
    another body. The picker says the first invitation was sent, and the form, sent again,
    invites this one too."""
    team = stack.new_team(lead_name="Lena")
    _, ben = stack.add_member(team, "Ben")
    chen_id, _ = stack.add_member(team, "Chen")
    dana_id, _ = stack.add_member(team, "Dana")
    session, csrf = signed_in(stack, ben)
    fields = invite_form(session.get(stack.web_url + "/partners").text)
    invited(session, stack.web_url, csrf, chen_id, fields["idempotency_key"])
    eventually(lambda: stack.checkins.call(  # checkins has heard of Dana
        "GET", f"/v1/teams/{team.id}/members/{dana_id}/pairing", team.lead).status_code
        == 200,
        interval=0.2)

    changed = session.post(stack.web_url + "/partners/invitations",
                           data={**fields, "member_id": dana_id})

    assert changed.status_code == 422, changed.status_code
    assert ("This form was already sent with another teammate chosen, and that invitation was "
            "sent: it is listed above. Send the form again to invite this one as well."
            ) in html.unescape(changed.text)
    resent = session.post(stack.web_url + "/partners/invitations",
                          data={**invite_form(changed.text), "member_id": dana_id})
    page = html.unescape(resent.text)
    assert "You invited Chen; waiting" in page and "You invited Dana; waiting" in page


def invite_form(page: str) -> dict[str, str]:
    """The hidden fields of the partners page's invite form."""
    return hidden_fields(re.search(r'<form id="invite-form".*?</form>', page, re.S).group(0))


def test_an_invitation_sent_while_checkins_is_down_answers_503_with_the_choice_kept(
        stack, tmp_path):
    team = stack.new_team(lead_name="Lena")
    _, ben = stack.add_member(team, "Ben")
    chen_id, _ = stack.add_member(team, "Chen")
    with service_stopped(stack, tmp_path, ben, "checkins") as (session, csrf, web_url):
        answer = session.post(web_url + "/partners/invitations",
                              data={"csrf_token": csrf, "member_id": chen_id})

    assert answer.status_code == 503, answer.status_code
    label = re.search(r'<label for="f-member_id">.*?</label>', answer.text, re.S).group(0)
    assert ("The checkins service is unavailable, so nothing was saved: the invitation was "
            "not sent.") in label
    assert re.search(rf'<option value="{chen_id}" selected>Chen</option>', label)


def rounds_listed(page: str) -> list[str]:
    """The numbers of the pairing rounds a rounds page lists, newest first."""
    return re.findall(r"<li>Round (\d+),", page)


def round_form_fields(page: str) -> dict[str, str]:
    """The hidden fields of a rounds page's "Run a pairing round now" form."""
    form = re.search(r'<form method="post" action="/partners/rounds">.*?</form>', page, re.S)
    return hidden_fields(form.group(0))


def test_a_double_submitted_pairing_round_runs_one_round(stack):
    """"Run a pairing round now" double-clicked ran two rounds 30 ms apart: the second
    reshuffled the pairs the first had just announced, and everyone was told twice (sent at
    the very same moment, the second answered 409). The form carries a key of its own now:
    sent twice at once, and once more after, it runs one round and every answer leads to it."""
    team = stack.new_team(lead_name="Lena")
    members = [stack.add_member(team, name)[0] for name in ("Ben", "Chen", "Dana")]
    eventually(lambda: stack.checkins.call(  # checkins has heard of the whole team
        "GET", f"/v1/teams/{team.id}/members/{members[-1]}/pairing", team.lead).status_code
        == 200, interval=0.2)
    session, _ = signed_in(stack, team.lead)
    fields = round_form_fields(session.get(stack.web_url + "/partners/rounds").text)

    def send():
        return session.post(stack.web_url + "/partners/rounds", data=fields,
                            allow_redirects=False)

    answers = at_once(send, send) + [send()]

    assert [a.status_code for a in answers] == [302] * 3, [
        html.unescape(a.text) for a in answers]
    assert {a.headers["Location"] for a in answers} == {"/partners/rounds"}
    page = session.get(stack.web_url + "/partners/rounds").text
    assert rounds_listed(page) == ["1"]
    # the form drawn again is a new round's
    assert round_form_fields(page)["idempotency_key"] != fields["idempotency_key"]


def test_the_rounds_page_goes_on_past_its_newest_20_rounds_numbered_as_they_read(stack):
    """The page listed the newest 20 rounds and no way to the older ones; its reversed list
    numbered them from 20 down, so "20." stood before "Round 21". Now "Older rounds" goes on
    from where the page ends, and each round's number is its list number."""
    team = stack.new_team(lead_name="Lena")
    members = [stack.add_member(team, name)[0] for name in ("Ben", "Chen")]
    eventually(lambda: stack.checkins.call(  # checkins has heard of the whole team
        "GET", f"/v1/teams/{team.id}/members/{members[-1]}/pairing", team.lead).status_code
        == 200, interval=0.2)
    for _ in range(21):
        ran = stack.checkins.call("POST", f"/v1/teams/{team.id}/pairing-rounds", team.lead,
                                  json={})
        assert ran.status_code == 201, ran.get_json()
    session, _ = signed_in(stack, team.lead)

    newest = session.get(stack.web_url + "/partners/rounds").text
    older_link = re.search(r'<a href="([^"]+)" rel="next">Older rounds</a>', newest)
    assert older_link, newest
    older = session.get(stack.web_url + html.unescape(older_link.group(1))).text

    assert rounds_listed(newest) == [str(n) for n in range(21, 1, -1)]
    assert '<ol class="rounds" reversed start="21">' in newest
    assert rounds_listed(older) == ["1"] and '<ol class="rounds" reversed start="1">' in older
    assert "Older rounds" not in older
    assert '<a href="/partners/rounds">Newest rounds</a>' in older


def test_a_partners_goals_have_the_badges_the_board_gives_them(stack):
    """The partners page badged a goal by its health alone: a draft and a closed goal, which
    have none, read "• None", an achieved one "• Done"; the board says "… Not started",
    "■ Closed" and "★ Achieved"."""
    team = stack.new_team(lead_name="Lena")
    ben_id, ben = stack.add_member(team, "Ben")
    pair(stack, team, team.lead, (ben, ben_id))
    stack.create_goal(ben, title="Write the runbook", start_date=days(1), due_date=days(30),
                      status="draft")
    achieved = metric_goal(stack, ben)
    checked_in_since(stack, ben, achieved, 100)
    eventually(lambda: api_goal(stack, ben, achieved["id"])["status"] == "achieved")
    closed = metric_goal(stack, ben)
    dropped = stack.goals.call("POST", f"/v1/goals/{closed['id']}/close", ben,
                               json={"outcome": "dropped", "retrospective": "Not needed"})
    assert dropped.status_code == 200, dropped.get_json()
    session, _ = signed_in(stack, team.lead)

    page = session.get(stack.web_url + "/partners").text

    assert sorted(badges(page)) == sorted(["… Not started", "★ Achieved", "■ Closed"])
    board = session.get(stack.web_url + "/board?show=partners").text
    closed_board = session.get(stack.web_url + "/board?show=closed").text
    assert sorted(badges(page)) == sorted(badges(board) + badges(closed_board))
