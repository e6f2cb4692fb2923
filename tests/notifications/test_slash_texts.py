"""What `/goals goals`, `/goals status` and the App Home say, word for word where it matters."""

from __future__ import annotations

from services.notifications.domain.replicas import GoalReplica
from services.notifications.domain.slack_blocks import home_view
from services.notifications.domain.slash import LISTED_GOALS, goals_text, status_text


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
