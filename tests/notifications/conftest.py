"""Fixtures of the notifications tests: the service without its worker, and a seeded team."""

from __future__ import annotations

import pytest

from tests.notifications.support import SLACK_SECRET, Team


@pytest.fixture
def notifications(make_service):
    """The notifications service on its own database; tests drive handlers and delivery."""
    return make_service("notifications", start_worker=False, SLACK_SIGNING_SECRET=SLACK_SECRET)


@pytest.fixture
def team(notifications) -> Team:
    """A team in the notifications replicas: a lead, Ana and Ben (partners), Ana's goal."""
    return Team(notifications)
