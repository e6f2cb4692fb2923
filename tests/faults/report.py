"""Outcomes of fault scenarios and the table `make faults` prints (and saves under bench/)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

RESULTS: list[Outcome] = []
SAVED = Path(__file__).resolve().parents[2] / "bench" / "results" / "faults.md"


@dataclass
class Outcome:
    scenario: str
    sent: int
    observed: int
    routed: int
    lost: int
    duplicated: int
    recovery_s: float | None


def record(outcome: Outcome) -> None:
    RESULTS.append(outcome)
    SAVED.parent.mkdir(parents=True, exist_ok=True)
    SAVED.write_text(table() + "\n")


def table() -> str:
    lines = [
        "| scenario | check-ins sent | goal effects | notifications routed | lost | duplicated"
        " | time to recover |",
        "|---|---|---|---|---|---|---|",
    ]
    for o in RESULTS:
        recovery = "still delivering" if o.recovery_s is None else f"{o.recovery_s:.1f} s"
        lines.append(
            f"| {o.scenario} | {o.sent} | {o.observed} | {o.routed} | {o.lost} | "
            f"{o.duplicated} | {recovery} |"
        )
    return "\n".join(lines)
