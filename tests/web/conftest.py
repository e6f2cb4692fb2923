"""The web app's browser tests run against the real goals, checkins and notifications
services (each on its own PostgreSQL database, all on the real broker), over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from infra.kafka_broker import free_port
from services.web.adapters import api_client
from services.web.bootstrap import bootstrap
from services.web.config import WebSettings
from services.web.entrypoints.app import create_app
from shared.clock import Clock
from tests.support.fixtures import delete_topics
from tests.support.smtp_server import LocalSmtpServer
from tests.support.stack import ServiceHarness, close_all, service_env
from tests.web.browser import HttpServer, Page, ShiftableClock, Stack, chromium

SERVICES = ("goals", "checkins", "notifications")


@pytest.fixture(scope="module")
def stack(postgres_server, kafka_broker, tmp_path_factory) -> Iterator[Stack]:
    """The three services with their workers, and the web app in front of them (per module:
    each test makes its own team, and teams never see each other). Notifications mails through
    a local SMTP server; goals' sign-in links lead to the web app's port."""
    prefix = f"t{uuid.uuid4().hex[:8]}."
    databases = {s: f"t_web_{s}_{uuid.uuid4().hex[:10]}" for s in SERVICES}
    harnesses: dict[str, ServiceHarness] = {}
    servers: list[HttpServer] = []
    goals_clock = ShiftableClock()
    smtp = LocalSmtpServer().start()
    web_port = free_port()
    extra = {"goals": {"GOALKEEPER_PUBLIC_URL": f"http://127.0.0.1:{web_port}"},
             "notifications": {"SMTP_HOST": smtp.host, "SMTP_PORT": str(smtp.port),
                               "SMTP_STARTTLS": "false", "SMTP_FROM": "goalkeeper@example.com"}}
    try:
        for service in SERVICES:
            url = postgres_server.create_database(databases[service])
            harness = ServiceHarness(service, service_env(
                service, url, kafka_broker.bootstrap, prefix, **extra.get(service, {})),
                clock=goals_clock if service == "goals" else None)
            harnesses[service] = harness
            harness.start_worker()
            servers.append(HttpServer(harness.app))
        urls = {s: server.url for s, server in zip(SERVICES, servers, strict=True)}
        settings = WebSettings(goals_url=urls["goals"], checkins_url=urls["checkins"],
                               notifications_url=urls["notifications"],
                               session_secret="web-test-secret", poll_seconds=2, testing=True,
                               database_url=f"sqlite:///{tmp_path_factory.mktemp('web')}/web.db")
        web = HttpServer(create_app(bootstrap(settings)), web_port)
        servers.append(web)
        yield Stack(harnesses["goals"], harnesses["checkins"], harnesses["notifications"],
                    web.url, servers, goals_clock, smtp)
    finally:
        smtp.stop()
        for server in servers:
            server.stop()
        close_all(list(reversed(harnesses.values())))
        for name in databases.values():
            postgres_server.drop_database(name)
        delete_topics(kafka_broker.bootstrap, prefix)


@pytest.fixture
def make_web(stack, tmp_path) -> Iterator[Callable[..., HttpServer]]:
    """Another web app in front of the stack's services, on its own sessions database, with
    `changes` to its settings and, if given, its own clock."""
    servers: list[HttpServer] = []

    def make(clock: Clock | None = None, **changes) -> HttpServer:
        goals, checkins, notifications = (server.url for server in stack.servers[:3])
        settings = WebSettings(goals_url=goals, checkins_url=checkins,
                               notifications_url=notifications, session_secret="another-secret",
                               database_url=f"sqlite:///{tmp_path}/web-{len(servers)}.db",
                               testing=True, **changes)
        servers.append(HttpServer(create_app(bootstrap(settings, clock))))
        return servers[-1]

    yield make
    for server in servers:
        server.stop()
        server.server.app.extensions["web"].close()


SMALL_PAGE = 20


@pytest.fixture
def small_pages(monkeypatch) -> int:
    """The web apps' reads of every item of a list (`api_client.PAGE`) ask for pages of
    SMALL_PAGE items meanwhile, so that a list of a few dozen crosses pages."""
    monkeypatch.setattr(api_client, "PAGE", SMALL_PAGE)
    return SMALL_PAGE


@pytest.fixture(scope="session")
def driver():
    browser = chromium()
    yield browser
    browser.quit()


@pytest.fixture
def page(driver, stack) -> Page:
    driver.delete_all_cookies()
    return Page(driver, stack.web_url)
