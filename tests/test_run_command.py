"""The README's run command, `python -m infra.run` (what `make run` runs once the venv and the
broker's jars are there), started as a user starts it: its own broker, SQLite, every service's
web and worker processes and the web app, on free loopback ports in a fresh run directory.

One flow crosses every process: the first lead's printed link signs in to the web app; a team
made through the goals API gets a goal and a check-in whose events travel the run's broker to
checkins and notifications, and reach a local Slack server; then Ctrl-C stops all of it. Started
again in the same run directory, it has kept everything and handles nothing twice."""

from __future__ import annotations

import io
import os
import re
import signal
import threading
import time
from pathlib import Path

import pytest
import requests
from honcho.printer import Printer

from infra.kafka_broker import port_is_free
from infra.run import BROKER, RunManager
from infra.run_command import BANNER, READY, RunCommand, free_ports, run_env
from shared.config import SERVICES
from tests.support.waiting import eventually, quiet, settled_log

pytestmark = [pytest.mark.slow, pytest.mark.alone, pytest.mark.timeout(480)]

ADMIN = "run-command-admin-token"
QUIET_S = 3  # no new message or delivery for this long before counting exactly


def env_for(run_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    """The run command's environment, with the local Slack server allowed as a webhook host."""
    return run_env(run_dir, ports, GOALKEEPER_ADMIN_TOKEN=ADMIN,
                   GOALKEEPER_WEBHOOK_ALLOWLIST="127.0.0.1")


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf_token"\s+value="([^"]+)"', page)
    assert found, page[:2000]
    return found.group(1)


def accept_invite(link: str) -> requests.Response:
    """Open a one-time invite link in a new browser session and press its button."""
    browser = requests.Session()
    page = browser.get(link, timeout=10)
    assert page.status_code == 200, page.text
    return browser.post(link, data={"csrf_token": csrf_of(page.text)}, timeout=10)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_the_run_command_starts_everything_keeps_it_and_ctrl_c_stops_it(tmp_path, slack):
    ports = free_ports()
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    run = RunCommand(env_for(tmp_path / "run", ports))
    try:
        # The banner comes last, once every web process and the broker answer.
        link = run.wait_for_line(r"first lead\s+(http://\S+/invite/\S+)", timeout=300).group(1)
        assert link.startswith(url["web"])
        assert BANNER in run.console()
        for service in SERVICES:  # SQLite by default, in the run directory
            assert (tmp_path / "run" / f"{service}.db").is_file()

        signed_in = accept_invite(link)
        assert signed_in.status_code == 200, signed_in.text
        assert signed_in.url == f"{url['web']}/board"
        assert "First lead" in signed_in.text and "No goals here yet" in signed_in.text
        assert accept_invite(link).status_code == 410  # once only, from any browser

        created = requests.post(f"{url['goals']}/v1/teams", headers=bearer(ADMIN), timeout=10,
                                json={"name": "Run team", "timezone": "Europe/Berlin",
                                      "lead": {"name": "Ada", "email": "ada@example.com",
                                               "timezone": "Europe/Berlin"}})
        assert created.status_code == 201, created.text
        team_id, lead = created.json()["lead"]["team_id"], created.json()["lead"]["token"]

        # notifications learns of the team from the run's broker
        eventually(lambda: _created(requests.post(
            f"{url['notifications']}/v1/teams/{team_id}/channels", headers=bearer(lead),
            json={"type": "slack", "webhook_url": slack.webhook()}, timeout=10)),
                   timeout=60, interval=0.5)
        goal = requests.post(f"{url['goals']}/v1/goals", headers=bearer(lead), timeout=10, json={
            "title": "Ship the run command", "due_date": "2030-06-30",
            "description": "Everything starts with one command",
            "metric": {"unit": "steps", "start": 0, "target": 10}})
        assert goal.status_code == 201, goal.text
        goal_id = goal.json()["id"]
        # checkins learns of the goal from the run's broker
        checkin = eventually(lambda: _created(requests.post(
            f"{url['checkins']}/v1/goals/{goal_id}/checkins", headers=bearer(lead),
            json={"value": 4, "note": "halfway", "confidence": 4}, timeout=10)),
                             timeout=60, interval=0.5)
        # ... and goals of the check-in
        eventually(lambda: requests.get(f"{url['goals']}/v1/goals/{goal_id}", headers=bearer(
            lead), timeout=10).json()["metric"]["current"] == 4, timeout=60)

        eventually(lambda: len(slack.delivered()) >= 2, timeout=60)
        texts = quiet(lambda: [m.json()["text"] for m in slack.delivered()], QUIET_S)
        assert texts == ["New goal: Ship the run command", "Check-in: Ship the run command"]
        # every process has loaded its settings by now: their weak secrets are told of once
        assert run.console().count("Weak secrets") == 1, run.console()[-4000:]

        deliveries = settled_deliveries(url, team_id, lead, count=2)
        assert sorted(i["notification"]["event_type"] for i in deliveries) == [
            "checkin.logged", "goal.created"]
        assert checkin.json()["goal_id"] == goal_id

        started = run.processes()
        run.signal_group(signal.SIGINT)  # Ctrl-C in the terminal
        assert run.wait_until_stopped(started) == [], run.console()[-4000:]
        still_bound = [name for name, port in ports.items() if not port_is_free(port)]
        assert still_bound == [], run.console()[-4000:]
    finally:
        run.kill()

    # The next day: the same run directory keeps the databases, the broker's log and the
    # consumers' offsets. Nothing is handled twice, and the first lead's link is not printed
    # again.
    restarted = RunCommand(env_for(tmp_path / "run", ports))
    try:
        restarted.wait_for_line(READY, timeout=300)
        assert "first lead" not in restarted.console()
        kept = requests.get(f"{url['goals']}/v1/goals/{goal_id}", headers=bearer(lead),
                            timeout=10)
        assert kept.status_code == 200 and kept.json()["metric"]["current"] == 4, kept.text
        again = requests.post(f"{url['checkins']}/v1/goals/{goal_id}/checkins",
                              headers=bearer(lead), timeout=10,
                              json={"value": 7, "note": "after the restart", "confidence": 4})
        assert again.status_code == 201, again.text  # checkins kept its copy of the goal
        eventually(lambda: requests.get(f"{url['goals']}/v1/goals/{goal_id}", headers=bearer(
            lead), timeout=10).json()["metric"]["current"] == 7, timeout=60)
        deliveries = settled_deliveries(url, team_id, lead, count=3)
        assert sorted(i["notification"]["event_type"] for i in deliveries) == [
            "checkin.logged", "checkin.logged", "goal.created"]
        assert quiet(lambda: [m.json()["text"] for m in slack.delivered()], QUIET_S) == [
            "New goal: Ship the run command", "Check-in: Ship the run command",
            "Check-in: Ship the run command"]
        started = restarted.processes()
        restarted.signal_group(signal.SIGINT)
        assert restarted.wait_until_stopped(started) == [], restarted.console()[-4000:]
    finally:
        restarted.kill()
    # Each worker left its consumer group at Ctrl-C, before the broker stopped: the restart's
    # consumers joined at once, and the broker timed out no member of the first run.
    assert timed_out_members(tmp_path / "run" / "kafka.log") == []


def timed_out_members(broker_log: Path) -> list[str]:
    """The broker log's lines about a group member it removed when its session timed out."""
    return [line for line in broker_log.read_text().splitlines()
            if "has failed, removing it from the group" in line]


def settled_deliveries(url: dict[str, str], team_id: str, token: str, *,
                       count: int) -> list[dict]:
    """The team's delivery log once it lists `count` notifications that each have an attempt
    and then stays unchanged for QUIET_S (a late redelivery would show): one per event id,
    each sent once with a 200."""

    def listed() -> list[dict]:
        return requests.get(f"{url['notifications']}/v1/teams/{team_id}/deliveries",
                            headers=bearer(token), timeout=10).json()["items"]

    settled_log(listed, count)
    deliveries = quiet(listed, QUIET_S)
    by_event = {item["notification"]["event_id"]: item for item in deliveries}
    assert len(by_event) == len(deliveries) == count  # one delivery per event, by id
    assert [[a["status_code"] for a in i["attempts"]] for i in deliveries] == [[200]] * count
    return deliveries


def _close_the_terminal(run: RunCommand) -> None:
    run.signal_group(signal.SIGHUP)


def _kill_the_run_command_alone(run: RunCommand) -> None:
    """As `kill -9` or the OOM killer does: no signal reaches what it started."""
    os.kill(run.process.pid, signal.SIGKILL)


@pytest.mark.parametrize("stop", [_close_the_terminal, _kill_the_run_command_alone],
                         ids=["terminal-closed", "run-command-killed"])
def test_everything_the_run_command_started_stops_with_it(tmp_path, stop):
    ports = free_ports()
    run = RunCommand(env_for(tmp_path / "run", ports))
    try:
        run.wait_for_line(BANNER, timeout=300)
        started = run.processes()
        assert len(started) > 1 + 2 * len(SERVICES)  # the broker, web and worker processes
        stop(run)
        assert run.wait_until_stopped(started) == [], run.console()[-4000:]
        still_bound = [name for name, port in ports.items() if not port_is_free(port)]
        assert still_bound == [], run.console()[-4000:]
    finally:
        run.kill()


def _created(response: requests.Response) -> requests.Response | bool:
    """The response once the resource is created; False (try again) while the service has not
    yet heard of its parent from the broker (404)."""
    if response.status_code == 404:
        return False
    assert response.status_code == 201, response.text
    return response


def test_ctrl_c_stops_the_broker_once_every_other_process_has_ended(tmp_path):
    """A worker takes a while to leave its consumer group; the broker is stopped after it."""
    ended = tmp_path / "ended"
    manager = RunManager(Printer(io.StringIO()))
    for name, leaving_s in ((BROKER, 0), ("worker", 1)):
        manager.add_process(name, f'trap "sleep {leaving_s}; echo {name} >> {ended}; exit 0" '
                            f"TERM; touch {tmp_path / name}; while :; do sleep 0.1; done")
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    ready = [tmp_path / BROKER, tmp_path / "worker"]
    threading.Thread(target=_ctrl_c_once_ready, args=(manager, ready), daemon=True).start()
    try:
        manager.loop()
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert ended.read_text().split() == ["worker", BROKER]


def _ctrl_c_once_ready(manager: RunManager, ready: list[Path]) -> None:
    """Once each process has set its trap (and touched its file)."""
    while not all(path.exists() for path in ready):
        time.sleep(0.05)
    manager.terminate()  # what the run command's SIGINT handler calls
