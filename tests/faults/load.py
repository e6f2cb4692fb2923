"""Steady check-in load for fault scenarios: every request is retried (same Idempotency-Key)
until it is accepted, the way a well-behaved client would, and its check-in id is recorded.

The n-th check-in moves the goal by `n` (its delta), so each check-in's line in a Slack message
is distinct, and the goal's metric must end at the sum of the accepted deltas.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass, field


@dataclass
class LoadResult:
    accepted: list[str] = field(default_factory=list)  # check-in ids answered 201, in order
    total: float = 0.0  # the sum of the accepted check-ins' deltas
    retried: int = 0
    gave_up: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


class CheckinLoad:
    """Posts `rate` check-ins per second for `seconds`, from one thread."""

    def __init__(self, checkins, goal_id: str, token: str, *, rate: float, seconds: float):
        self.checkins = checkins
        self.goal_id = goal_id
        self.token = token
        self.rate = rate
        self.seconds = seconds
        self.result = LoadResult()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> CheckinLoad:
        self._thread.start()
        return self

    def join(self) -> LoadResult:
        self._thread.join()
        return self.result

    def _run(self) -> None:
        started = time.monotonic()
        sent = 0
        while time.monotonic() - started < self.seconds:
            sent += 1
            self._post_until_accepted(str(uuid.uuid4()), delta=sent)
            pause = started + sent / self.rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)

    def _post_until_accepted(self, key: str, delta: int, patience_s: float = 120) -> None:
        deadline = time.monotonic() + patience_s
        while time.monotonic() < deadline:
            response = self.checkins.client.post(
                f"/v1/goals/{self.goal_id}/checkins",
                json={"delta": delta, "note": f"steady #{delta}"},
                headers={"Authorization": f"Bearer {self.token}", "Idempotency-Key": key},
            )
            self.result.statuses[response.status_code] = (
                self.result.statuses.get(response.status_code, 0) + 1
            )
            if response.status_code == 201:
                self.result.accepted.append(response.get_json()["id"])
                self.result.total += delta
                return
            self.result.retried += 1
            time.sleep(0.2)
        self.result.gave_up += 1
