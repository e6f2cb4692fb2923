"""Helpers of the web app's browser tests: the real services on HTTP ports, a headless
Debian chromium driven by Selenium, axe-core checks and screenshots."""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import (
    NoSuchElementException,
    StaleElementReferenceException,
    WebDriverException,
)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from werkzeug.serving import BaseWSGIServer, make_server

from infra.browser import ensure_browser_installed
from shared.config import REPO_ROOT
from tests.support.seed import Team, add_member, create_team
from tests.support.serving import serving_thread
from tests.support.smtp_server import LocalSmtpServer
from tests.support.stack import ServiceHarness

AXE = REPO_ROOT / "services/web/entrypoints/static/vendor/axe.min.js"


@cache
def axe_script() -> str:
    """axe-core's source, read once for all the accessibility checks of a run."""
    return AXE.read_text()
SCREENSHOTS_ENV = "GOALKEEPER_SCREENSHOTS_DIR"
PHONE, DESKTOP = (390, 844), (1280, 900)


def screenshots_dir(env: dict[str, str] | None = None) -> Path:
    """Where the tests save screenshots: `.run/screenshots/` (untracked), or the directory
    GOALKEEPER_SCREENSHOTS_DIR names (`make screenshots` sets it to docs/screenshots/)."""
    chosen = (os.environ if env is None else env).get(SCREENSHOTS_ENV)
    path = Path(chosen) if chosen else REPO_ROOT / ".run/screenshots"
    return path if path.is_absolute() else REPO_ROOT / path


def _unless_replaced(condition, driver):
    """The condition, or False when the element it read was in a document that a navigation
    replaced meanwhile. Chromium reports that race as an unknown error ("Node with given id
    does not belong to the document") rather than as a stale element, so it is told apart by
    its message; every other WebDriver error still fails the wait."""
    try:
        return condition(driver)
    except WebDriverException as error:
        if "does not belong to the document" in (error.msg or ""):
            return False
        raise


class ShiftableClock:
    """The system clock, moved forward for a while when a test needs a later day."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @contextmanager
    def shifted(self, **delta):
        self.offset = timedelta(**delta)
        try:
            yield
        finally:
            self.offset = timedelta(0)


class HttpServer:
    """A WSGI app on 127.0.0.1 and an ephemeral port, served by threads (no gunicorn)."""

    def __init__(self, app, port: int = 0):
        self.server: BaseWSGIServer = make_server("127.0.0.1", port, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = serving_thread(self.server)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Stack:
    goals: ServiceHarness
    checkins: ServiceHarness
    notifications: ServiceHarness
    web_url: str
    servers: list[HttpServer] = field(default_factory=list)
    goals_clock: ShiftableClock = field(default_factory=ShiftableClock)
    smtp: LocalSmtpServer | None = None

    def new_team(self, name: str | None = None, **options) -> Team:
        return create_team(self.goals, name=name or f"Team{uuid.uuid4().hex[:6]}", **options)

    def add_member(self, team: Team, name: str, **extra) -> tuple[str, str]:
        return add_member(self.goals, team, name, **extra)

    def create_goal(self, token: str, **fields) -> dict:
        body = {"title": "Ship the billing export to 3 customers", "due_date": "2099-12-31",
                **fields}
        response = self.goals.call("POST", "/v1/goals", token, json=body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    def checkins_know(self, goal_id: str, token: str) -> bool:
        """The checkins service has the goal in its read model (it came as an event)."""
        return self.checkins.call("GET", f"/v1/goals/{goal_id}/streak", token).status_code == 200


def chromium() -> webdriver.Chrome:
    browser = ensure_browser_installed()
    options = webdriver.ChromeOptions()
    options.binary_location = str(browser.binary)
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                 f"--window-size={DESKTOP[0]},{DESKTOP[1]}", "--disable-gpu"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(browser.driver)), options=options)


class Page:
    """What a test does in the browser, in the words of a person using the app."""

    def __init__(self, driver: webdriver.Chrome, base_url: str):
        self.driver = driver
        self.base = base_url

    def open(self, path: str) -> Page:
        self.driver.get(self.base + path)
        return self

    def sign_in(self, token: str) -> Page:
        self.driver.delete_all_cookies()
        self.open("/signin")
        self.driver.find_element(By.ID, "f-token").send_keys(token)
        self.driver.find_element(By.CSS_SELECTOR, "form button[type=submit]").click()
        self.wait_for(lambda d: "/signin" not in d.current_url)
        return self

    def fill(self, field_id: str, text: str) -> None:
        element = self.driver.find_element(By.ID, field_id)
        element.clear()
        element.send_keys(text)

    def text(self, css: str = "body") -> str:
        """The element's text, read again if htmx or a navigation replaced it meanwhile."""
        return self.wait_for(lambda d: d.find_element(By.CSS_SELECTOR, css).text or " ").strip()

    def all(self, css: str) -> list:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait_for(self, condition, timeout: float = 30):
        return WebDriverWait(self.driver, timeout, poll_frequency=0.2, ignored_exceptions=(
            StaleElementReferenceException, NoSuchElementException)).until(
                lambda d: _unless_replaced(condition, d))

    def wait_for_text(self, text: str, css: str = "body", timeout: float = 30) -> None:
        self.wait_for(lambda d: text in d.find_element(By.CSS_SELECTOR, css).text, timeout)

    def progress_on_board(self, goal_id: str) -> str | None:
        """The value of a goal card's progress bar (read in one go: polling swaps the cards)."""
        return self.driver.execute_script(
            "const bar = document.querySelector(`#goal-${arguments[0]} progress`);"
            "return bar && bar.getAttribute('value');", goal_id)

    def status_of(self, path: str) -> int:
        """The HTTP status of a GET made by the page itself (same cookies)."""
        return self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "fetch(arguments[0], {credentials: 'same-origin'}).then(r => done(r.status));",
            self.base + path)

    def serious_accessibility_violations(self) -> list[str]:
        """axe-core's serious and critical violations on the page as it is now: axe is put in
        the page and run by one script, once the page has loaded (two scripts could each meet
        another document, a navigation between them)."""
        self.wait_for(lambda d: d.execute_script("return document.readyState") == "complete")
        result = self.driver.execute_async_script(
            axe_script() + ";\nconst done = arguments[arguments.length - 1];"
            "axe.run(document).then(r => done(r.violations)).catch(e => done([{id: 'axe-error',"
            " impact: 'critical', help: String(e), nodes: []}]));")
        return [f"{v['id']} ({v['impact']}): {v['help']} at "
                f"{[n.get('target') for n in v['nodes']][:3]}"
                for v in result if v["impact"] in ("serious", "critical")]

    def screenshot(self, name: str) -> list[Path]:
        """Save the page at phone and desktop widths (see `screenshots_dir`)."""
        folder = screenshots_dir()
        folder.mkdir(parents=True, exist_ok=True)
        saved = []
        for label, (width, height) in (("phone", PHONE), ("desktop", DESKTOP)):
            self.driver.set_window_size(width, height)
            full = self.driver.execute_script("return document.body.scrollHeight")
            self.driver.set_window_size(width, min(max(full + 120, height), 4000))
            path = folder / f"{name}-{label}.png"
            self.driver.save_screenshot(str(path))
            saved.append(path)
        self.driver.set_window_size(*DESKTOP)
        return saved
