"""Race tests against the goals service: a team to race in, and requests to race.

Each racer runs in a thread of its own (`tests.support.races.run_together`), so each sends its
request through a test client of its own: a request, and a transaction, of its own.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from werkzeug.test import TestResponse

from tests.support.races import SQLITE_WAITS
from tests.support.seed import Team, add_member, create_team
from tests.support.stack import auth


def team_for_a_race(goals, member: str = "Max") -> tuple[Team, str]:
    """A team with its lead and `member` (and the member's id), on PostgreSQL; the test is
    skipped on SQLite, which takes writers one at a time (`SQLITE_WAITS`)."""
    if goals.container.engine.dialect.name != "postgresql":
        pytest.skip(SQLITE_WAITS)
    team = create_team(goals)
    member_id, _ = add_member(goals, team, member)
    return team, member_id


def racer(goals, token: str, method: str, path: str, *, json: dict | None = None,
          headers: dict[str, str] | None = None) -> Callable[[], TestResponse]:
    """The request (by the bearer of `token`), sent when called, by a test client of its own."""

    def send() -> TestResponse:
        return goals.app.test_client().open(path, method=method, json=json,
                                            headers={**auth(token), **(headers or {})})

    return send
