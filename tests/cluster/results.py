"""Figures the cluster tests measure (takeover times, recovery, worst latencies), saved beside
the fault results as `failover.md`: in GOALKEEPER_RESULTS_DIR when set, else in bench/results
when the run chose its load duration (`make faults`), else in .run/results (untracked)."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MEASURED: dict[str, str] = {}


def results_dir() -> Path:
    if os.environ.get("GOALKEEPER_RESULTS_DIR"):
        return Path(os.environ["GOALKEEPER_RESULTS_DIR"])
    if os.environ.get("GOALKEEPER_FAULT_SECONDS"):
        return REPO / "bench" / "results"
    return REPO / ".run" / "results"


def record(scenario: str, figures: str) -> None:
    MEASURED[scenario] = figures
    lines = ["| scenario | measured |", "|---|---|"]
    lines += [f"| {name} | {text} |" for name, text in MEASURED.items()]
    path = results_dir() / "failover.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
