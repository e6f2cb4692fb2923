"""A page of the feed costs one statement for the caller's standing and one for the page: SQL
statements are counted per request (transaction control aside), on both engines."""

from __future__ import annotations

from sqlalchemy import event

from tests.notifications.support import checkin, handle

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def test_a_page_of_the_feed_takes_two_statements(notifications, team):
    handle(notifications, *[checkin(team.id, team.goal, team.ana, v) for v in (1, 2, 3)])
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(CONTROL):
            seen.append(statement)

    engine = notifications.container.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = notifications.client.get("/v1/me/feed?limit=50", headers=team.auth(team.ben))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(response.json["items"]) == 4  # three check-ins and the pairing
    assert len(seen) <= 2, seen
