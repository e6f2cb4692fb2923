"""Fixtures of the notifications tests: the service without its worker, and a seeded team."""

from __future__ import annotations

import pytest

from tests.notifications.support import SLACK_SECRET, Team
from tests.support.slack_api_server import SlackApiServer


@pytest.fixture
def notifications(make_service):
    """The notifications service on its own database; tests drive handlers and delivery."""
    return make_service("notifications", start_worker=False, SLACK_SIGNING_SECRET=SLACK_SECRET)


@pytest.fixture
def team(notifications) -> Team:
    """A team in the notifications replicas: a lead, Ana and Ben (partners), Ana's goal."""
    return Team(notifications)


@pytest.fixture
def slack_api():
    """A stand-in for Slack's Web API (`SlackApiServer`), for the Slack app's tests."""
    server = SlackApiServer().start()
    yield server
    server.stop()
