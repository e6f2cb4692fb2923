"""User text reaches Slack as text, never as markup: a goal title, a name, a unit, a note or a
comment cannot mention @channel or a user, or plant a disguised link. Slack's mrkdwn reads
`<!channel>`, `<@U…>` and `<url|text>`, so `&`, `<` and `>` are sent as its entities. Nor is
what members typed bold, italic, struck or code: `*`, `_`, `~` and `` ` `` in it show as typed
(as a date's plain-text fallback), and only Goalkeeper's own `*bold*` formats."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from services.notifications.domain.messages import escape, message
from services.notifications.domain.render import render
from services.notifications.domain.replicas import GoalReplica
from services.notifications.domain.slack_blocks import (
    GoalLine,
    checkin_modal,
    done_dm,
    escalation_dm,
    home_view,
    reminder_dm,
)
from services.notifications.domain.slack_rejections import rejected_text
from services.notifications.domain.slash import goal_line
from tests.notifications.support import checkin, delivering, goal, handle, new_id, progressed
from tests.support.waiting import counted, eventually

HOSTILE = "<!channel> <@U123> <https://evil.example/login|Goalkeeper login> & more"
SHOWN = ("&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example/login|Goalkeeper login&gt; "
         "&amp; more")
LINK = "https://goalkeeper.example/goals/g1"


def mrkdwn(payload: dict) -> list[str]:
    """Every mrkdwn text of a message or view: its fallback text and its sections."""
    texts = [payload["text"]] if "text" in payload else []
    return texts + [b["text"]["text"] for b in payload["blocks"]
                    if b["type"] == "section"]


MARKED = "Fix *all* bugs, rename snake_case_module, ship `v2` ~today~"
"""A title with every mark of mrkdwn's formatting in it."""


def formatting(text: str) -> str:
    """The marks Slack reads as formatting in mrkdwn `text`: those outside its `<…>` tokens
    and its emojis' `:short_name:`."""
    return "".join(re.findall(r"[*_~`]", re.sub(r"<[^<>]*>|:[\w+'-]+:", "", text)))


def shown(text: str) -> str:
    """`text` with each date's fallback and each entity as Slack shows them."""
    return html.unescape(re.sub(r"<!date\^[^|<>]*\|([^<>]*)>", r"\1", text))


def unescaped(texts: list[str]) -> list[str]:
    return [t for t in texts if "<!channel>" in t or "<@U123>" in t or "<https://evil" in t]


def test_escape_turns_slacks_three_control_characters_into_entities():
    assert escape(HOSTILE) == SHOWN
    assert escape("a &lt; b") == "a &amp;lt; b"  # an entity typed is shown as typed


def test_a_checkin_message_shows_a_hostile_title_note_and_name_as_text():
    rendered = render("checkin.logged", {"value": 5, "note": HOSTILE},
                      {"goal_title": HOSTILE, "owner_name": HOSTILE, "unit": "<ms>"})
    msg = message(rendered.title, rendered.lines, link=LINK)
    assert unescaped(mrkdwn(msg)) == []
    assert f"> {SHOWN}" in mrkdwn(msg)  # the note is still a block quote
    assert f"*{SHOWN}* checked in on *{SHOWN}*: 5 &lt;ms&gt;" in mrkdwn(msg)
    assert msg["blocks"][0]["text"]["type"] == "plain_text"  # a header shows text as it is
    # the other channels get the text as written: the feed, email and Teams escape for their own
    assert rendered.lines[-1] == f"> {HOSTILE}"


@pytest.mark.parametrize("event_type, data", [
    ("comment.added", {"text": HOSTILE}),
    ("goal.milestone_completed", {"title": HOSTILE, "progress": 0.5}),
    ("kudos.given", {"emoji": "👏"}),
    ("checkin.missed", {"due_at": "2026-03-04T09:00:00+00:00", "level": 1}),
])
def test_every_event_message_escapes_the_text_it_quotes(event_type, data):
    rendered = render(event_type, data, {"goal_title": HOSTILE, "owner_name": HOSTILE,
                                         "actor_name": HOSTILE})
    texts = mrkdwn(message(rendered.title, rendered.lines, link=LINK))
    assert unescaped(texts) == [] and any(SHOWN in t for t in texts)


def test_the_slack_apps_dms_modal_and_home_escape_titles_names_and_units():
    line = GoalLine(new_id(), HOSTILE, 0.5, "at_risk", 5, 10, "<km>", streak=2,
                    due_at=datetime(2026, 3, 4, 9, tzinfo=UTC))
    views = [reminder_dm(line, missed=True, when="today"),
             escalation_dm(line, HOSTILE, 2, "today", LINK),
             done_dm(line, HOSTILE, "09:00"),
             checkin_modal(line),
             home_view("Ana", [line], LINK)]
    for view in views:
        texts = mrkdwn(view)
        assert unescaped(texts) == [], texts
        assert any(SHOWN in t for t in texts) and any("&lt;km&gt;" in t for t in texts), texts
    # the app's own links are still links
    assert f"<{LINK}|Open the goal>" in mrkdwn(views[1])


def test_a_goal_title_and_a_note_reach_the_channel_as_text(notifications, team, slack):
    """Through the real delivery to a Slack-like webhook: neither the check-in message nor the
    new goal's message can ping the channel or carry a disguised link."""
    team.channel(slack.webhook())
    hostile_goal = new_id()
    logged = checkin(team.id, hostile_goal, team.ana, 1, HOSTILE)
    with delivering(notifications):
        handle(notifications, goal(team.id, hostile_goal, team.ana, HOSTILE), logged,
               progressed(logged, 0.1))
        eventually(lambda: len({r.body for r in slack.delivered()}) == 2)
        posted = counted(lambda: [r.body for r in slack.delivered()])
    assert sorted(posted.values()) == [1, 1]  # the goal's message and the check-in's, once each
    for delivered in slack.delivered():
        texts = mrkdwn(delivered.json())
        assert unescaped(texts) == [], texts
        assert any(SHOWN in t for t in texts), texts


def test_escape_shows_each_formatting_mark_as_typed_and_keeps_an_emoji():
    escaped = escape(f"{MARKED} :white_check_mark:")
    assert formatting(escaped) == "" and "<!date^00000000^{_}|*>all" in escaped
    assert shown(escaped) == f"{MARKED} :white_check_mark:"


def test_a_checkin_message_bolds_only_its_own_words_around_a_title_with_marks():
    rendered = render("checkin.logged", {"value": 5, "note": "rename *every* snake_case"},
                      {"goal_title": MARKED, "owner_name": "Ana_B", "unit": "m_s"})
    sections = mrkdwn(message(rendered.title, rendered.lines, link=LINK,
                              typed=rendered.typed))[1:]
    checked_in, owner, note = sections[0], sections[-2], sections[-1]
    assert formatting(checked_in) == "****"  # *Ana_B* and *the title*, nothing inside
    assert shown(checked_in) == f"*Ana_B* checked in on *{MARKED}*: 5 m_s"
    assert formatting(owner) == "**" and shown(owner) == "*Owner:* Ana_B"
    assert formatting(note) == "" and shown(note) == "> rename *every* snake_case"


def test_the_slack_apps_dms_modal_and_home_bold_only_their_own_words():
    line = GoalLine(new_id(), MARKED, 0.5, "at_risk", 5, 10, "m_s", streak=2,
                    due_at=datetime(2026, 3, 4, 9, tzinfo=UTC))
    views = [reminder_dm(line, missed=True, when="today"),
             escalation_dm(line, "Ana_B", 2, "today", LINK),
             done_dm(line, "Ana_B", "09:00"),
             checkin_modal(line),
             home_view("Ana", [line], LINK)]
    for view in views:
        titled = [t for t in mrkdwn(view) if MARKED in shown(t)]
        assert titled, mrkdwn(view)
        for text in titled:
            assert formatting(text) in ("", "**", "****"), text  # only the app's own bold


def test_slash_answers_bold_only_their_own_words_around_a_title_with_marks():
    listed = goal_line(GoalReplica("g1", "t1", "m1", MARKED, status="active"), {"t1": "Ops_1"})
    assert formatting(listed) == "``**"  # the short id's code, the title's bold
    assert f"`g1` *{MARKED}* (Ops_1)" in shown(listed)
    refused = rejected_text(MARKED, "this goal is achieved. `/goals goals` lists them.")
    assert formatting(refused) == "**``"  # the title's bold, the command's code
    assert shown(refused).startswith(f"❌ Your check-in on *{MARKED}* was not logged")


def test_a_title_with_marks_reaches_the_channel_as_typed(notifications, team, slack):
    """Through the real delivery to a Slack-like webhook: the new goal's message and the
    check-in's bold nothing of the title or the note."""
    team.channel(slack.webhook())
    marked_goal = new_id()
    logged = checkin(team.id, marked_goal, team.ana, 1, "rename snake_case_module")
    with delivering(notifications):
        handle(notifications, goal(team.id, marked_goal, team.ana, MARKED), logged,
               progressed(logged, 0.1))
        eventually(lambda: len({r.body for r in slack.delivered()}) == 2)
    sections = [t for d in slack.delivered() for t in mrkdwn(d.json())[1:]]
    titled = [t for t in sections if MARKED in shown(t)]
    assert len(titled) == 1 and formatting(titled[0]) == "****", sections  # the check-in's
    assert "> rename snake_case_module" in [shown(t) for t in sections]
    assert all(formatting(t) in ("", "**", "****") for t in sections), sections
