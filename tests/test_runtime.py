"""A web worker freezes what it made at boot, so a full collection never walks it (the stops
that made the check-in POST's p99 at half rate, shared.runtime)."""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

from bench.web import gunicorn
from shared.runtime import freeze_boot_objects

REPO_ROOT = Path(__file__).resolve().parent.parent


def test_freezing_keeps_the_objects_alive_and_out_of_collections():
    held = [[n] for n in range(1000)]
    assert any(o is held for o in gc.get_objects(generation=2) + gc.get_objects())
    try:
        assert freeze_boot_objects() >= len(held)
        assert not any(o is held for o in gc.get_objects())  # no collection walks it now
        gc.collect()
        assert [h[0] for h in held] == list(range(1000))
    finally:
        gc.unfreeze()


def test_every_gunicorn_worker_freezes_its_boot_objects(tmp_path):
    env = {"WEB_CONCURRENCY": "2", "GOALKEEPER_LOG_LEVEL": "WARNING",
           "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")}
    seen: dict[int, int] = {}
    with gunicorn("tests.support.gc_app:create_app()", env, "/ping") as url:
        for _ in range(400):  # a new connection each time, so both workers may answer
            report = json.loads(urllib.request.urlopen(f"{url}/frozen").read())
            seen[report["pid"]] = report["frozen"]
            if len(seen) == 2:
                break
    assert seen, "no worker answered"
    # Flask, Werkzeug and the config module alone are thousands of objects
    assert all(count > 10_000 for count in seen.values()), seen


WORKER_REPORTS_ITS_FREEZE = """
import gc, sys
import shared.worker
shared.worker.Worker.run_forever = lambda self: print("frozen", gc.get_freeze_count())
from services.checkins.bootstrap import bootstrap
bootstrap().run_worker()
"""


def test_a_service_worker_freezes_its_boot_objects_before_it_runs(make_service):
    """The worker process's main (`Container.run_worker`), up to the loops it would run."""
    harness = make_service("checkins", start_worker=False)
    done = subprocess.run([sys.executable, "-c", WORKER_REPORTS_ITS_FREEZE],
                          env={**os.environ, **harness.env}, cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    [count] = [int(line.split()[1]) for line in done.stdout.splitlines()
               if line.startswith("frozen ")]
    assert count > 10_000
