"""A check-in's channel announcement waiting for the goals service's progress figure.

Progress has one owner: the goals service. A check-in reaches the team channels with the
figure the goals service published for it (`goal.progressed` naming the check-in), so the
announcement waits for that event, which may come before or after the check-in's own. A
check-in that moves nothing (a closed goal, an unchanged value) gets no such event: after
`wait` the announcement goes out with the goal's latest figure from the goals service.

A check-in whose goal this service has no copy of yet (the goals topic behind the checkins
topic) is parked (`waits_for_goal`): its partners are not told either. When the goal's copy
comes, its partners are told, and its channels and Slack answer then (the figure for it come
with the goal) or as any other's, once the figure comes or after `wait`; without the copy for
`PARKED_FOR`, it is dropped.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

PARKED_FOR = timedelta(days=3)
"""How long a check-in waits for its goal's copy before it is dropped (a warning logged)."""


class AwaitedCheckin:
    def __init__(self, checkin_id: str, goal_id: str, team_id: str, event_id: str,
                 event_time: str, data: dict, created_at: datetime, *,
                 waits_for_goal: bool = False):
        self.checkin_id = checkin_id
        self.goal_id = goal_id
        self.team_id = team_id
        self.event_id = event_id
        self.event_time = event_time
        self.data = json.dumps(data)
        self.created_at = created_at
        self.waits_for_goal = waits_for_goal  # parked: its partners are not told yet

    @property
    def event_data(self) -> dict:
        return json.loads(self.data)

    def goal_came(self, now: datetime) -> None:
        """Its goal's copy is here (its partners told): it waits for the figure from `now`."""
        self.waits_for_goal = False
        self.created_at = now
