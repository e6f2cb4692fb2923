"""A service worker for the end-to-end benchmark: `python -m bench.e2e_worker <service>`.

The production worker (`container.run_worker()`, settings from the environment), except that
for notifications `GK_BENCH_NO_COALESCE=1` turns off check-in coalescing, so each check-in
leaves as its own Slack message and its latency is the pipeline's, not the 3-second quiet
window's (`DeliveryPolicy.coalesce_quiet`). Slack pacing (1 message/s per channel) stays.
"""

from __future__ import annotations

import importlib
import os
import sys


def main(service: str) -> None:
    settings = importlib.import_module(f"services.{service}.config").load()
    container = importlib.import_module(f"services.{service}.bootstrap").bootstrap(settings)
    if service == "notifications" and os.environ.get("GK_BENCH_NO_COALESCE") == "1":
        container.policy.coalesced_types = ()
    container.run_worker()


if __name__ == "__main__":
    main(sys.argv[1])
