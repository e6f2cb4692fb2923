"""Comments on a check-in, posted over HTTP as a browser without JavaScript sends them, against
the real stack."""

from __future__ import annotations

import re

from tests.support.waiting import eventually
from tests.web.over_http import hidden_fields, metric_goal, service_stopped, signed_in


def a_lead_checked_in(stack):
    """A new team whose lead checked in on a metric goal and is signed in to the web app: the
    team, the goal, the check-in, the lead's session and CSRF token."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"value": 4}).get_json()
    session, csrf = signed_in(stack, team.lead)
    return team, goal, checkin, session, csrf


def test_a_refused_comment_without_javascript_says_why(stack):
    """Every form works without JavaScript (README); a refused comment was silently dropped
    (a redirect to the goal page, without the error or the text). The text comes back as typed
    (it came back trimmed)."""
    team, goal, checkin, session, csrf = a_lead_checked_in(stack)
    too_long = "A long review of this check-in. " * 70  # 2240 characters, the API takes 2000

    answer = session.post(
        stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments",
        data={"csrf_token": csrf, "text": too_long})

    assert "between 1 and 2000" in answer.text, (answer.status_code, answer.url)
    assert answer.status_code == 422 and "<h1>Comments</h1>" in answer.text
    assert f'value="{too_long}"' in answer.text  # what was typed, to shorten


def test_a_comment_of_spaces_only_is_refused_as_blank_not_for_its_length(stack):
    """A comment of spaces (or a line break and a zero-width space) was trimmed by the web app
    to nothing, which checkins refused as "Length must be between 1 and 2000.": it now says the
    comment is blank, as checkins' rule for a blank text does, and adds nothing."""
    team, goal, checkin, session, csrf = a_lead_checked_in(stack)
    comments = stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments"

    answers = [session.post(comments, data={"csrf_token": csrf, "text": text})
               for text in ("   ", " \n\u200b ")]

    assert [a.status_code for a in answers] == [422, 422], [a.url for a in answers]
    for answer in answers:
        error = re.search(r'<small id="comment-e-[^"]+" class="error" role="alert">([^<]*)',
                          answer.text)
        assert error and error.group(1) == "Must not be blank.", answer.text
    listed = stack.checkins.call("GET", f"/v1/checkins/{checkin['id']}/comments",
                                 team.lead).get_json()["items"]
    assert listed == []


def test_a_comment_without_javascript_returns_to_the_check_in(stack):
    team, goal, checkin, session, csrf = a_lead_checked_in(stack)

    answer = session.post(
        stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments",
        data={"csrf_token": csrf, "text": "Well done"}, allow_redirects=False)

    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/goals/{goal['id']}#c-{checkin['id']}")


def test_a_comment_form_sent_twice_adds_one_comment(stack):
    """A double click on Comment (or a resend after a timeout) added the comment twice. The
    form carries a key: sent twice, one comment."""
    team, goal, checkin, session, csrf = a_lead_checked_in(stack)
    comments = stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments"
    form = hidden_fields(session.get(comments).text)
    assert form.get("idempotency_key")

    answers = [session.post(comments, data={**form, "csrf_token": csrf, "text": "Well done"},
                            allow_redirects=False) for _ in range(2)]

    assert [a.status_code for a in answers] == [302, 302]
    listed = stack.checkins.call("GET", f"/v1/checkins/{checkin['id']}/comments",
                                 team.lead).get_json()["items"]
    assert [c["text"] for c in listed] == ["Well done"]


def test_the_101st_comment_on_a_check_in_shows_once_added(stack, small_pages):
    """The comments read were the check-in's first 100 (oldest first): the 101st, added with
    htmx, was saved, yet the comments swapped in after it did not have it, nor ever would.
    Read in `small_pages`, it is on the sixth."""
    team, goal, checkin, session, csrf = a_lead_checked_in(stack)
    for n in range(100):
        made = stack.checkins.call("POST", f"/v1/checkins/{checkin['id']}/comments", team.lead,
                                   json={"text": f"Comment {n + 1}"})
        assert made.status_code == 201, made.get_json()
    comments = stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments"
    form = hidden_fields(session.get(comments, headers={"HX-Request": "true"}).text)

    added = session.post(comments, headers={"HX-Request": "true"},
                         data={**form, "csrf_token": csrf, "text": "Comment 101"})

    assert added.status_code == 200, added.status_code
    assert re.findall(r"</time>: (Comment \d+)</li>", added.text) == [
        f"Comment {n}" for n in range(1, 102)]


def test_each_comment_says_who_wrote_it(stack):
    """The comments read "Sun 06 Dec 2026, 00:35: Nice", without who said it."""
    team = stack.new_team(lead_name="Lena")
    _, ben = stack.add_member(team, "Ben")
    goal = metric_goal(stack, ben)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", ben,
                                  json={"value": 4}).get_json()
    stack.checkins.call("POST", f"/v1/checkins/{checkin['id']}/comments", team.lead,
                        json={"text": "Nice pace"})
    session, _ = signed_in(stack, ben)

    page = session.get(stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments")

    assert re.search(r"<strong>Lena</strong>, <time[^>]*>[^<]*</time>: Nice pace", page.text)


HTMX = {"HX-Request": "true"}
GONE = "you no longer have access to this goal."


def hidden_from_teammate(stack) -> tuple[dict, dict, str]:
    """A check-in on Ben's goal, which Ben then made private: his teammate Max, whose page
    still shows it, may no longer see it (the checkins API answers him 404). The goal, the
    check-in and Max's token."""
    team = stack.new_team()
    _, ben = stack.add_member(team, "Ben")
    _, max_ = stack.add_member(team, "Max")
    goal = metric_goal(stack, ben)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", ben,
                                  json={"value": 4}).get_json()
    private = stack.goals.call("PATCH", f"/v1/goals/{goal['id']}", ben,
                               json={"visibility": "private"}, headers={"If-Match": "*"})
    assert private.status_code == 200, private.get_json()
    eventually(lambda: stack.checkins.call(
        "GET", f"/v1/checkins/{checkin['id']}", max_).status_code == 404)
    return goal, checkin, max_


def test_a_comment_on_a_check_in_no_longer_seen_says_so_in_place_with_the_text(stack):
    """It swapped the bare "Not found" page over the whole goal page (htmx), or showed it
    instead of the comments (without JavaScript); the comment typed was lost. Then it said
    "this check-in was removed, or you can no longer see its goal" (check-ins are never
    removed) and led back to the goal, whose page is "Not found" to them."""
    goal, checkin, max_ = hidden_from_teammate(stack)
    session, csrf = signed_in(stack, max_)
    url = stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/comments"

    swapped = session.post(url, data={"csrf_token": csrf, "text": "Typed before it went"},
                           headers=HTMX)
    page = session.post(url, data={"csrf_token": csrf, "text": "Typed before it went"})

    assert (swapped.status_code, page.status_code) == (404, 404)
    assert "HX-Retarget" not in swapped.headers and "<h1>" not in swapped.text
    assert "<h1>Comments</h1>" in page.text
    assert 'href="/board"' in page.text and f'href="/goals/{goal["id"]}"' not in page.text
    for answer in (swapped, page):
        assert f"Your comment was not added: {GONE}" in answer.text
        assert 'value="Typed before it went"' in answer.text


def test_kudos_on_a_check_in_no_longer_seen_say_so_beside_the_button(stack):
    goal, checkin, max_ = hidden_from_teammate(stack)
    session, csrf = signed_in(stack, max_)

    swapped = session.post(stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/kudos",
                           data={"csrf_token": csrf}, headers=HTMX)

    assert swapped.status_code == 404, swapped.status_code
    assert "HX-Retarget" not in swapped.headers
    assert re.search(r'<form class="kudos".*Give kudos</button>.*'
                     + re.escape(f"Your kudos were not given: {GONE}"), swapped.text, re.S)


def test_kudos_without_javascript_from_a_teammate_who_lost_access_say_so_plainly(stack):
    """Without JavaScript, kudos come back to the goal page; from a teammate the goal was made
    private to meanwhile, that page answered the bare "Not found" page, not saying what
    happened to the kudos or why."""
    goal, checkin, max_ = hidden_from_teammate(stack)
    session, csrf = signed_in(stack, max_)

    page = session.post(stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/kudos",
                        data={"csrf_token": csrf})

    assert page.status_code == 404, page.status_code
    assert "<h1>No access to this goal</h1>" in page.text and "Not found" not in page.text
    assert ("Your kudos were not given: you no longer have access to this goal."
            in page.text)
    assert 'href="/board"' in page.text


def test_kudos_and_a_comment_refused_by_checkins_are_swapped_in_place_by_htmx(stack):
    """Checkins' refusals of kudos (403: one's own check-in) and of a comment (422: too long)
    come back to htmx as the part that sent them, with the reason (and the text typed), not
    as a page; checkins refuses neither with a 409."""
    team, goal, checkin, session, csrf = a_lead_checked_in(stack)
    url = stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}"
    too_long = "A long review of this check-in. " * 70

    kudos = session.post(url + "/kudos", data={"csrf_token": csrf}, headers=HTMX)
    comment = session.post(url + "/comments", data={"csrf_token": csrf, "text": too_long},
                           headers=HTMX)

    assert (kudos.status_code, comment.status_code) == (403, 422)
    for swapped in (kudos, comment):
        assert "HX-Retarget" not in swapped.headers and "<h1>" not in swapped.text
    assert kudos.text.lstrip().startswith('<form class="kudos"')
    assert ("Your kudos were not given: kudos are for teammates&#39; check-ins, not your own."
            in kudos.text)
    assert re.search(r'<small id="comment-e-[^"]+" class="error" role="alert">[^<]*'
                     r"between 1 and 2000", comment.text)
    assert f'value="{too_long}"' in comment.text


def test_a_comment_or_kudos_sent_while_checkins_is_down_say_so_in_place(stack, tmp_path):
    """Both showed the bare "Temporarily unavailable" page; without JavaScript, kudos now come
    back to the goal page, saying why above its check-ins."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"value": 4}).get_json()
    path = f"/goals/{goal['id']}/checkins/{checkin['id']}"
    with service_stopped(stack, tmp_path, team.lead, "checkins") as (session, csrf, web_url):
        comment = session.post(web_url + path + "/comments",
                               data={"csrf_token": csrf, "text": "Typed in an outage"})
        kudos = session.post(web_url + path + "/kudos", data={"csrf_token": csrf})

    assert (comment.status_code, kudos.status_code) == (503, 503)
    down = "The checkins service is unavailable, so nothing was saved"
    assert f"{down}: your comment was not added." in comment.text
    assert 'value="Typed in an outage"' in comment.text
    assert f"{down}: your kudos were not given." in kudos.text
    assert "<h1>Grow the revenue</h1>" in kudos.text


def test_a_members_own_check_in_shows_its_kudos_without_a_button_to_give_them(stack):
    """Each check-in offered "Give kudos" to its own author too, whose click was refused with
    "kudos are for teammates' check-ins, not your own": a button that could only fail. The
    author now reads how many kudos teammates gave; teammates keep the button."""
    team = stack.new_team()
    _, max_token = stack.add_member(team, "Max")
    goal = stack.create_goal(team.lead, title="Ship it together", kind="team")
    eventually(lambda: stack.checkins_know(goal["id"], team.lead))
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"note": "Shipped the first part"}).get_json()
    teammate, csrf = signed_in(stack, max_token)
    given = teammate.post(stack.web_url + f"/goals/{goal['id']}/checkins/{checkin['id']}/kudos",
                          data={"csrf_token": csrf}, headers={"HX-Request": "true"})
    author, _ = signed_in(stack, team.lead)

    own = author.get(stack.web_url + f"/goals/{goal['id']}").text
    theirs = teammate.get(stack.web_url + f"/goals/{goal['id']}").text

    assert given.status_code == 200 and "Give kudos (1)</button>" in given.text
    assert f'id="kudos-{checkin["id"]}"' in own and "Give kudos" not in own
    assert re.search(rf'<p class="kudos" id="kudos-{checkin["id"]}">\s*Kudos from teammates: 1',
                     own)
    assert "Give kudos (1)</button>" in theirs
