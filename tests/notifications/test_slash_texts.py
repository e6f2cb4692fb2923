"""What `/goals goals`, `/goals status` and the App Home say, word for word where it matters."""

from __future__ import annotations

import json
import re
from pathlib import Path

from services.notifications.domain.replicas import GoalReplica
from services.notifications.domain.slack_blocks import home_view
from services.notifications.domain.slash import ALIASES, HELP, LISTED_GOALS, goals_text, status_text

MANIFEST = Path(__file__).resolve().parents[2] / "docs" / "slack-app-manifest.json"


def goals(count: int) -> list[GoalReplica]:
    return [GoalReplica(f"g{i:03}", "t", "m", f"Goal {i:03}", status="active", health="on_track")
            for i in range(count)]


def test_status_counts_one_goal_in_the_singular():
    assert status_text(goals(1)).startswith("*1 open goal:*")
    assert status_text(goals(2)).startswith("*2 open goals:*")


def test_the_goals_list_says_how_many_it_left_out():
    """It listed 40 and said nothing of the rest."""
    listed = goals_text(goals(LISTED_GOALS + 3))
    assert listed.count("*Goal ") == LISTED_GOALS
    assert listed.endswith("…and 3 more: see them all in Goalkeeper.")
    assert "more" not in goals_text(goals(LISTED_GOALS))


def test_a_home_for_a_member_without_a_name_has_a_plain_title():
    """It read "Your's goals"."""
    title = home_view(None, [], "https://goalkeeper.example")["blocks"][0]["text"]["text"]
    assert title == "Goalkeeper"
    assert home_view("Ana", [], "https://x.example")["blocks"][0]["text"]["text"] == "Ana's goals"


def test_the_slack_manifest_hints_every_subcommand_and_spelling_the_help_names():
    """The hint Slack shows while `/goals` is typed named `checkin` but not `check-in`, which
    the help offers and the command takes; and no hint names a subcommand the help does not."""
    manifest = json.loads(MANIFEST.read_text())
    (command,) = manifest["features"]["slash_commands"]
    hint = command["usage_hint"]
    named = set(re.findall(r"`/goals ([\w-]+)", HELP))
    assert named | set(ALIASES) == {"checkin", "check-in", "goals", "status", "help"}
    assert {word for word in named | set(ALIASES)
            if not re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", hint)} == set()
    assert {choice.split()[0] for choice in hint.split(" | ")} <= named
