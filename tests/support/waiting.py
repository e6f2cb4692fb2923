"""Waiting for eventually-consistent outcomes without fixed sleeps."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Hashable, Iterable
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


def quiet(read: Callable[[], T], seconds: float, timeout: float = 60.0) -> T:
    """What `read()` returns once it has returned the same for `seconds` (a late duplicate or a
    redelivery would still change it), within `timeout`."""
    last: list = [object(), time.monotonic()]

    def unchanged() -> bool:
        value = read()
        if value != last[0]:
            last[:] = [value, time.monotonic()]
        return time.monotonic() - last[1] >= seconds

    eventually(unchanged, timeout=timeout, interval=0.5)
    return last[0]


def counted(ids: Callable[[], Iterable[Hashable]], seconds: float = 1.0) -> Counter:
    """How many times each id `ids()` lists occurs, once the counts have held for `seconds`.

    For an effect promised once per event (a message, a modal, an answer): a test compares the
    result with `{id: 1, ...}`, so a late duplicate or an effect for an unexpected id fails it
    where a total or the first sign of success would not."""
    return quiet(lambda: Counter(ids()), seconds)


def settled_log(items: Callable[[], list[dict]], count: int) -> list[dict]:
    """A delivery log (`items()`) once it lists `count` notifications, each with an attempt.

    A local Slack or Teams server holds a message as soon as it answers; the worker records
    that answer in the log just after, so a test reads the log only when it shows it."""

    def settled():
        listed = items()
        return len(listed) == count and all(item["attempts"] for item in listed) and listed

    return eventually(settled)


def delivery_log(notifications, team_id: str, token: str, count: int) -> list[dict]:
    """The team's delivery log, read through a service harness, once `settled_log`."""
    return settled_log(lambda: notifications.client.get(
        f"/v1/teams/{team_id}/deliveries", headers=auth(token)).json["items"], count)
