"""My feed over HTTP against the real stack: paging back through it, its unread count, and
where each notification leads."""

from __future__ import annotations

import re

from tests.support.waiting import eventually
from tests.web.over_http import api_calls, comment, commented, feed_ids, metric_goal, signed_in

ITEM = re.compile(r'<li id="n-([^"]+)"')
OLDER = re.compile(r'<a href="(/me/feed\?cursor=[^"]+)"[^>]*>Older notifications</a>')


def test_older_notifications_are_a_page_away_and_one_arriving_meanwhile_moves_nothing(
        stack, make_web):
    """The feed showed the 50 newest notifications and nothing else: an older one could not be
    reached, and the unread count counted only those shown."""
    team = stack.new_team()
    web = make_web(feed_page=2)
    max_token, goal, (third, second, first) = commented(stack, team, 3)
    session, _ = signed_in(stack, max_token, web.url)

    newest = session.get(web.url + "/me/feed")
    assert ITEM.findall(newest.text) == [third, second], newest.text
    assert "(3 unread)" in newest.text
    older = OLDER.search(newest.text)
    assert older, newest.text

    checkin_id = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins",
                                     max_token).get_json()["items"][0]["id"]
    comment(stack, team, checkin_id, "A comment that arrives meanwhile")
    fourth = feed_ids(stack, max_token, 4)[0]

    rest = session.get(web.url + older.group(1).replace("&amp;", "&"))
    assert rest.status_code == 200
    assert ITEM.findall(rest.text) == [first], rest.text  # neither lost nor repeated
    assert fourth not in rest.text and not OLDER.search(rest.text)
    assert "(4 unread)" in rest.text


def test_a_bad_feed_cursor_is_refused_not_a_500(stack):
    team = stack.new_team()
    session, _ = signed_in(stack, team.lead)

    answer = session.get(stack.web_url + "/me/feed?cursor=not-a-cursor")

    assert answer.status_code in (400, 422), answer.status_code



def test_a_broken_link_to_an_older_page_says_so_in_words_not_the_apis(stack):
    """A link to an older page cut short (copied in part, say) showed the API's words to its
    developers: "Cursor is not valid; pass next_cursor from a previous page"."""
    team = stack.new_team()
    goal = metric_goal(stack, team.lead)
    session, _ = signed_in(stack, team.lead)

    for page in ("/me/feed", f"/goals/{goal['id']}/checkins", "/team/deliveries",
                 "/partners/rounds"):
        answer = session.get(stack.web_url + page, params={"cursor": "eyJjdXQgc2hvcnQ"})

        assert answer.status_code == 400, (page, answer.status_code)
        assert ("This link to an older page is broken (cut short when copied, perhaps). Open "
                "the list again from its first page.") in answer.text, (page, answer.text)
        assert "next_cursor" not in answer.text, page


def test_a_notification_in_the_feed_leads_to_its_goal(stack):
    """Each notification carries the link to its goal; the feed showed the title as plain
    text, so a member read "Comment on ..." and had to look for the goal themselves."""
    team = stack.new_team()
    max_token, goal, (item_id,) = commented(stack, team, 1)
    session, _ = signed_in(stack, max_token)

    feed = session.get(stack.web_url + "/me/feed").text

    item = feed[feed.index(f'<li id="n-{item_id}"'):]
    item = item[:item.index("</li>")]
    assert re.search(rf'<a href="[^"]*/goals/{goal["id"]}"', item), item


def test_a_notification_reads_as_text_not_as_slack_markup(stack):
    """The feed showed the notifications service's Slack mrkdwn as typed: "*Lena* commented on
    *Grow the revenue*:" and the comment as "> Comment number 0"."""
    team = stack.new_team()
    max_token, _, (item_id,) = commented(stack, team, 1)
    session, _ = signed_in(stack, max_token)

    with api_calls(stack) as calls:
        feed = session.get(stack.web_url + "/me/feed").text

    assert [c[:3] for c in calls if c[0] == "notifications"] == [
        ("notifications", "GET", "/v1/me/feed")]  # a feed that fits a page: one call
    item = feed[feed.index(f'<li id="n-{item_id}"'):]
    item = item[:item.index("</li>")]
    assert "<strong>Grow the revenue</strong>" in item, item
    assert "<blockquote>Comment number 0</blockquote>" in item, item
    assert "*" not in item and "&gt;" not in item


def test_kudos_in_the_feed_show_their_emoji_not_slacks_shortcode(stack):
    """The feed said ":clap: Lena gave you kudos", Slack's shortcode as typed."""
    team = stack.new_team(lead_name="Lena")
    _, max_token = stack.add_member(team, "Max")
    goal = metric_goal(stack, max_token)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", max_token,
                                  json={"value": 4}).get_json()
    stack.checkins.call("POST", f"/v1/checkins/{checkin['id']}/kudos", team.lead,
                        json={"emoji": ":clap:"})
    eventually(lambda: any("kudos" in i["text"] for i in stack.notifications.call(
        "GET", "/v1/me/feed", max_token).get_json()["items"]), interval=0.2)
    session, _ = signed_in(stack, max_token)

    feed = session.get(stack.web_url + "/me/feed").text

    assert "<p>👏 <strong>Lena</strong> gave you kudos on" in feed
    assert ":clap:" not in feed


MARK_READ = re.compile(r'<form method="post" action="/me/feed/read">(.*?)</form>', re.S)
FIELD = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def test_marking_read_leaves_unread_what_arrived_after_the_page_was_shown(stack):
    """"Mark all read" marked every notification read, one that arrived while the member read
    the page too: it was never shown as new."""
    team = stack.new_team()
    max_token, goal, (seen,) = commented(stack, team, 1)
    session, _ = signed_in(stack, max_token)
    form = MARK_READ.search(session.get(stack.web_url + "/me/feed").text).group(1)

    checkin_id = stack.checkins.call("GET", f"/v1/goals/{goal['id']}/checkins",
                                     max_token).get_json()["items"][0]["id"]
    comment(stack, team, checkin_id, "A comment that arrives meanwhile")
    unseen = feed_ids(stack, max_token, 2)[0]
    marked = session.post(stack.web_url + "/me/feed/read", data=FIELD.findall(form))

    assert marked.status_code == 200
    items = stack.notifications.call("GET", "/v1/me/feed", max_token).get_json()["items"]
    assert {i["id"]: i["read"] for i in items} == {seen: True, unseen: False}
    assert "(1 unread)" in marked.text


def test_quiet_hours_with_only_a_start_say_to_fill_in_both(stack):
    """From 22:00 with Until left empty was refused with "Use HH:MM, 24-hour local time."
    beside the empty field: true of no time typed, and no help to someone who meant to set
    quiet hours."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)

    refused = session.post(stack.web_url + "/me/preferences", data={
        "csrf_token": csrf, "delivery": "immediate", "digest": "daily",
        "quiet_start": "22:00", "quiet_end": ""})

    assert refused.status_code == 422, refused.status_code
    until = re.search(r'<small id="e-quiet_end" class="error" role="alert">(.*?)</small>',
                      refused.text).group(1)
    assert until == "Fill in both From and Until, or leave both empty for no quiet hours."
    assert 'name="quiet_start" type="time" value="22:00"' in refused.text


MUTE = re.compile(r'<input type="checkbox" name="muted" value="([^"]+)"')


def test_every_mute_the_preferences_page_offers_is_saved(stack):
    """The page offered to mute "Goals achieved", which no member is ever told of (achieved
    goals go to the team channels): a box that silenced nothing, and that notifications now
    refuses."""
    team = stack.new_team()
    session, csrf = signed_in(stack, team.lead)
    offered = MUTE.findall(session.get(stack.web_url + "/me/preferences").text)

    saved = session.post(stack.web_url + "/me/preferences", data={
        "csrf_token": csrf, "delivery": "immediate", "digest": "daily", "muted": offered})

    assert saved.status_code == 200, saved.status_code
    assert "Preferences saved." in saved.text
    assert "Goals achieved" not in saved.text
    kept = stack.notifications.call("GET", "/v1/me/preferences", team.lead).get_json()
    assert kept["muted"] == offered and "checkin.logged" in offered, kept


def test_saving_the_preferences_page_keeps_a_mute_it_does_not_offer(stack):
    """Lena muted her personal digest through the API (the page offers no box for it); saving
    the page to mute kudos unmuted the digest, as the form sent only the boxes it shows."""
    team = stack.new_team()
    muted = stack.notifications.call("PUT", "/v1/me/preferences", team.lead,
                                     json={"muted": ["digest.personal"]})
    assert muted.status_code == 200, muted.get_json()
    session, csrf = signed_in(stack, team.lead)
    page = session.get(stack.web_url + "/me/preferences").text
    form = page[page.index('<form method="post" action="/me/preferences">'):]
    kept = re.findall(r'<input type="hidden" name="muted" value="([^"]+)">', form)

    saved = session.post(stack.web_url + "/me/preferences", data={
        "csrf_token": csrf, "delivery": "immediate", "digest": "daily",
        "muted": [*kept, "kudos.given"]})

    assert saved.status_code == 200, saved.status_code
    now = stack.notifications.call("GET", "/v1/me/preferences", team.lead).get_json()
    assert now["muted"] == ["digest.personal", "kudos.given"], now


def test_an_empty_feed_says_what_will_show_there(stack):
    """A new member's feed said only "Nothing here yet.", not what it would hold."""
    session, _ = signed_in(stack, stack.new_team().lead)

    feed = session.get(stack.web_url + "/me/feed")

    assert feed.status_code == 200, feed.status_code
    assert ("Nothing here yet. Kudos and comments on your check-ins, your check-in reminders "
            "and news of your team's goals will show here.") in feed.text


def test_an_empty_feed_draws_no_empty_list(stack):
    """An empty feed drew an empty numbered list under its sentence, which a screen reader
    announces as a list of nothing."""
    session, _ = signed_in(stack, stack.new_team().lead)

    feed = session.get(stack.web_url + "/me/feed")

    assert feed.status_code == 200, feed.status_code
    assert "Nothing here yet." in feed.text
    assert '<ol class="feed">' not in feed.text
