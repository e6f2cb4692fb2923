"""Waiting for eventually-consistent outcomes without fixed sleeps."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from tests.support.stack import auth

T = TypeVar("T")


def eventually(check: Callable[[], T], timeout: float = 45.0, interval: float = 0.05) -> T:
    """Call `check` until it returns a truthy value without raising AssertionError."""
    deadline = time.monotonic() + timeout
    last_error: AssertionError | None = None
    while True:
        try:
            result = check()
            if result:
                return result
        except AssertionError as exc:
            last_error = exc
        if time.monotonic() > deadline:
            if last_error is not None:
                raise last_error
            raise AssertionError(f"condition not met within {timeout}s: {check}")
        time.sleep(interval)


def delivery_log(notifications, team_id: str, token: str, count: int) -> list[dict]:
    """The team's delivery log once it lists `count` notifications, each with an attempt.

    A local Slack or Teams server holds a message as soon as it answers; the worker records
    that answer in the log just after, so a test reads the log only when it shows it."""

    def settled():
        items = notifications.client.get(
            f"/v1/teams/{team_id}/deliveries", headers=auth(token)
        ).json["items"]
        return len(items) == count and all(item["attempts"] for item in items) and items

    return eventually(settled)
