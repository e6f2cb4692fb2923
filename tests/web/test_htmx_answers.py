"""What the web app answers htmx's requests (HX-Request: true) rather than a browser's, over HTTP
against the real stack."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests

from tests.web.over_http import closed_in_checkins, metric_goal, signed_in


def test_an_htmx_poll_after_signing_out_elsewhere_is_sent_to_sign_in_not_given_the_page(stack):
    """Signed out in another tab, the open board's poll got a 302 that htmx follows, and the
    whole sign-in page was swapped into #board."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    session.post(stack.web_url + "/signout", data={"csrf_token": csrf})  # "another tab"

    poll = session.get(stack.web_url + "/board?show=team", allow_redirects=False,
                       headers={"HX-Request": "true",
                                "HX-Current-URL": stack.web_url + "/board?show=team"})

    assert poll.headers.get("HX-Redirect", "").startswith("/signin"), \
        (poll.status_code, poll.headers.get("Location"))
    assert poll.status_code == 200 and poll.text == ""
    query = parse_qs(urlsplit(poll.headers["HX-Redirect"]).query)
    assert query == {"ended": ["1"], "next": ["/board?show=team"]}  # back to the board after


def test_a_page_opened_without_a_session_is_redirected_to_sign_in_and_back(stack):
    answer = requests.get(stack.web_url + "/board?show=mine", allow_redirects=False)

    assert answer.status_code == 302
    assert parse_qs(urlsplit(answer.headers["Location"]).query) == {"next": ["/board?show=mine"]}



def test_a_url_answering_a_fragment_to_htmx_and_a_page_otherwise_varies_on_hx_request(stack):
    """/board?show=... (the poll), /goals/<id>/history, .../comments, /team/deliveries and
    /partners/rounds answer a fragment or a full page at the same URL depending on HX-Request;
    without `Vary: HX-Request` a cache (the browser's, on Back) may serve the fragment as the
    page (htmx's documentation asks for this header)."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                  json={"value": 4}).get_json()
    session, _ = signed_in(stack, team.lead)

    for path in ("/board?show=mine", f"/goals/{goal['id']}/history",
                 f"/goals/{goal['id']}/checkins/{checkin['id']}/comments", "/team/deliveries",
                 "/partners/rounds"):
        fragment = session.get(stack.web_url + path, headers={"HX-Request": "true"})
        full = session.get(stack.web_url + path)

        assert "<html" not in fragment.text and "<html" in full.text, path
        for answer in (fragment, full):
            assert "hx-request" in answer.headers.get("Vary", "").lower(), \
                (path, answer.headers.get("Vary"))


def test_a_check_in_sent_after_signing_out_in_another_tab_is_sent_to_sign_in(stack):
    """Signing out in one tab clears the session cookie the whole browser shares, its CSRF
    token with it; the quick check-in of My week, still open in another tab, was then answered
    400 "The form was missing its security token", swapped into the page, rather than being sent
    to sign in (and back to My week)."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    session.post(stack.web_url + "/signout", data={"csrf_token": csrf})  # "another tab"

    sent = session.post(stack.web_url + f"/goals/{goal['id']}/checkins", allow_redirects=False,
                        data={"form": "quick", "value": "6", "csrf_token": csrf},
                        headers={"HX-Request": "true", "X-CSRF-Token": csrf,
                                 "HX-Current-URL": stack.web_url + "/week"})
    without_js = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                              allow_redirects=False,
                              data={"form": "quick", "value": "6", "csrf_token": csrf})

    assert sent.status_code == 200 and sent.text == "", (sent.status_code, sent.text[:300])
    query = parse_qs(urlsplit(sent.headers["HX-Redirect"]).query)
    assert query == {"ended": ["1"], "next": ["/week"]}
    assert without_js.status_code == 302
    assert urlsplit(without_js.headers["Location"]).path == "/signin"
    logged = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins", team.lead)
    assert logged.get_json()["items"] == []


def test_a_check_in_refused_with_409_swaps_the_refusal_into_the_form_as_typed(stack):
    """htmx swaps a 409 (base.html's htmx-config) in place of the form it sent. A check-in sent
    from a page drawn before its goal was closed is refused by checkins with a 409; the form
    comes back, alone, saying why with what was typed (kudos and comments have no 409: checkins
    refuses them with 403, 404 or 422). It said the API's reason alone ("Goal … is dropped; only
    active goals take check-ins"), not that the check-in was not saved, as My week says it."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    closed_in_checkins(stack, team.lead, team.id, goal, "Plans changed")

    swapped = session.post(stack.web_url + f"/goals/{goal['id']}/checkins",
                           data={"csrf_token": csrf, "value": "40", "note": "Typed before"},
                           headers={"HX-Request": "true"})

    assert swapped.status_code == 409, swapped.status_code
    assert "HX-Retarget" not in swapped.headers and "<h1>" not in swapped.text
    assert swapped.text.lstrip().startswith('<form id="checkin-form"')
    assert ("Your check-in was not saved: goal “Grow the revenue” is closed as dropped; only "
            "active goals take check-ins.") in swapped.text
    assert 'value="40"' in swapped.text and "Typed before</textarea>" in swapped.text
