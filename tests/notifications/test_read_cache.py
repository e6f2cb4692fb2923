"""The feed the notifications web process keeps (shared.read_cache): read again with no
statement, and never once an item or the reader changed, whoever changed it."""

from __future__ import annotations

from tests.notifications.support import checkin, handle
from tests.support.another_process import in_another_process
from tests.support.batches import statements


def test_a_feed_read_again_takes_no_statement(notifications, team):
    handle(notifications, *[checkin(team.id, team.goal, team.ana, v) for v in (1, 2)])
    client, ben = notifications.client, team.auth(team.ben)
    for path in ("/v1/me/feed?limit=50", "/v1/me/feed/unread-count"):
        first = client.get(path, headers=ben)
        with statements(notifications.container.engine) as seen:
            again = client.get(path, headers=ben)
        assert first.status_code == again.status_code == 200
        assert seen == [] and again.json == first.json


def test_items_read_in_another_process_are_read_at_once(notifications, team):
    handle(notifications, *[checkin(team.id, team.goal, team.ana, v) for v in (1, 2)])
    client, ben = notifications.client, team.auth(team.ben)
    for _ in range(2):
        assert client.get("/v1/me/feed/unread-count", headers=ben).json["unread"] == 3
        items = client.get("/v1/me/feed?limit=50", headers=ben).json["items"]
    assert [i["read"] for i in items] == [False] * 3
    in_another_process(notifications.container.engine,
                       "UPDATE notifications SET read_at = sent_at WHERE recipient_id = :ben",
                       ben=team.ben)
    assert client.get("/v1/me/feed/unread-count", headers=ben).json["unread"] == 0
    items = client.get("/v1/me/feed?limit=50", headers=ben).json["items"]
    assert [i["read"] for i in items] == [True] * 3


def test_a_member_who_left_is_refused_on_the_next_feed_read(notifications, team):
    client, ben = notifications.client, team.auth(team.ben)
    for _ in range(2):
        assert client.get("/v1/me/feed?limit=50", headers=ben).status_code == 200
    in_another_process(notifications.container.engine,
                       "UPDATE member_views SET state = 'left' WHERE member_id = :ben",
                       ben=team.ben)
    assert client.get("/v1/me/feed?limit=50", headers=ben).status_code == 401
