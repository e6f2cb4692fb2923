"""With no configuration (`make run`), the links the services put in mail, Slack messages, the
feed and calendar events lead to the web app that `make run` serves, not to an API."""

from __future__ import annotations

import importlib

import pytest

from infra.run import WEB_PORT
from services.web.config import load as web_settings


@pytest.mark.parametrize("service", ["goals", "checkins", "notifications"])
def test_a_services_links_lead_to_the_web_app_by_default(service):
    """checkins' calendar events and notifications' feed items, Slack messages and mail
    linked to http://127.0.0.1:8003 (the notifications API, which answers a goal's link with
    404) while the web app serves on 8000; goals' sign-in links were right."""
    settings = importlib.import_module(f"services.{service}.config").load({})
    web = web_settings({})

    assert settings.public_url.rstrip("/") == f"http://127.0.0.1:{web.port}"
    assert web.port == WEB_PORT
