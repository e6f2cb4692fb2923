"""The weekly team digest speaks of no goal private when it is sent, made private while the
digest waited included."""

from __future__ import annotations

from datetime import UTC, datetime

from shared.clock import ControlledClock
from tests.notifications.support import Team, goal, handle, new_id
from tests.support.slack_server import too_many_requests
from tests.support.stack import scheduled_job

MONDAY_0905_BERLIN = datetime(2030, 1, 7, 8, 5, tzinfo=UTC)


def test_a_goal_made_private_while_the_digest_waits_out_a_429_is_not_in_it(make_service,
                                                                          slack):
    """The digest is made at 09:00 with Ben's off-track "Write the handbook" among the goals at
    risk; Slack answers 429, and Ben makes the goal private before the retry. The digest was
    sent as it was made, the private goal's title in the team's channel. It is made again as
    it leaves: the goal is not in it, nor in its counts."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook(), event_types=["digest.team"])
    handbook = new_id()
    handle(n, goal(team.id, handbook, team.ben, "Write the handbook", health="off_track"))
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={"weekday": 0, "hour": 9}).status_code == 200
    slack.reply_with(too_many_requests(60))
    scheduled_job(n.container, "team-digests").run()
    n.container.deliverer.deliver_due()
    [refused] = slack.received
    assert "*Write the handbook* (Ben)" in str(refused.json()["blocks"])  # made with it

    handle(n, goal(team.id, handbook, team.ben, "Write the handbook", health="off_track",
                   visibility="private", event_type="goal.updated"))
    clock.advance(seconds=61)
    n.container.deliverer.deliver_due()
    [digest] = slack.delivered()
    text = str(digest.json()["blocks"])
    assert "Write the handbook" not in text
    assert "off track" not in text and "🟢 1 on track" in text
    assert "*At risk:* nothing, nice work" in text
    assert [e["notification"]["status"] for e in team.log()
            if e["notification"]["event_type"] == "digest.team"] == ["sent"]


def test_a_digest_still_waiting_when_the_next_one_is_made_is_not_sent(make_service, slack):
    """Slack answers 429 for a day; meanwhile the lead moves the digest to Tuesdays and
    Tuesday's is made. Monday's, made again as it leaves, would tell Tuesday's week under
    Monday's id: it fails, the delivery log saying why, and Tuesday's is sent."""
    clock = ControlledClock(MONDAY_0905_BERLIN)
    n = make_service("notifications", clock=clock, start_worker=False)
    team = Team(n, timezone="Europe/Berlin")
    team.channel(slack.webhook(), event_types=["digest.team"])
    put = {"weekday": 0, "hour": 9}
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json=put).status_code == 200
    slack.reply_with(too_many_requests(3600))
    digests, deliver = scheduled_job(n.container, "team-digests").run, n.container.deliverer
    digests()
    deliver.deliver_due()
    assert n.client.put(f"/v1/teams/{team.id}/digest", headers=team.auth(),
                        json={**put, "weekday": 1}).status_code == 200
    clock.advance(days=1)
    digests()
    deliver.deliver_due()
    deliver.deliver_due()
    assert len(slack.delivered()) == 1
    logged = sorted((e["notification"]["event_id"].rsplit(":", 1)[1],
                     e["notification"]["status"], e["notification"]["last_error"])
                    for e in team.log())
    assert logged == [("2030-01-07", "failed", "a newer digest of the team was made since"),
                      ("2030-01-08", "sent", None)]
