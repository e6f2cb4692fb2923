"""Who hears of a goal gone off track when the event's goal is not one of its team's."""

from __future__ import annotations

from services.notifications.service_layer.on_events import GoalWaits
from tests.notifications.support import AT, Team, event, handle, new_id


def off_track(team: Team, goal_id: str, title: str):
    return event("goal.health_changed", team.id, goal_id=goal_id, owner_id=team.ana,
                 title=title, previous="on_track", health="off_track", progress=0.05,
                 expected=0.5, days_of_safety=None, at=AT)


def told_of_health(team: Team, *member_ids: str) -> list[str]:
    return [item["text"] for m in member_ids for item in team.feed(m)
            if item["event_type"] == "goal.health_changed"]


def test_an_off_track_event_naming_another_teams_goal_tells_nobody(notifications):
    """Team B's goal.health_changed named team A's goal: the guard took the goal as unknown,
    yet B's owner and lead were told "Run 100 km" is off track, A's title in B's feeds. An
    event whose goal's copy is another team's tells nobody."""
    a, b = Team(notifications), Team(notifications)
    handle(notifications, off_track(b, a.goal, "Run 100 km"))
    assert told_of_health(b, b.ana, b.lead, b.ben) == []
    assert told_of_health(a, a.ana, a.lead, a.ben) == []


def test_an_off_track_event_of_a_goal_not_known_at_all_still_tells_owner_and_leads(
        notifications):
    """No copy of the goal at all (its goal.created still on its way once the waits are
    over): the owner and the leads are told as before, with the event's title."""
    team = Team(notifications)
    notifications.container.waits = GoalWaits(limit=0)
    handle(notifications, off_track(team, new_id(), "Swim 5 km"))
    told = told_of_health(team, team.ana, team.lead)
    assert len(told) == 2 and all("Swim 5 km" in text for text in told), told
    assert told_of_health(team, team.ben) == []
