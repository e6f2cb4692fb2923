"""`make run`: migrate the three databases, then run Kafka, the web app and every service's
web and worker processes under honcho.

The console stays calm: the broker's log and the HTTP access logs go to files under the run
directory; the console shows one line per process start and stop, warnings and errors, and the
"Goalkeeper is running" banner last, once everything answers."""

from __future__ import annotations

import ctypes
import importlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests
from honcho.environ import parse_procfile
from honcho.manager import KILL_WAIT, Manager
from honcho.printer import Printer
from honcho.process import Process

from infra.kafka_broker import REPO_ROOT, ensure_jars, wait_for_kafka
from services.web.config import session_secret
from shared.config import (
    DEFAULT_PORTS,
    DEV_ADMIN_TOKEN,
    PUBLIC_URL_VARS,
    SERVICES,
    WEAK_SECRETS_TOLD,
    WEB_APP_PORT,
    Secret,
    check_secrets,
)

PROCFILE = REPO_ROOT / "infra" / "Procfile"
WEB_PORT = WEB_APP_PORT
WEB_PROCESS = (
    "exec gunicorn --config infra/gunicorn.conf.py --bind 127.0.0.1:${WEB_PORT:-8000} "
    "'services.web.entrypoints.app:create_app()'"
)
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def kafka_is_external(env: dict[str, str]) -> bool:
    if env.get("GOALKEEPER_EXTERNAL_KAFKA") == "1":
        return True
    hosts = (part.strip().rpartition(":")[0] for part in env["KAFKA_BOOTSTRAP_SERVERS"].split(","))
    return any(host not in LOOPBACK_HOSTS for host in hosts)


def build_env() -> dict[str, str]:
    env = dict(os.environ)
    run_dir = Path(env.get("GOALKEEPER_RUN_DIR") or REPO_ROOT / ".run").resolve()
    env["GOALKEEPER_RUN_DIR"] = str(run_dir)
    env.setdefault("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    env.setdefault("GOALKEEPER_ADMIN_TOKEN", DEV_ADMIN_TOKEN)
    env.setdefault("GOALKEEPER_LOG_LEVEL", "WARNING")
    for service, port in DEFAULT_PORTS.items():
        env.setdefault(f"{service.upper()}_PORT", str(port))
        env.setdefault(f"WEB_{service.upper()}_URL", f"http://127.0.0.1:{env[f'{service.upper()}_PORT']}")
    env.setdefault("WEB_PORT", str(WEB_PORT))
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONUNBUFFERED"] = "1"
    return env


def check_every_secret(env: dict[str, str]) -> None:
    """Check the secrets of every process the run starts, once: refuse weak ones on a public
    deployment (SystemExit naming each), else warn of them in one line, and tell the processes
    (`WEAK_SECRETS_TOLD`) not to warn again each."""
    try:
        check_secrets(every_secret(env), env)
    except ValueError as refused:
        raise SystemExit(str(refused)) from None
    env[WEAK_SECRETS_TOLD] = "1"


def every_secret(env: dict[str, str]) -> list[Secret]:
    """The secrets in effect in the services and the web app, each variable once. Each is read
    as on loopback, where reading does not refuse, so that they are judged together."""
    loopback = {name: value for name, value in env.items() if name not in PUBLIC_URL_VARS}
    loopback[WEAK_SECRETS_TOLD] = "1"
    secrets = [secret for service in SERVICES
               for secret in importlib.import_module(f"services.{service}.config")
               .load(loopback).secrets()]
    secrets.append(session_secret(env))
    return list({secret.variable: secret for secret in secrets}.values())


def migrate(env: dict[str, str]) -> None:
    for service in SERVICES:
        print(f"Migrating the {service} database...", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", "shared.migrate", service], env=env, cwd=REPO_ROOT
        )
        if result.returncode != 0:
            raise SystemExit(f"`python -m shared.migrate {service}` failed ({result.returncode})")


def processes(external_kafka: bool, run_dir: str) -> dict[str, str]:
    """The web app first, then the Procfile's processes, their chatty logs sent to files."""
    entries = {"web": WEB_PROCESS, **parse_procfile(PROCFILE.read_text()).processes}
    calm = {}
    for name, cmd in entries.items():
        if name == "kafka":
            if external_kafka:
                continue
            cmd = f'{cmd} >> "{run_dir}/kafka.log" 2>&1'
        elif "gunicorn" in cmd:
            cmd = cmd.replace("exec gunicorn ",
                              f'exec gunicorn --access-logfile "{run_dir}/{name}-access.log" ')
        calm[name] = cmd
    return calm


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def first_lead_link(env: dict[str, str]) -> str | None:
    """On a first start (a fresh run directory: no databases, so no team), make a team and a
    one-time invite link for its first lead, once."""
    marker = Path(env["GOALKEEPER_RUN_DIR"]) / "first-lead-invited"
    if marker.exists():
        return None
    goals = f"http://127.0.0.1:{env['GOALS_PORT']}"
    try:
        created = requests.post(f"{goals}/v1/teams", timeout=10, headers={
            "Authorization": f"Bearer {env['GOALKEEPER_ADMIN_TOKEN']}"}, json={
            "name": "My team", "timezone": "UTC",
            "lead": {"name": "First lead", "email": "lead@example.com", "timezone": "UTC"}})
        created.raise_for_status()
        lead = created.json()["lead"]
        invite = requests.post(
            f"{goals}/v1/teams/{lead['team_id']}/members/{lead['id']}/invites", timeout=10,
            headers={"Authorization": f"Bearer {lead['token']}"})
        invite.raise_for_status()
    except (requests.RequestException, KeyError, ValueError) as exc:
        print(f"Could not make the first lead's sign-in link: {exc}", flush=True)
        return None
    marker.write_text("The first lead's invite link was printed on the first start.\n")
    return f"http://127.0.0.1:{env['WEB_PORT']}/invite/{invite.json()['code']}"


def announce_when_ready(env: dict[str, str], timeout: float = 300) -> None:
    ports = {"web": int(env["WEB_PORT"])}
    ports.update({service: int(env[f"{service.upper()}_PORT"]) for service in SERVICES})
    urls = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    waiting = [("127.0.0.1", port) for port in ports.values()]
    deadline = time.monotonic() + timeout
    while not all(_port_open(host, port) for host, port in waiting):
        if time.monotonic() > deadline:
            return
        time.sleep(0.5)
    try:
        wait_for_kafka(env["KAFKA_BOOTSTRAP_SERVERS"], max(deadline - time.monotonic(), 1.0))
    except TimeoutError:
        return
    lines = ["", "Goalkeeper is running:"]
    lines += [f"  {name:<14} {url}" for name, url in urls.items()]
    lines.append(f"  {'kafka':<14} {env['KAFKA_BOOTSTRAP_SERVERS']}")
    lines.append(f"  {'admin token':<14} {env['GOALKEEPER_ADMIN_TOKEN']}  (GOALKEEPER_ADMIN_TOKEN)")
    lines.append(f"  {'logs':<14} {env['GOALKEEPER_RUN_DIR']}/kafka.log, *-access.log")
    link = first_lead_link(env)
    if link:
        lines.append(f"  {'first lead':<14} {link}  (one-time sign-in link, valid 7 days)")
    lines.append("Sign in to the web app with a member's token; `make demo` seeds a team.")
    lines.append("Press Ctrl-C to stop everything.\n")
    print("\n".join(lines), flush=True)


def hang_up_as_terminate() -> None:
    """A closed terminal (SIGHUP) stops everything as Ctrl-C does. honcho handles SIGINT and
    SIGTERM only: on SIGHUP it would die alone, and the processes it started, each in a session
    of its own, would go on holding their ports. Each process turns its own SIGHUP into SIGTERM:
    the manager then stops every process; its per-process watchers (forked from it) ignore
    SIGTERM, as they ignore SIGINT, and wait for their process to end."""
    signal.signal(signal.SIGHUP, lambda _signum, _frame: os.kill(os.getpid(), signal.SIGTERM))


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when the thread that made it ends
ORPHANED = signal.SIGUSR1  # what a process's watcher gets when the run command dies
ORPHAN_CHECK_S = 0.5  # how often a watcher also checks that the run command is its parent


def signal_when_parent_dies(signum: int) -> bool:
    """Linux's parent-death signal for the calling process (prctl(2) PR_SET_PDEATHSIG); False
    where there is none (macOS), where a killed run command still leaves its processes."""
    if not sys.platform.startswith("linux"):
        return False
    if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signum), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    return True


class TiedProcess(Process):
    """A Procfile process whose watcher stops it when the run command dies without stopping it
    (SIGKILL, the OOM killer). honcho starts each process in a session of its own, from a
    watcher forked from the run command; killed, the run command used to leave them all running
    and holding their ports. The watcher now gets ORPHANED when the run command dies, and stops
    its process as Ctrl-C does: SIGTERM to its process group, SIGKILL after honcho's KILL_WAIT."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.manager_pid = os.getpid()
        self.orphaned = threading.Event()

    def run(self, events=None, ignore_signals=False):
        signal.signal(ORPHANED, lambda _signum, _frame: self.orphaned.set())
        if signal_when_parent_dies(ORPHANED):
            if os.getppid() != self.manager_pid:  # it died before the line above
                self.orphaned.set()
            threading.Thread(target=self._stop_when_orphaned, daemon=True).start()
        super().run(events, ignore_signals)

    def _stop_when_orphaned(self) -> None:
        # The signal only sets `orphaned` once the main thread runs Python again: delivered to
        # this thread instead, it waits for the main thread's read of its process's output,
        # which a quiet process (a web server logging to a file) may never finish. So this
        # thread also looks at its parent itself.
        while not self.orphaned.wait(ORPHAN_CHECK_S):
            if os.getppid() != self.manager_pid:
                break
        self.quiet = True  # no one is left to print its lines
        while (child := self._child) is None:  # set by Process.run once it has started it
            time.sleep(0.05)
        for signum in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(child.pid, signum)
            except (ProcessLookupError, PermissionError):
                return
            try:
                child.wait(timeout=KILL_WAIT)
                return
            except subprocess.TimeoutExpired:
                continue


BROKER = "kafka"  # the Procfile's broker process
BROKER_HELD_S = KILL_WAIT / 2  # at most this long after the others' SIGTERM; the rest is its own


class RunManager(Manager):
    """honcho's manager, stopping the broker last: on Ctrl-C (or SIGTERM, SIGHUP) every other
    process gets SIGTERM first, and the broker once they have all ended (or BROKER_HELD_S
    passed). Stopped together, the workers' consumers found the broker gone as they left their
    groups ("LeaveGroup request failed" on the console), and the broker kept them as members: a
    restart's consumers then waited out their session timeout (10 s) before they got a
    partition."""

    def __init__(self, printer: Printer):
        super().__init__(printer)
        self._process_ctor = TiedProcess  # honcho's own seam for the process class

    def _killall(self, force: bool = False) -> None:
        broker = self._processes.get(BROKER)
        if force or broker is None or "returncode" in broker:
            super()._killall(force)
            return
        for name in self._running(but=BROKER):
            self._sigterm(name)
        threading.Thread(target=self._stop_broker_when_alone, daemon=True).start()

    def _running(self, but: str) -> list[str]:
        return [name for name, p in self._processes.items()
                if name != but and "returncode" not in p]

    def _sigterm(self, name: str) -> None:
        pid = self._processes[name]["pid"]
        self._system_print(f"sending SIGTERM to {name} (pid {pid})\n")
        self._procmgr.terminate(pid)

    def _stop_broker_when_alone(self) -> None:
        deadline = time.monotonic() + BROKER_HELD_S
        while self._running(but=BROKER) and time.monotonic() < deadline:
            time.sleep(0.05)
        if "returncode" not in self._processes[BROKER]:
            self._sigterm(BROKER)


def main() -> int:
    ensure_jars()
    env = build_env()
    Path(env["GOALKEEPER_RUN_DIR"]).mkdir(parents=True, exist_ok=True)
    check_every_secret(env)
    migrate(env)
    external_kafka = kafka_is_external(env)
    hang_up_as_terminate()
    manager = RunManager(Printer(sys.stdout))
    for name, cmd in processes(external_kafka, env["GOALKEEPER_RUN_DIR"]).items():
        manager.add_process(name, cmd, env=env, cwd=str(REPO_ROOT))
    threading.Thread(target=announce_when_ready, args=(env,), daemon=True).start()
    manager.loop()
    return manager.returncode or 0


if __name__ == "__main__":
    sys.exit(main())
