"""/metrics under gunicorn counts every worker's requests, not only the answering worker's."""

from __future__ import annotations

import re
import urllib.request

from bench.web import gunicorn

REQUESTS = 40


def served_count(text: str) -> float:
    pattern = r'goalkeeper_http_requests_total\{[^}]*endpoint="/healthz"[^}]*\} ([0-9.e+]+)'
    return sum(float(v) for v in re.findall(pattern, text))


def test_metrics_sum_the_requests_of_every_gunicorn_worker(tmp_path):
    env = {"GOALS_DATABASE_URL": f"sqlite:///{tmp_path / 'goals.db'}", "WEB_CONCURRENCY": "3",
           "GOALKEEPER_LOG_LEVEL": "WARNING", "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom")}
    with gunicorn("services.goals.entrypoints.app:create_app()", env) as url:
        before = served_count(urllib.request.urlopen(f"{url}/metrics").read().decode())
        for _ in range(REQUESTS):
            # a new connection each time, so the requests spread over the workers
            urllib.request.urlopen(f"{url}/healthz").read()
        after = served_count(urllib.request.urlopen(f"{url}/metrics").read().decode())
    assert after - before == REQUESTS
