"""The web app's API client makes a page's independent calls at once."""

from __future__ import annotations

import threading

import pytest

from services.web.adapters.api_client import ApiClient, ServiceUnavailable
from services.web.config import WebSettings


@pytest.fixture
def client():
    api = ApiClient(WebSettings())
    yield api
    api.close()


def test_calls_run_at_the_same_time(client):
    # Each call waits for the other two: made one after another, the first would time out.
    meeting = threading.Barrier(3, timeout=10)

    def call(name):
        return lambda: (meeting.wait(), name)[1]

    assert client.together(call("goals"), call("checkins"), call("notifications")) == [
        "goals", "checkins", "notifications"]


def test_a_failed_call_is_raised_after_every_call_has_ended(client):
    finished = threading.Event()

    def slow():
        finished.wait(0.2)
        finished.set()
        return "late"

    def down():
        raise ServiceUnavailable("checkins")

    with pytest.raises(ServiceUnavailable):
        client.together(down, slow)
    assert finished.is_set(), "together returned while a call was still under way"

    with pytest.raises(ServiceUnavailable):
        client.together(slow, down)


def test_one_call_runs_on_the_callers_thread(client):
    assert client.together(threading.current_thread) == [threading.current_thread()]
