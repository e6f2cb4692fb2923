"""Helpers for tests that use the web app over HTTP as a browser without JavaScript does (or as
htmx does, with its headers), against the real stack."""

from __future__ import annotations

import re
from datetime import date, timedelta

import requests

from tests.support.waiting import eventually

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def hidden_fields(form: str) -> dict[str, str]:
    """The hidden fields of a form's HTML (its CSRF token, its idempotency key)."""
    return dict(HIDDEN.findall(form))


def template_form(stack, token: str):
    """A signed-in session, its CSRF token, and the key of the New goal page's first template."""
    session, csrf = signed_in(stack, token)
    page = session.get(stack.web_url + "/goals/new").text
    return session, csrf, re.search(r'action="/goals/templates/([^"]+)"', page).group(1)


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def signed_in(stack, token: str) -> tuple[requests.Session, str]:
    """A session signed in with `token`, and its CSRF token."""
    session = requests.Session()
    csrf = CSRF.search(session.get(stack.web_url + "/signin").text).group(1)
    signed = session.post(stack.web_url + "/signin", data={"token": token, "csrf_token": csrf})
    assert signed.status_code == 200, signed.status_code
    return session, CSRF.search(session.get(stack.web_url + "/board").text).group(1)


def metric_goal(stack, token: str, **metric) -> dict:
    """An active goal of 0 to 100 EUR (or `metric`) that the checkins service knows."""
    goal = stack.create_goal(token, title="Grow the revenue", start_date=days(-10),
                             due_date=days(20),
                             metric={"unit": "EUR", "start": 0, "target": 100, "current": 0,
                                     **metric})
    eventually(lambda: stack.checkins_know(goal["id"], token))
    return goal
