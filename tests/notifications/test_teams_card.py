"""Teams messages are Adaptive Cards with the Slack messages' content, within Teams' limits;
every card is checked by an Adaptive Card library against the published schema."""

from __future__ import annotations

import json

from services.notifications.domain.adaptive_card import (
    MAX_BYTES,
    card_of,
    teams_body,
    teams_message,
)
from services.notifications.domain.messages import message
from services.notifications.domain.render import Rendered, render
from tests.support.adaptive_cards import assert_valid_teams_message, card_problems

LINK = "https://goalkeeper.example/goals/g1"
CONTEXT = {"goal_title": "Run 100 km", "owner_name": "Ada", "actor_name": "Ada",
           "progress": 0.4, "health": "at_risk", "unit": "km"}


def texts(card: dict) -> list[str]:
    """Every text a person reads on the card, in order."""
    found: list[str] = []
    for element in card["body"]:
        if element["type"] == "TextBlock":
            found.append(element["text"])
        elif element["type"] == "FactSet":
            found += [f"{fact['title']}: {fact['value']}" for fact in element["facts"]]
        elif element["type"] == "Container":
            found += [item["text"] for item in element["items"]]
    return found


def test_checkin_card_shows_progress_health_word_and_icon_owner_and_note():
    rendered = render("checkin.logged", {"value": 40, "note": "Ran in the rain"}, CONTEXT)

    card = assert_valid_teams_message(teams_message(rendered, LINK))

    assert texts(card) == [
        "Check-in: Run 100 km",
        "**Ada** checked in on **Run 100 km**: 40 km",
        "Progress: ████░░░░░░ 40%",
        "Health: 🟡 At risk",
        "Owner: Ada",
        "Ran in the rain",
    ]
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open in Goalkeeper",
                                "url": LINK}]


def test_card_and_slack_message_come_from_the_same_content():
    rendered = render("goal.health_changed", {
        "health": "off_track", "previous": "at_risk", "progress": 0.2, "expected": 0.5,
        "days_of_safety": 0}, CONTEXT)

    slack = message(rendered.title, rendered.lines, link=LINK)
    card = assert_valid_teams_message(teams_message(rendered, LINK))

    slack_texts = [block["text"]["text"] for block in slack["blocks"]]
    assert len(texts(card)) == len(slack_texts)
    for slack_text, teams_text in zip(slack_texts, texts(card), strict=True):
        assert slack_text.replace("*", "") == teams_text.replace("*", "")


def test_a_huge_note_is_shortened_and_the_card_stays_under_the_size_limit():
    note = "Long story. " * 5000  # 60 KB
    rendered = render("checkin.logged", {"value": 40, "note": note}, CONTEXT)

    body = teams_body(rendered, LINK)

    assert len(body.encode()) <= MAX_BYTES
    card = assert_valid_teams_message(json.loads(body))
    quoted = texts(card)[-1]
    assert quoted.startswith("Long story.") and quoted.endswith(f"… [more]({LINK})")
    assert len(quoted) < 3000
    assert "Progress: ████░░░░░░ 40%" in texts(card)


def test_notes_are_shortened_before_any_row_is_dropped():
    notes = [f"> {i} " + "é" * 2990 for i in range(12)]  # 12 notes of ~6 KB each
    rendered = Rendered("12 new comments", ["*Owner:* Ada", *notes], "comments")

    body = teams_body(rendered, LINK)

    assert len(body.encode()) <= MAX_BYTES
    shown = texts(assert_valid_teams_message(json.loads(body)))
    assert shown[:2] == ["12 new comments", "Owner: Ada"]
    assert [text.split(" ")[0] for text in shown[2:]] == [str(i) for i in range(12)]
    assert all(text.endswith("…") and len(text) <= 1000 for text in shown[2:])


def test_many_rows_are_cut_like_slack_then_dropped_until_the_card_fits():
    rows = [f"🔥 *Member {i}* reached a streak of {'🔥' * 300}" for i in range(120)]
    rendered = Rendered("Weekly digest: Platform", rows, "digest")

    body = teams_body(rendered, LINK)

    assert len(body.encode()) <= MAX_BYTES
    shown = texts(assert_valid_teams_message(json.loads(body)))
    assert shown[0] == "Weekly digest: Platform"
    assert shown[1].startswith("🔥 **Member 0**")
    hidden = int(shown[-1].removeprefix("…and ").split(" ")[0])
    assert len(shown) - 2 + hidden == 120
    assert shown[-1].endswith(f"[open Goalkeeper]({LINK})")


def test_fifty_rows_at_most_like_a_slack_message():
    rendered = Rendered("Many", [f"row {i}" for i in range(80)], "many")

    shown = texts(assert_valid_teams_message(teams_message(rendered)))

    assert len(shown) == 50
    assert shown[-1] == "…and 32 more"


def test_the_cards_own_links_become_markdown_links():
    rendered = Rendered("Title", [f"See <{LINK}|the goal> and *this*"], "s")

    assert texts(card_of(teams_message(rendered, LINK)))[1] == (
        f"See [the goal]({LINK}) and **this**")


def test_a_link_a_member_typed_stays_text():
    """A note's `<url|text>` would otherwise show as a link with any words on it."""
    typed = "<https://evil.example/login|the new Goalkeeper login>"
    rendered = render("checkin.logged", {"value": 40, "note": typed}, CONTEXT)

    shown = texts(assert_valid_teams_message(teams_message(rendered, LINK)))
    assert typed in shown and not [t for t in shown if "](https://evil" in t]


def test_markdown_a_member_typed_shows_as_typed_in_title_and_note():
    """Teams' own link syntax in a title or a note is not a link on Goalkeeper's card."""
    typed = "[the new Goalkeeper login](https://evil.example/login) for snake_case"
    rendered = render("checkin.logged", {"value": 40, "note": typed},
                      {**CONTEXT, "goal_title": "Read [docs](https://evil.example)"})

    shown = texts(assert_valid_teams_message(teams_message(rendered, LINK)))
    assert shown[0] == r"Check-in: Read \[docs\](https://evil.example)"
    assert r"\[the new Goalkeeper login\](https://evil.example/login) for snake\_case" in shown
    assert not [t for t in shown if "](https://evil" in t.replace("\\]", "")]


def test_asterisks_in_a_title_show_as_typed_not_as_emphasis():
    """The card's title is plain text, as Slack's header shows it: a goal titled
    `Cut p99 *latency* by 2*` read "Cut p99 latency by 2*" in Teams, `latency` in italics."""
    rendered = render("checkin.logged", {"value": 40},
                      {**CONTEXT, "goal_title": "Cut p99 *latency* by 2*"})

    shown = texts(assert_valid_teams_message(teams_message(rendered, LINK)))
    assert shown[0] == r"Check-in: Cut p99 \*latency\* by 2\*"
    assert message(rendered.title, rendered.lines)["blocks"][0]["text"]["text"] == (
        "Check-in: Cut p99 *latency* by 2*")


def test_the_schema_check_catches_a_broken_card():
    broken = {"type": "AdaptiveCard", "version": "1.4",
              "body": [{"type": "TextBlock", "text": "x", "size": "Enormous"}]}

    assert card_problems(broken) != []


def test_a_note_cut_short_still_shows_what_the_member_typed():
    """A note too long for the card is cut, and the part shown is still the member's text:
    its `*` as typed, the card's own `more` link a link."""
    note = "Two *easy* runs. " * 2000
    rendered = render("checkin.logged", {"value": 40, "note": note}, CONTEXT)

    shown = texts(assert_valid_teams_message(teams_message(rendered, LINK)))
    [cut] = [t for t in shown if t.startswith("Two")]
    assert cut.startswith(r"Two \*easy\* runs. Two \*easy\* runs.")
    assert cut.endswith(f"… [more]({LINK})") and "**" not in cut
