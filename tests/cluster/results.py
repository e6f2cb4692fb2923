"""Figures the cluster tests measure (takeover times, recovery, worst latencies), saved beside
the fault results: `.run/results/cluster.md`, or GOALKEEPER_RESULTS_DIR when set."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MEASURED: dict[str, str] = {}


def results_dir() -> Path:
    return Path(os.environ.get("GOALKEEPER_RESULTS_DIR") or REPO / ".run" / "results")


def record(scenario: str, figures: str) -> None:
    MEASURED[scenario] = figures
    lines = ["| scenario | measured |", "|---|---|"]
    lines += [f"| {name} | {text} |" for name, text in MEASURED.items()]
    path = results_dir() / "cluster.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
