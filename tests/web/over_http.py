"""Helpers for tests that use the web app over HTTP as a browser without JavaScript does (or as
htmx does, with its headers), against the real stack."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from types import SimpleNamespace

import requests

from services.web.bootstrap import bootstrap
from services.web.config import WebSettings
from services.web.entrypoints.app import create_app
from tests.support.stack import auth
from tests.support.waiting import eventually
from tests.web.browser import HttpServer

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


BADGE = re.compile(r'<span class="badge health-[^"]+"><span aria-hidden="true">([^<]*)</span> '
                   r'([^<]*)</span>')


def badges(page: str) -> list[str]:
    """The health badges of a page, in order, each as it reads: icon and words ("✓ On track")."""
    return [f"{icon} {words}" for icon, words in BADGE.findall(page)]


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


def signed_in(stack, token: str, web_url: str | None = None) -> tuple[requests.Session, str]:
    """A session signed in with `token` (to the stack's web app, or the one at `web_url`), and
    its CSRF token."""
    web_url = web_url or stack.web_url
    session = requests.Session()
    csrf = CSRF.search(session.get(web_url + "/signin").text).group(1)
    signed = session.post(web_url + "/signin", data={"token": token, "csrf_token": csrf})
    assert signed.status_code == 200, signed.status_code
    return session, CSRF.search(session.get(web_url + "/board").text).group(1)


def metric_goal(stack, token: str, **metric) -> dict:
    """An active goal of 0 to 100 EUR (or `metric`) that the checkins service knows."""
    goal = stack.create_goal(token, title="Grow the revenue", start_date=days(-10),
                             due_date=days(20),
                             metric={"unit": "EUR", "start": 0, "target": 100, "current": 0,
                                     **metric})
    eventually(lambda: stack.checkins_know(goal["id"], token))
    return goal


def page_client(stack):
    """The API client of the stack's web app (the last server the stack started)."""
    app = stack.servers[-1].server.app
    return app.extensions["web"].api


@contextmanager
def api_calls(stack) -> Iterator[list[tuple[str, str, str, dict]]]:
    """Every call the stack's web app makes to an API meanwhile, as (service, method, path,
    query parameters), each still made."""
    calls: list[tuple[str, str, str, dict]] = []
    client = page_client(stack)
    original = client.request

    def recorded(service, method, path, token, **kwargs):
        calls.append((service, method, path, dict(kwargs.get("params") or {})))
        return original(service, method, path, token, **kwargs)

    client.request = recorded
    try:
        yield calls
    finally:
        client.request = original


def pair(stack, team, token: str, *partner_tokens_and_ids: tuple[str, str]) -> None:
    """The member of `token` paired with each (token, member id) given, invited and accepted."""
    def invite(partner_id: str):  # once the checkins service has heard of both members
        invited = stack.checkins.call("POST", f"/v1/teams/{team.id}/partnerships", token,
                                      json={"member_id": partner_id})
        assert invited.status_code == 201, invited.get_json()
        return invited

    for partner_token, partner_id in partner_tokens_and_ids:
        invited = eventually(lambda partner_id=partner_id: invite(partner_id), interval=0.2)
        accepted = stack.checkins.client.post(
            f"/v1/teams/{team.id}/partnerships/{invited.get_json()['id']}/accept",
            headers=auth(partner_token))
        assert accepted.status_code == 200, accepted.get_json()


DAILY = {"frequency": "daily", "time": "09:00"}


def scheduled_goal(stack, token: str, title: str) -> dict:
    """A goal of `token`'s checked in daily, with a metric, once checkins knows it."""
    goal = stack.create_goal(token, title=title, cadence=DAILY,
                             metric={"unit": "pages", "start": 0, "target": 30, "current": 0})
    eventually(lambda: stack.checkins_know(goal["id"], token))
    return goal


class OwnServer:
    """A service's server of a web app's own (`web_before_server`): `stop` stops it and closes
    the web app's connections to it (it keeps none kept alive), `start` serves it again on
    the same port."""

    def __init__(self, app) -> None:
        self.app = app
        self.server: HttpServer | None = HttpServer(app)
        self.url = self.server.url
        self.clients: list[requests.Session] = []

    def stop(self) -> None:
        if self.server:
            self.server.stop()
            self.server = None
            for client in self.clients:
                client.close()

    def start(self) -> None:
        if not self.server:
            self.server = HttpServer(self.app, int(self.url.rpartition(":")[2]))


@contextmanager
def web_before_server(stack, tmp_path, service: str = "goals", **settings,
                      ) -> Iterator[tuple[str, OwnServer]]:
    """A web app (with `settings`) in front of a `service` server of its own (the stack's for
    the others): the web app's URL, and that server, to stop and start again."""
    own = OwnServer(getattr(stack, service).app)
    urls = {name: server.url for name, server in
            zip(("goals", "checkins", "notifications"), stack.servers, strict=False)}
    urls[service] = own.url
    app = create_app(bootstrap(WebSettings(
        goals_url=urls["goals"], checkins_url=urls["checkins"],
        notifications_url=urls["notifications"], session_secret="outage-secret",
        database_url=f"sqlite:///{tmp_path}/web.db", **settings)))
    own.clients.append(app.extensions["web"].api.http)
    web = HttpServer(app)
    try:
        yield web.url, own
    finally:
        own.stop()
        web.stop()


@contextmanager
def web_before_own(stack, tmp_path, service: str = "goals",
                   ) -> Iterator[tuple[str, Callable[[], None]]]:
    """A web app in front of a `service` server of its own (`web_before_server`): the web
    app's URL, and `stop`, which stops that server for good."""
    with web_before_server(stack, tmp_path, service) as (web_url, own):
        yield web_url, own.stop


@contextmanager
def service_stopped(stack, tmp_path, token: str, service: str = "goals",
                    ) -> Iterator[tuple[requests.Session, str, str]]:
    """A web app in front of a `service` server of its own (`web_before_own`), stopped once
    the member is signed in: the member's session, its CSRF token and the web app's URL."""
    with web_before_own(stack, tmp_path, service) as (web_url, stop):
        session, csrf = signed_in(SimpleNamespace(web_url=web_url), token)
        stop()
        yield session, csrf, web_url


def api_goal(stack, token: str, goal_id: str) -> dict:
    """The goal as the goals API has it now."""
    return stack.goals.call("GET", f"/v1/goals/{goal_id}", token).get_json()


def goal_now_at(stack, goal: dict, token: str, value: float) -> None:
    """Once the goals service has heard of the check-in that took `goal` to `value`."""
    eventually(lambda: api_goal(stack, token, goal["id"])["metric"]["current"] == value)


def checked_in_since(stack, token: str, goal: dict, value: float) -> None:
    """A check-in on the goal, once goals has moved the goal (and its version) with it."""
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", token,
                                  json={"value": value})
    assert checkin.status_code == 201, checkin.get_json()
    goal_now_at(stack, goal, token, value)


def closed_in_checkins(stack, token: str, team_id: str, goal: dict,
                       retrospective: str = "") -> None:
    """Close `goal` as dropped once checkins lists it as due, and wait until checkins has heard
    (it lists it no more, and refuses its check-ins): read, so nothing is logged on the goal
    meanwhile, as a probing check-in would be before checkins heard."""
    def due() -> set[str]:
        listed = stack.checkins.call("GET", f"/v1/teams/{team_id}/checkins-due", token)
        return {d["goal_id"] for d in listed.get_json()["items"]}

    eventually(lambda: goal["id"] in due())
    closed = stack.goals.call("POST", f"/v1/goals/{goal['id']}/close", token,
                              json={"outcome": "dropped", "retrospective": retrospective})
    assert closed.status_code == 200, closed.get_json()
    eventually(lambda: goal["id"] not in due())


def commented(stack, team, count: int) -> tuple[str, dict, list[str]]:
    """Max's token, his goal, and the ids of the `count` notifications (newest first) of the
    lead's comments on his check-in, once his feed holds them all."""
    _, max_token = stack.add_member(team, "Max")
    muted = stack.notifications.call("PUT", "/v1/me/preferences", max_token,
                                     json={"muted": ["goal.health_changed"]})
    assert muted.status_code == 200, muted.get_json()  # his feed: the comments alone
    goal = metric_goal(stack, max_token)
    checkin = stack.checkins.call("POST", f"/v1/goals/{goal['id']}/checkins", max_token,
                                  json={"value": 4}).get_json()
    for n in range(count):
        comment(stack, team, checkin["id"], f"Comment number {n}")
    return max_token, goal, feed_ids(stack, max_token, count)


def comment(stack, team, checkin_id: str, text: str) -> None:
    added = stack.checkins.call("POST", f"/v1/checkins/{checkin_id}/comments", team.lead,
                                json={"text": text})
    assert added.status_code == 201, added.get_json()


def feed_ids(stack, token: str, count: int) -> list[str]:
    def all_there():
        items = stack.notifications.call("GET", "/v1/me/feed", token).get_json()["items"]
        return [i["id"] for i in items] if len(items) == count else None

    return eventually(all_there, interval=0.2)
