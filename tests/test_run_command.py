"""The README's run command, `python -m infra.run` (what `make run` runs once the venv and the
broker's jars are there), started as a user starts it: its own broker, SQLite, every service's
web and worker processes and the web app, on free loopback ports in a fresh run directory.

One flow crosses every process: the first lead's printed link signs in to the web app; a team
made through the goals API gets a goal and a check-in whose events travel the run's broker to
checkins and notifications, and reach a local Slack server; then Ctrl-C stops all of it. Started
again in the same run directory, it has kept everything and handles nothing twice."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from infra.kafka_broker import REPO_ROOT, free_broker_port, free_port, port_is_free
from shared.config import SERVICES
from tests.support.waiting import eventually

pytestmark = [pytest.mark.slow, pytest.mark.timeout(480)]

ADMIN = "run-command-admin-token"


class RunCommand:
    """`python -m infra.run` in a session of its own (so Ctrl-C reaches its whole group, as
    a terminal's does), its console read line by line."""

    def __init__(self, env: dict[str, str]):
        self.lines: list[str] = []
        self.seen: set[tuple[int, int]] = set()  # (pid, start time) of every process under it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "infra.run"], cwd=REPO_ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def console(self) -> str:
        return "\n".join(self.lines)

    def wait_for_line(self, pattern: str, timeout: float) -> re.Match:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if found := re.search(pattern, line):
                    return found
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        raise AssertionError(f"no line matching {pattern!r}; console:\n{self.console()[-6000:]}")

    def processes(self) -> set[int]:
        """The run command and every process under it, whatever session each one is in (each
        also kept, by its start time, in `seen`)."""
        table = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (stat := process_stat(int(entry.name))):
                table[int(entry.name)] = stat
        found, frontier = {self.process.pid}, {self.process.pid}
        while frontier:
            frontier = {pid for pid, (_, parent, _) in table.items() if parent in frontier}
            frontier -= found
            found |= frontier
        self.seen.update((pid, table[pid][2]) for pid in found if pid in table)
        return found

    def signal_group(self, signum: int) -> None:
        """`signum` to the run command's process group, as a terminal sends Ctrl-C (SIGINT)
        or, when it is closed, SIGHUP."""
        os.killpg(self.process.pid, signum)

    def stopped_completely(self, started: set[int]) -> None:
        """The run command has exited and so has every process it had started."""
        self.process.wait(timeout=90)
        eventually(lambda: not [pid for pid in started if running(pid)], timeout=30)

    def kill(self) -> None:
        """Whatever is left of what it started, the processes in other sessions too, even
        those it no longer parents (it may have died first)."""
        self.processes()
        for pid, started_at in self.seen:
            stat = process_stat(pid)
            if stat is not None and stat[0] != "Z" and stat[2] == started_at:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        self.process.wait(timeout=30)


def process_stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) from /proc, or None once the process is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return fields[0], int(fields[1]), int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def running(pid: int) -> bool:
    stat = process_stat(pid)
    return stat is not None and stat[0] != "Z"


def run_env(run_dir: Path, ports: dict[str, int]) -> dict[str, str]:
    """The user's environment without what the test session points elsewhere (its databases,
    its broker, its topic prefix), plus the run directory, the ports, and the local Slack
    server allowed as a webhook host."""
    env = {name: value for name, value in os.environ.items()
           if not name.endswith("_DATABASE_URL")
           and not name.startswith(("GOALKEEPER_", "KAFKA_", "WEB_"))
           and name not in {f"{s.upper()}_PORT" for s in SERVICES}}
    env.update({
        "GOALKEEPER_RUN_DIR": str(run_dir),
        "GOALKEEPER_ADMIN_TOKEN": ADMIN,
        "GOALKEEPER_WEBHOOK_ALLOWLIST": "127.0.0.1",
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{ports['kafka']}",
        "WEB_PORT": str(ports["web"]),
        **{f"{s.upper()}_PORT": str(ports[s]) for s in SERVICES},
    })
    return env


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


def free_ports() -> dict[str, int]:
    """A free port for the broker (and its controller, one up), the web app and each service."""
    ports = {"kafka": free_broker_port()}
    while len(ports) < 2 + len(SERVICES):
        port = free_port()
        if port not in ports.values() and port != ports["kafka"] + 1:
            ports[("web", *SERVICES)[len(ports) - 1]] = port
    return ports


def test_the_run_command_starts_everything_keeps_it_and_ctrl_c_stops_it(tmp_path, slack):
    ports = free_ports()
    url = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    run = RunCommand(run_env(tmp_path / "run", ports))
    try:
        # The banner comes last, once every web process and the broker answer.
        link = run.wait_for_line(r"first lead\s+(http://\S+/invite/\S+)", timeout=300).group(1)
        assert link.startswith(url["web"])
        assert "Goalkeeper is running" in run.console()
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

        texts = eventually(lambda: len(slack.delivered()) >= 2 and
                           [m.json()["text"] for m in slack.delivered()], timeout=60)
        assert texts == ["New goal: Ship the run command", "Check-in: Ship the run command"]

        deliveries = settled_deliveries(url, team_id, lead, count=2)
        assert sorted(i["notification"]["event_type"] for i in deliveries) == [
            "checkin.logged", "goal.created"]
        assert checkin.json()["goal_id"] == goal_id

        started = run.processes()
        run.signal_group(signal.SIGINT)  # Ctrl-C in the terminal
        run.stopped_completely(started)
        still_bound = [name for name, port in ports.items() if not port_is_free(port)]
        assert still_bound == [], run.console()[-4000:]
    finally:
        run.kill()

    # The next day: the same run directory keeps the databases, the broker's log and the
    # consumers' offsets. Nothing is handled twice, and the first lead's link is not printed
    # again.
    restarted = RunCommand(run_env(tmp_path / "run", ports))
    try:
        restarted.wait_for_line(r"Press Ctrl-C to stop everything", timeout=300)
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
        assert [m.json()["text"] for m in slack.delivered()] == [
            "New goal: Ship the run command", "Check-in: Ship the run command",
            "Check-in: Ship the run command"]
        started = restarted.processes()
        restarted.signal_group(signal.SIGINT)
        restarted.stopped_completely(started)
    finally:
        restarted.kill()


def settled_deliveries(url: dict[str, str], team_id: str, token: str, *,
                       count: int) -> list[dict]:
    """The team's delivery log once it lists `count` notifications that each have an attempt
    (a local Slack server holds a message as soon as it answers; the worker records the answer
    just after): one per event id, each sent once with a 200."""

    def settled() -> list[dict] | bool:
        items = requests.get(f"{url['notifications']}/v1/teams/{team_id}/deliveries",
                             headers=bearer(token), timeout=10).json()["items"]
        return len(items) >= count and all(item["attempts"] for item in items) and items

    deliveries = eventually(settled, timeout=60)
    by_event = {item["notification"]["event_id"]: item for item in deliveries}
    assert len(by_event) == len(deliveries) == count  # one delivery per event, by id
    assert [[a["status_code"] for a in i["attempts"]] for i in deliveries] == [[200]] * count
    return deliveries


def test_closing_the_terminal_stops_everything_the_run_command_started(tmp_path):
    ports = free_ports()
    run = RunCommand(run_env(tmp_path / "run", ports))
    try:
        run.wait_for_line(r"Goalkeeper is running", timeout=300)
        started = run.processes()
        assert len(started) > 1 + 2 * len(SERVICES)  # the broker, web and worker processes
        run.signal_group(signal.SIGHUP)
        run.stopped_completely(started)
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
