"""Figures the cluster tests measure (takeover times, recovery, worst latencies), saved beside
the fault results as `failover.md` (where: `tests.faults.report.results_dir`)."""

from __future__ import annotations

from tests.faults.report import save

MEASURED: dict[str, str] = {}


def record(scenario: str, figures: str) -> None:
    MEASURED[scenario] = figures
    lines = ["| scenario | measured |", "|---|---|"]
    lines += [f"| {name} | {text} |" for name, text in MEASURED.items()]
    save("failover.md", "\n".join(lines), "Recovered: from the end of the fault until every "
         "id was seen everywhere. End-to-end latency: a check-in's acceptance to its "
         "goal.progressed on the goals topic.")
