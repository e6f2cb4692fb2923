"""Progress has one source: a check-in's Slack message shows the goals service's figure.

Goals, checkins and notifications run on the real broker; Slack is a local Slack-like server.
Each case is one where a figure computed again from the check-in's value would differ from the
goals service's: a closed goal, and a parent whose progress is the roll-up of its children
(its own metric does not count). A metric whose start equals its target was one too; goals now
refuses such a metric.
"""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest

from tests.support.seed import create_team
from tests.support.stack import auth
from tests.support.waiting import eventually

pytestmark = pytest.mark.slow

PROGRESS = re.compile(r"\*Progress:\* [█░]+ (\d+)%")


def started(make_service, slack, wait_seconds: int):
    """Three services on the broker, a team with a Slack channel, and three goals."""
    goals, checkins = make_service("goals"), make_service("checkins")
    notifications = make_service("notifications",
                                 NOTIFICATIONS_PROGRESS_WAIT_SECONDS=str(wait_seconds))
    team = create_team(goals)
    channel = notifications.client.post(f"/v1/teams/{team.id}/channels", headers=auth(team.lead),
                                        json={"type": "slack", "webhook_url": slack.webhook()})
    assert channel.status_code == 201, channel.json

    def new_goal(title: str, start: float, target: float, **extra) -> str:
        response = goals.client.post("/v1/goals", headers=auth(team.lead), json={
            "title": title, "due_date": "2030-12-31",
            "metric": {"unit": "points", "start": start, "target": target}, **extra})
        assert response.status_code == 201, response.json
        return response.json["id"]

    closed = new_goal("Read 10 books", 0, 10)
    parent = new_goal("Grow the platform team", 0, 100, kind="team")
    child = new_goal("Hire two engineers", 0, 2, parent_id=parent)
    eventually(lambda: len(slack.delivered()) == 3, timeout=60)  # notifications knows them all

    def known_to_checkins(goal_id: str) -> bool:
        path = f"/v1/goals/{goal_id}/checkins"
        return checkins.client.get(path, headers=auth(team.lead)).status_code == 200

    def check_in(goal_id: str, value: float) -> None:
        eventually(lambda: known_to_checkins(goal_id), timeout=60)
        response = checkins.client.post(f"/v1/goals/{goal_id}/checkins",
                                        headers=auth(team.lead), json={"value": value})
        assert response.status_code == 201, response.json

    def slack_figure(goal_id: str) -> int:
        """The progress % of the Slack message of the goal's check-in."""
        title = goals.client.get(f"/v1/goals/{goal_id}", headers=auth(team.lead)).json["title"]
        [message] = eventually(lambda: [m.json() for m in slack.delivered()
                                        if m.json()["text"] == f"Check-in: {title}"], timeout=60)
        texts = " ".join(block["text"]["text"] for block in message["blocks"])
        return int(PROGRESS.search(texts).group(1))

    def api_figure(goal_id: str) -> int:
        goal = goals.client.get(f"/v1/goals/{goal_id}", headers=auth(team.lead)).json
        return round(goal["progress"] * 100)

    return SimpleNamespace(goals=goals, checkins=checkins, team=team, closed=closed,
                           parent=parent, child=child, known_to_checkins=known_to_checkins,
                           check_in=check_in, slack_figure=slack_figure, api_figure=api_figure)


def test_a_checkins_slack_message_shows_the_progress_the_goals_api_shows(make_service, slack):
    # goal.progressed follows each check-in; the wait for it is long enough for a loaded machine
    s = started(make_service, slack, wait_seconds=60)
    check_in, slack_figure, api_figure = s.check_in, s.slack_figure, s.api_figure
    child, parent = s.child, s.parent

    # a child's check-in rolls up; the parent's own check-in does not count: 50 %, not 80 %
    check_in(child, 1)
    assert slack_figure(child) == api_figure(child) == 50
    check_in(parent, 80)
    assert slack_figure(parent) == api_figure(parent) == 50


def test_a_closed_goals_checkin_shows_the_goals_figure_after_the_wait(make_service, slack):
    # goals publishes no goal.progressed for a closed goal: the message waits, then goes out
    # with the figure of notifications' copy of the goal, which is the goals service's
    s = started(make_service, slack, wait_seconds=2)
    goals, checkins, team, closed = s.goals, s.checkins, s.team, s.closed
    check_in, slack_figure, api_figure = s.check_in, s.slack_figure, s.api_figure
    known_to_checkins = s.known_to_checkins

    # a check-in logged before checkins heard of the close: goals keeps 0 %, a recount 50 %
    eventually(lambda: known_to_checkins(closed), timeout=60)
    checkins.stop_worker()
    closing = goals.client.post(f"/v1/goals/{closed}/close", headers=auth(team.lead),
                                json={"outcome": "partial", "retrospective": "Switched to audio"})
    assert closing.status_code == 200, closing.json
    check_in(closed, 5)
    checkins.start_worker()
    assert slack_figure(closed) == api_figure(closed) == 0
