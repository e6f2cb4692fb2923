"""Fixtures of the goals tests: the service on a controlled clock, on both engines."""

from __future__ import annotations

import pytest

from shared.clock import ControlledClock
from tests.goals.helpers import START


@pytest.fixture
def clock() -> ControlledClock:
    return ControlledClock(START)


@pytest.fixture
def goals(make_service, clock):
    """The goals service without its worker: requests only (jobs are ticked by hand)."""
    return make_service("goals", clock=clock, start_worker=False)
