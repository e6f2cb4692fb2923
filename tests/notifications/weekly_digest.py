"""A team's weekly digest driven by a controlled clock, for the tests of what it tells when."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.clock import ControlledClock
from tests.notifications.support import Team, event, handle, new_id
from tests.support.stack import scheduled_job

MONDAY_0905_CET = datetime(2030, 1, 7, 8, 5, tzinfo=UTC)  # Monday 7 January 2030


class WeeklyDigest:
    """A team's weekly digest, set to Mondays at 09:00 in `timezone`, the job run at moments,
    the lead moving it, and what the channel was told."""

    def __init__(self, make_service, slack, timezone: str = "Europe/Berlin",
                 start: datetime = MONDAY_0905_CET, hour: int = 9):
        self.clock = ControlledClock(start)
        self.n = make_service("notifications", clock=self.clock, start_worker=False)
        self.team = Team(self.n, timezone=timezone)
        self.team.channel(slack.webhook(), event_types=["digest.team"])
        self.slack = slack
        self.move(weekday=0, hour=hour)

    def move(self, *, weekday: int, hour: int) -> None:
        assert self.n.client.put(f"/v1/teams/{self.team.id}/digest", headers=self.team.auth(),
                                 json={"weekday": weekday, "hour": hour}).status_code == 200

    def kudos(self, at: str) -> None:
        team = self.team
        handle(self.n, event("kudos.given", team.id, checkin_id=new_id(), goal_id=team.goal,
                             from_id=team.ben, to_id=team.ana, emoji="🎉", at=at))

    def run_at(self, moment: datetime) -> int:
        """The digest job run at `moment`, what it made delivered; how many it made."""
        self.clock.set(moment)
        made = scheduled_job(self.n.container, "team-digests").run()
        self.n.container.deliverer.deliver_due()
        return made

    def told(self) -> list[str]:
        return [str(r.json()["blocks"]) for r in self.slack.received]
