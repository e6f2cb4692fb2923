"""A check-in's channel announcement waiting for the goals service's progress figure.

Progress has one owner: the goals service. A check-in reaches the team channels with the
figure the goals service published for it (`goal.progressed` naming the check-in), so the
announcement waits for that event, which may come before or after the check-in's own. A
check-in that moves nothing (a closed goal, an unchanged value) gets no such event: after
`wait` the announcement goes out with the goal's latest figure from the goals service.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta


class AwaitedCheckin:
    def __init__(self, checkin_id: str, goal_id: str, team_id: str, event_id: str,
                 event_time: str, data: dict, created_at: datetime):
        self.checkin_id = checkin_id
        self.goal_id = goal_id
        self.team_id = team_id
        self.event_id = event_id
        self.event_time = event_time
        self.data = json.dumps(data)
        self.created_at = created_at

    @property
    def event_data(self) -> dict:
        return json.loads(self.data)

    def is_overdue(self, now: datetime, wait: timedelta) -> bool:
        return now - self.created_at >= wait
