"""A page of the feed costs one statement for the caller's standing and one for the page: SQL
statements are counted per request (transaction control aside), on both engines."""

from __future__ import annotations

from sqlalchemy import select

from services.notifications.domain.notification import Notification
from tests.notifications.support import (
    checkin,
    consumed,
    form,
    goal,
    handle,
    new_id,
    progressed,
    slash,
)
from tests.support.batches import handle_batch, statements


def test_a_page_of_the_feed_takes_two_statements(notifications, team):
    handle(notifications, *[checkin(team.id, team.goal, team.ana, v) for v in (1, 2, 3)])
    with statements(notifications.container.engine) as seen:
        response = notifications.client.get("/v1/me/feed?limit=50", headers=team.auth(team.ben))
    assert len(response.json["items"]) == 4  # three check-ins and the pairing
    assert len(seen) <= 2, seen


def test_a_batch_of_announcements_reads_each_table_once_and_keeps_one_burst(notifications,
                                                                          team, slack):
    """As the consumer runs a batch: goal.progressed events announcing ten waiting check-ins
    to one Slack channel cost a fixed number of statements, not some per event, and the burst
    still has one head that takes the others along."""
    team.channel(slack.webhook())
    logged = [checkin(team.id, team.goal, team.ana, v) for v in range(1, 11)]
    handle(notifications, *logged)  # each waits for the goals service's figure
    container = notifications.container
    batch = [consumed(progressed(e, e.data["value"] / 100)) for e in logged]
    with statements(container.engine) as seen:
        handle_batch(container, batch)
    assert len(seen) <= 12, "\n".join(seen)  # was 9 per event, 90 here
    with container.uow() as uow:
        rows = list(uow.session.scalars(select(Notification).where(
            Notification.event_type == "checkin.logged", Notification.channel_id.is_not(None))))
    assert len(rows) == 10
    quiet = container.notifier.policy.coalesce_quiet
    heads = [r for r in rows if r.next_attempt_at <= max(r2.created_at for r2 in rows) + quiet]
    assert len(heads) == 1, rows


def test_listing_a_partners_private_team_goals_in_slack_reads_the_partnerships_once(
        notifications, team):
    """Ana lists the goals she may check in on with `/goals goals`: ten private team goals of
    Ben, her partner, among them. The partnerships are read once for the list, not once per
    private goal of someone else (which was 10 reads here)."""
    titles = [f"Private plan {n:02d}" for n in range(10)]
    handle(notifications, *[goal(team.id, new_id(), team.ben, title, visibility="private",
                                 kind="team") for title in titles])
    with statements(notifications.container.engine) as seen:
        listed = slash(notifications, form("goals")).json["text"]
    assert all(f"*{title}*" in listed for title in titles), listed
    partnerships = [s for s in seen if " FROM partnerships" in s]
    assert len(partnerships) == 1, "\n".join(seen)
