"""A web session slides while it is used, ends at its expiry when left idle, and ends at once on
signing out: over HTTP against the real stack, on the web app's own clock."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import requests
from sqlalchemy import select

from services.web.adapters.orm import web_sessions
from services.web.domain.sessions import LIFETIME as SESSION_LIFETIME
from services.web.domain.sessions import MAX_AGE, PROFILE_TTL
from shared.clock import ControlledClock
from shared.moments import MOMENT_FORMAT
from tests.web.over_http import CSRF, metric_goal, signed_in

DAY = timedelta(days=1)


def board_status(web, session: requests.Session) -> int:
    """200 for a live session, 302 (to sign in) for one that ended."""
    answer = session.get(web.url + "/board", allow_redirects=False)
    assert answer.status_code == 200 or answer.headers["Location"].startswith("/signin"), answer
    return answer.status_code


def stored_expiry(web, session: requests.Session) -> datetime | None:
    """The expiry of the session's row, found by the id its cookie holds."""
    app = web.server.app
    cookie = app.session_interface.get_signing_serializer(app).loads(
        session.cookies["goalkeeper_session"])
    id_hash = hashlib.sha256(cookie["sid"].encode()).hexdigest()
    with app.extensions["web"].sessions.engine.connect() as conn:
        return conn.execute(select(web_sessions.c.expires_at).where(
            web_sessions.c.id_hash == id_hash)).scalar()


def test_a_session_used_daily_lives_past_its_lifetime_extended_once_per_half_of_it(stack,
                                                                                   make_web):
    """It ended 14 days after signing in, however often it was used."""
    start = datetime.now(UTC)
    clock = ControlledClock(start)
    web = make_web(clock=clock)
    session, _ = signed_in(stack, stack.new_team().lead, web.url)

    expiries = []
    for day in range(1, 21):
        clock.set(start + day * DAY)
        assert board_status(web, session) == 200, f"ended on day {day}"
        assert board_status(web, session) == 200  # used twice a day
        expiries.append(stored_expiry(web, session))

    # extended on the first use with less than 7 days left (day 8, then day 16), not on each
    assert expiries == [start + SESSION_LIFETIME] * 7 + \
        [start + 8 * DAY + SESSION_LIFETIME] * 8 + [start + 16 * DAY + SESSION_LIFETIME] * 5


def test_a_session_in_daily_use_still_ends_at_its_hard_limit(stack, make_web):
    """A session that slid for ever let a cookie copied off a machine in daily use work for
    ever. Used every 6 days, it ends 90 days after signing in, and the member signs in again."""
    start = datetime.now(UTC)
    clock = ControlledClock(start)
    web = make_web(clock=clock)
    lead = stack.new_team().lead
    session, _ = signed_in(stack, lead, web.url)

    for day in range(6, MAX_AGE.days, 6):
        clock.set(start + day * DAY)
        assert board_status(web, session) == 200, f"ended on day {day}"
    assert stored_expiry(web, session) == start + MAX_AGE  # not 14 days after day 84
    clock.set(start + MAX_AGE)
    assert board_status(web, session) == 302
    fresh, _ = signed_in(stack, lead, web.url)
    assert board_status(web, fresh) == 200


def test_a_session_left_idle_ends_at_its_expiry_and_signing_out_ends_it_at_once(stack,
                                                                                  make_web):
    start = datetime.now(UTC)
    clock = ControlledClock(start)
    web = make_web(clock=clock)
    team = stack.new_team()
    idle, _ = signed_in(stack, team.lead, web.url)
    used, _ = signed_in(stack, team.lead, web.url)

    clock.set(start + 8 * DAY)
    assert board_status(web, used) == 200  # extended to day 22
    clock.set(start + SESSION_LIFETIME)
    assert board_status(web, idle) == 302
    assert board_status(web, used) == 200
    clock.set(start + 8 * DAY + SESSION_LIFETIME)
    assert board_status(web, used) == 302

    again, csrf = signed_in(stack, team.lead, web.url)
    copied = requests.Session()
    copied.cookies.update(again.cookies)
    again.post(web.url + "/signout", data={"csrf_token": csrf})
    assert board_status(web, copied) == 302


@pytest.mark.parametrize("target", ["/\\evil.example/board", "/\\/evil.example", "/%5Cevil.example",
                                    "/\t/evil.example", "//evil.example"])
def test_signing_in_never_sends_the_member_to_another_site(stack, target):
    """`next` was kept when it began with one "/" but not two, so "/<tab>/evil.example" was
    kept and answered as Location "//evil.example" (a browser drops the tab anyway): a phishing
    link to the sign-in page took the member, just signed in, to another site. (A backslash
    was safe only because werkzeug happens to quote it in Location.)"""
    team = stack.new_team()
    session = requests.Session()
    csrf = CSRF.search(session.get(stack.web_url + "/signin").text).group(1)

    signed = session.post(stack.web_url + "/signin", allow_redirects=False,
                          data={"token": team.lead, "csrf_token": csrf, "next": target})

    assert signed.status_code == 302
    location = signed.headers["Location"]
    as_read = re.sub(r"[\t\n\r]", "", location).replace("\\", "/")  # as a browser reads it
    if not as_read.startswith(stack.web_url + "/"):
        assert as_read.startswith("/") and not as_read.startswith("//"), location


def test_a_time_zone_changed_elsewhere_shows_within_a_minute_without_signing_in_again(
        stack, make_web):
    """The zone was read once, at sign-in: a member who moved to Tokyo saw UTC times until
    they signed in again."""
    start = datetime.now(UTC)
    clock = ControlledClock(start)
    web = make_web(clock=clock)
    team = stack.new_team(timezone="UTC")
    goal = metric_goal(stack, team.lead)
    logged = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                 json={"value": 5}).get_json()
    at = datetime.fromisoformat(logged["created_at"].replace("Z", "+00:00"))
    session, _ = signed_in(stack, team.lead, web.url)
    assert at.astimezone(UTC).strftime(MOMENT_FORMAT) in \
        session.get(web.url + f"/goals/{goal['id']}").text

    moved = stack.goals.call("PATCH", f"/v1/teams/{team.id}/members/{team.lead_id}", team.lead,
                             json={"timezone": "Asia/Tokyo"})
    assert moved.status_code == 200, moved.get_json()
    clock.set(start + PROFILE_TTL)

    page = session.get(web.url + f"/goals/{goal['id']}").text
    assert at.astimezone(ZoneInfo("Asia/Tokyo")).strftime(MOMENT_FORMAT) in page


def test_a_member_sets_their_time_zone_on_the_preferences_page_and_sees_it_at_once(stack):
    """No page let a member change their time zone (the one the app's times, quiet hours and
    reminders follow), nor said which zone it was."""
    team = stack.new_team(timezone="UTC")
    goal = metric_goal(stack, team.lead)
    logged = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", team.lead,
                                 json={"value": 5}).get_json()
    at = datetime.fromisoformat(logged["created_at"].replace("Z", "+00:00"))
    session, csrf = signed_in(stack, team.lead)
    assert "Quiet hours (your time zone, UTC)" in \
        session.get(stack.web_url + "/me/preferences").text

    refused = session.post(stack.web_url + "/me/timezone",
                           data={"csrf_token": csrf, "timezone": "Mars/Olympus"})
    assert refused.status_code == 422, refused.status_code
    assert re.search(r'value="Mars/Olympus"[^>]*aria-invalid="true"', refused.text)
    assert 'id="e-timezone"' in refused.text

    saved = session.post(stack.web_url + "/me/timezone",
                         data={"csrf_token": csrf, "timezone": "Asia/Tokyo"})
    assert saved.status_code == 200, saved.status_code
    assert "Time zone saved." in saved.text
    assert "Quiet hours (your time zone, Asia/Tokyo)" in saved.text
    page = session.get(stack.web_url + f"/goals/{goal['id']}").text
    assert at.astimezone(ZoneInfo("Asia/Tokyo")).strftime(MOMENT_FORMAT) in page
    assert stack.goals.call("GET", f"/v1/teams/{team.id}/members/{team.lead_id}",
                            team.lead).get_json()["timezone"] == "Asia/Tokyo"


ZONE_LINE = re.compile(r'Times are in your time zone, ([^.<]+)\. <a href="([^"]+)">'
                       r'Change your time zone</a>')


def test_every_page_of_a_member_says_which_time_zone_its_times_are_in_and_where_to_change_it(
        stack):
    """Times were shown in the member's zone without a word of which: a remote member left on
    UTC read a check-in due "09:00" not knowing it was 09:00 UTC. The layout's footer names the
    zone and links to the preferences' time zone form, and follows it when it is changed."""
    team = stack.new_team(timezone="Europe/Berlin")
    goal = metric_goal(stack, team.lead)
    session, csrf = signed_in(stack, team.lead)
    for path in ("/board", f"/goals/{goal['id']}", "/week", "/me/feed"):
        page = session.get(stack.web_url + path)
        assert page.status_code == 200, path
        assert ZONE_LINE.findall(page.text) == [("Europe/Berlin", "/me/preferences#zone-h")], path

    preferences = session.get(stack.web_url + "/me/preferences").text
    assert '<h2 id="zone-h">Your time zone</h2>' in preferences
    saved = session.post(stack.web_url + "/me/timezone",
                         data={"csrf_token": csrf, "timezone": "America/New_York"})
    assert ZONE_LINE.findall(saved.text) == [("America/New_York", "/me/preferences#zone-h")]
    assert "Times are in your time zone" not in requests.get(stack.web_url + "/signin").text


def test_asking_for_a_sign_in_link_says_that_a_bounce_pauses_links_for_an_hour(stack):
    """A member whose link bounced was told only that one was on its way, and asked in vain."""
    session = requests.Session()
    csrf = CSRF.search(session.get(stack.web_url + "/signin").text).group(1)

    asked = session.post(stack.web_url + "/signin/email",
                         data={"csrf_token": csrf, "email": "lena@example.com"})

    assert asked.status_code == 202
    notice = re.search(r'<p class="notice" role="status">(.*?)</p>', asked.text, re.S).group(1)
    assert notice.endswith("If mail to this address bounced, links to it pause for an hour "
                           "after the bounce: fix the mailbox, then ask again after that.")


def test_a_blank_email_for_a_sign_in_link_gets_one_message(stack):
    """A blank address (sent by a browser that does not check `required`, or spaces only) got
    the goals API's two messages for it, one after the other."""
    session = requests.Session()
    csrf = CSRF.search(session.get(stack.web_url + "/signin").text).group(1)

    asked = session.post(stack.web_url + "/signin/email", data={"csrf_token": csrf, "email": " "})

    assert asked.status_code == 422, asked.status_code
    assert re.findall(r'<small id="e-email" class="error" role="alert">(.*?)</small>',
                      asked.text) == ["Enter the email address your team has for you."]


def test_a_removed_member_signing_in_with_their_old_token_is_told_they_are_no_longer_a_member(
        stack):
    """They read "That token was not accepted. Ask a lead for a fresh one.", which no lead can
    give a member who left the team. A token that is not one still reads that."""
    team = stack.new_team("Falcons")
    member_id, token = stack.add_member(team, "Max")
    left = stack.goals.call("PATCH", f"/v1/teams/{team.id}/members/{member_id}", team.lead,
                            json={"state": "left"})
    assert left.status_code == 200, left.get_json()
    session = requests.Session()
    csrf = CSRF.search(session.get(stack.web_url + "/signin").text).group(1)

    removed, garbage = (session.post(stack.web_url + "/signin",
                                     data={"token": typed, "csrf_token": csrf})
                        for typed in (token, "gk1.not.valid"))

    assert (removed.status_code, garbage.status_code) == (422, 422)
    assert ('<small id="e-token" class="error" role="alert">You are no longer a member of this '
            'team, so no token signs you in to it any more.</small>' in removed.text), removed.text
    assert "ask a lead" not in removed.text.lower()
    assert ('<small id="e-token" class="error" role="alert">That token was not accepted. Ask a '
            'lead for a fresh one.</small>' in garbage.text), garbage.text


def test_a_token_no_header_can_carry_is_not_accepted_rather_than_a_500(stack):
    """The sign-in form's token goes to goals as the Authorization header: one whose signature
    part held a character outside ASCII was a 500, one with a line break 'Sign-in is unavailable
    right now: the goals service does not answer' though nothing was sent."""
    team = stack.new_team("Falcons")
    _, token = stack.add_member(team, "Max")
    session = requests.Session()
    csrf = CSRF.search(session.get(stack.web_url + "/signin").text).group(1)

    answers = [session.post(stack.web_url + "/signin", data={"token": typed, "csrf_token": csrf})
               for typed in (token + "\u202e", token + "\nX", token.replace(".", ". ", 1))]

    assert [a.status_code for a in answers] == [422] * 3, [a.text[:300] for a in answers]
    assert all('<small id="e-token" class="error" role="alert">That token was not accepted. '
               'Ask a lead for a fresh one.</small>' in a.text for a in answers), answers[0].text


def test_a_member_removed_while_signed_in_is_told_why_their_session_ended(stack):
    """Their next page sent them to sign in under "your token was rotated or revoked, or it
    expired. Sign in again.", which no token of theirs would do. A rotated token still reads
    that."""
    team = stack.new_team("Falcons")
    max_id, max_token = stack.add_member(team, "Max")
    ben_id, ben_token = stack.add_member(team, "Ben")
    (max_web, _), (ben_web, _) = signed_in(stack, max_token), signed_in(stack, ben_token)
    left = stack.goals.call("PATCH", f"/v1/teams/{team.id}/members/{max_id}", team.lead,
                            json={"state": "left"})
    rotated = stack.goals.call("POST", f"/v1/teams/{team.id}/members/{ben_id}/token", team.lead)
    assert (left.status_code, rotated.status_code) == (200, 201), (left.json, rotated.json)

    removed, revoked = (web.get(stack.web_url + "/board") for web in (max_web, ben_web))

    assert "/signin" in removed.url and "/signin" in revoked.url
    banner = re.compile(r'<p class="banner" role="status">(.*?)</p>', re.S)
    assert banner.search(removed.text).group(1) == (
        "Your session ended. You are no longer a member of this team, so no token signs you in "
        "to it any more."), removed.text
    assert banner.search(revoked.text).group(1) == (
        "Your session ended: your token was rotated or revoked, or it expired. Sign in again.")


def test_signing_out_says_so_on_the_sign_in_page(stack):
    """Sign out led to the bare sign-in form, which said nothing: on a shared computer a
    member could not tell whether they were signed out."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)

    out = session.post(stack.web_url + "/signout", data={"csrf_token": csrf})

    assert out.status_code == 200 and "<h1>Sign in</h1>" in out.text
    assert '<p class="banner" role="status">You are signed out.' in out.text
    assert "Your session ended" not in out.text
    assert session.get(stack.web_url + "/board", allow_redirects=False).status_code == 302


def test_sign_out_in_a_second_tab_after_the_first_signed_out_says_signed_out(stack):
    """Signed out in one tab, the member pressed Sign out in another, drawn before: its form's
    security token was the ended session's, and the answer was a 400 page saying "The form was
    missing its security token. Reload the page and try again", as though it had failed. The
    member is signed out, and the sign-in page says so."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)  # both tabs share the browser's cookie
    first = session.post(stack.web_url + "/signout", data={"csrf_token": csrf})
    assert "You are signed out." in first.text

    second = session.post(stack.web_url + "/signout", data={"csrf_token": csrf})

    assert second.status_code == 200 and "<h1>Sign in</h1>" in second.text, second.status_code
    assert '<p class="banner" role="status">You are signed out.' in second.text
    assert "security token" not in second.text


@pytest.mark.parametrize("path", ["/invite/", "/sign-in/"])
def test_a_one_time_link_mangled_when_copied_is_refused_in_words_not_by_field_name(stack,
                                                                                   path):
    """A link whose code ran on when copied (too long for any code goals makes) was refused
    with "Invalid fields: code." and a 410, as if it had been used up. It is a link not found,
    said so, with what to do."""
    session = requests.Session()
    code = "x" * 300
    drawn = session.get(stack.web_url + path + code)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', drawn.text).group(1)

    refused = session.post(stack.web_url + path + code, data={"csrf_token": csrf})

    assert refused.status_code == 404, refused.status_code
    assert "Invalid fields" not in refused.text and "code." not in refused.text
    assert ("This link is not one Goalkeeper made: check that it was copied whole, without "
            "anything after it.") in refused.text
