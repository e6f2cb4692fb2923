"""Block Kit messages: content, and Slack's limits kept by cutting, never by refusing."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from services.notifications.domain.messages import (
    BLOCK_LIMIT,
    SECTION_LIMIT,
    message,
    own_links,
    progress_bar,
    slack_date,
    truncate,
)
from services.notifications.domain.render import render

LINK = "https://goalkeeper.example/goals/g1"


def texts(msg: dict) -> list[str]:
    return [block["text"]["text"] for block in msg["blocks"]]


def test_progress_bar_is_ten_cells_and_clamps():
    assert progress_bar(0.4) == "████░░░░░░ 40%"
    assert progress_bar(1.7) == "██████████ 100%"
    assert progress_bar(-1) == "░░░░░░░░░░ 0%"


def test_a_checkin_message_has_title_bar_health_owner_and_note():
    rendered = render("checkin.logged", {"value": 40, "note": "felt strong"}, {
        "goal_title": "Run 100 km", "owner_name": "Ana", "progress": 0.4, "health": "at_risk",
        "unit": "km"})
    msg = message(rendered.title, rendered.lines, link=LINK)
    assert msg["blocks"][0] == {"type": "header", "text": {
        "type": "plain_text", "text": "Check-in: Run 100 km", "emoji": True}}
    body = "\n".join(texts(msg)[1:])
    assert "*Ana* checked in on *Run 100 km*: 40 km" in body
    assert "████░░░░░░ 40%" in body
    assert "🟡 At risk" in body
    assert "*Owner:* Ana" in body
    assert "> felt strong" in body
    assert rendered.summary == "*Ana* checked in on *Run 100 km*: 40 km (40%)"


def test_a_long_note_is_cut_to_the_section_limit_with_a_link():
    rendered = render("checkin.logged", {"value": 1, "note": "x" * 10_000},
                      {"goal_title": "G", "owner_name": "Ana"})
    msg = message(rendered.title, rendered.lines, link=LINK)
    note = texts(msg)[-1]
    assert len(note) == SECTION_LIMIT
    assert note.endswith(f"… <{LINK}|more>")


def test_a_note_cut_at_the_limit_never_splits_an_entity_or_a_token():
    """A note of `&`s is escaped to `&amp;`s; a cut inside one would show "&am…" in Slack."""
    for pad in range(6):
        rendered = render("checkin.logged", {"value": 1, "note": "x" * pad + "&" * 3000},
                          {"goal_title": "G", "owner_name": "Ana"})
        note = texts(message(rendered.title, rendered.lines, link=LINK))[-1]
        body = note.removesuffix(f"… <{LINK}|more>")
        assert body != note and len(note) <= SECTION_LIMIT
        assert body.removeprefix("> " + "x" * pad).replace("&amp;", "") == ""
    token = "<!date^1700000000^{time}|12:00 UTC>"
    for cut in range(len(token) + 2):
        assert truncate("y" * 10 + token + "z" * 100, 10 + cut + 2).startswith(
            ("y" * 10 + "…", "y" * 10 + token))


def test_only_the_messages_own_link_is_rendered_as_a_link():
    text = "*Ana* on <https://evil.example|your bank> see <https://gk.example/g|the goal>"
    shown = own_links(text, "https://gk.example/g", lambda url, label: f"[{label}]({url})",
                      str.upper)
    assert shown == "*ANA* ON <HTTPS://EVIL.EXAMPLE|YOUR BANK> SEE [the goal](https://gk.example/g)"
    assert own_links(text, None, lambda url, label: "!") == text


def test_a_long_title_fits_the_header_limit():
    msg = message("T" * 500, ["line"], link=LINK)
    assert len(msg["blocks"][0]["text"]["text"]) == 150
    assert len(msg["text"]) <= SECTION_LIMIT


def test_too_many_lines_end_in_one_more_block_with_a_link():
    msg = message("Digest", [f"line {i}" for i in range(200)], link=LINK)
    assert len(msg["blocks"]) == BLOCK_LIMIT
    assert texts(msg)[-1] == f"…and {200 - (BLOCK_LIMIT - 2)} more: <{LINK}|open Goalkeeper>"
    assert texts(msg)[-2] == f"line {BLOCK_LIMIT - 3}"


def test_a_checkin_without_the_goals_figure_shows_no_progress_rather_than_a_guess():
    rendered = render("checkin.logged", {"value": 40}, {
        "goal_title": "Run 100 km", "owner_name": "Ana", "unit": "km"})
    assert not any("Progress" in line for line in rendered.lines)
    assert rendered.summary == "*Ana* checked in on *Run 100 km*: 40 km"


def test_a_slack_date_shows_in_each_readers_zone_and_falls_back_to_utc():
    moment = datetime(2030, 1, 7, 10, tzinfo=ZoneInfo("Europe/Berlin"))  # 09:00 UTC
    assert slack_date(moment) == (
        f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} at {{time}}"
        "|Mon 07 Jan, 09:00 UTC>")
    assert slack_date(moment.replace(tzinfo=None).replace(hour=9), "{time}").startswith(
        f"<!date^{int(moment.timestamp())}^{{time}}|")  # a naive time is UTC


def test_a_goal_that_starts_off_track_says_so_instead_of_moving_from_unknown():
    data = {"health": "off_track", "previous": None, "expected": 0.33, "progress": 0.0,
            "days_of_safety": None}
    rendered = render("goal.health_changed", data, {"goal_title": "Cut p95", "owner_name": "Ben"})
    assert rendered.lines[0] == "*Cut p95* starts 🔴 Off track."
    assert "Unknown" not in "\n".join(rendered.lines)
    moved = render("goal.health_changed", {**data, "previous": "on_track"},
                   {"goal_title": "Cut p95", "owner_name": "Ben"})
    assert moved.lines[0] == "*Cut p95* moved from 🟢 On track to 🔴 Off track."


def test_a_health_change_says_the_days_of_safety_in_words():
    data = {"health": "at_risk", "previous": "on_track", "expected": 0.5, "progress": 0.3,
            "days_of_safety": -2.4}
    rendered = render("goal.health_changed", data, {"goal_title": "G", "owner_name": "Ben"})
    assert "*At this pace:* 3 days short" in rendered.lines
