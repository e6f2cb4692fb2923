"""A service worker for the end-to-end benchmark: `python -m bench.e2e_worker <service>`.

The production worker (`container.run_worker()`, settings from the environment), except that
for notifications `GK_BENCH_NO_COALESCE=1` turns off check-in coalescing, so each check-in
leaves as its own Slack message and its latency is the pipeline's, not the 3-second quiet
window's (`DeliveryPolicy.coalesce_quiet`). Slack pacing (1 message/s per channel) stays.
With `GK_BENCH_MARKS=<path>`, the consumer also notes when each record reached it, in
`<path>.<service>` (bench/e2e.py splits each check-in's time into stages with them).
"""

from __future__ import annotations

import importlib
import os
import sys


def _mark_fetches(path: str) -> None:
    """Each record a consumer's poll returns: its event id, its CreateTime (the producer's
    send) and when the poll returned, as `id ts_ms wall_s` lines (bench/e2e.py's stages)."""
    import time

    import shared.bootstrap as bootstrap_module

    made = bootstrap_module.make_consumer
    out = open(path, "a", buffering=1)  # noqa: SIM115 (open for the process's life)

    def make(*args, **kwargs):
        consumer = made(*args, **kwargs)
        poll = consumer.poll

        def marked(*a, **k):
            batch = poll(*a, **k)
            now = time.time()
            for records in batch.values():
                for r in records:
                    ids = [v.decode() for n, v in r.headers or () if n == "ce_id"]
                    if ids:
                        out.write(f"{ids[0]} {r.timestamp} {now:.6f}\n")
            return batch

        consumer.poll = marked
        return consumer

    bootstrap_module.make_consumer = make


def main(service: str) -> None:
    if os.environ.get("GK_BENCH_MARKS"):
        _mark_fetches(f"{os.environ['GK_BENCH_MARKS']}.{service}")
    settings = importlib.import_module(f"services.{service}.config").load()
    container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
    if service == "notifications" and os.environ.get("GK_BENCH_NO_COALESCE") == "1":
        container.policy.coalesced_types = ()
    container.run_worker()


if __name__ == "__main__":
    main(sys.argv[1])
