"""The board and the partners page list every goal they should, however long the team's
history, over HTTP against the real stack."""

from __future__ import annotations

from tests.web.over_http import days, signed_in


def test_a_new_goal_shows_on_the_board_of_a_team_with_200_older_goals(stack):
    """The board asked for one page of 200 goals (all statuses, sorted by due date) and never
    for the next: in a team with a history of goals, the newest disappeared."""
    team = stack.new_team()
    for n in range(200):  # a team's history: goals due earlier, most of them done by now
        stack.create_goal(team.lead, title=f"Old goal {n}", due_date=days(30))
    stack.create_goal(team.lead, title="Brand new quarterly goal", due_date=days(90))
    session, _ = signed_in(stack, team.lead)

    board = session.get(stack.web_url + "/board?show=mine").text

    assert "Brand new quarterly goal" in board
    assert "Old goal 199" in board and "too many to show" not in board
