"""Outcomes of fault scenarios and the table `make faults` prints.

Where the table is saved: `GOALKEEPER_RESULTS_DIR` when set; else `bench/results/faults.md`
(the published figures, copied into the README) when the run chose its load duration
(`make faults` sets GOALKEEPER_FAULT_SECONDS); else `.run/results/faults.md`, untracked, so
that `make test`'s short run never rewrites a tracked file. The cluster tests' figures
(`tests.cluster.results`) are saved beside it the same way. Each table ends with the run's
conditions: its load, the machine, the commit and the load average around the run.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import LOAD_AT_START, busy_warning, conditions
from tests.faults.ledger import PLACES, Accounts

SECONDS = float(os.environ.get("GOALKEEPER_FAULT_SECONDS", "8"))  # of load per scenario
RATE = float(os.environ.get("GOALKEEPER_FAULT_RATE", "10"))  # check-ins per second
RESULTS: list[Outcome] = []
REPO = Path(__file__).resolve().parents[2]


def results_dir() -> Path:
    if os.environ.get("GOALKEEPER_RESULTS_DIR"):
        return Path(os.environ["GOALKEEPER_RESULTS_DIR"])
    if os.environ.get("GOALKEEPER_FAULT_SECONDS"):
        return REPO / "bench" / "results"
    return REPO / ".run" / "results"


@dataclass
class Outcome:
    scenario: str
    sent: int
    seen: dict[str, int]  # place -> ids seen there (copies included)
    lost: int  # distinct ids missing from at least one place
    duplicated: int  # distinct ids seen more than once in at least one place
    slack_duplicates: int  # message bodies Slack posted more than once
    dead_letters: str  # "found/expected"
    recovery_s: float | None  # None: the settle wait timed out
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of(cls, scenario: str, accounts: Accounts, slack_duplicates: int, dead_letters: str,
           recovery_s: float | None) -> Outcome:
        return cls(scenario, len(accounts.sent),
                   {p: sum(t.seen.values()) for p, t in accounts.tallies.items()},
                   len(accounts.lost_ids()), len(accounts.duplicated_ids()), slack_duplicates,
                   dead_letters, recovery_s)


def record(outcome: Outcome) -> None:
    RESULTS.append(outcome)
    save("faults.md", table(), "Time to settle: from the end of the fault until every id was "
         "seen in every place.")


def save(name: str, table: str, explained: str) -> Path:
    """`table`, then the run's load and conditions, as `name` in `results_dir()`."""
    lines = busy_warning("its times stretch with it.")
    lines += [table, "", f"{SECONDS:g} s of check-ins at {RATE:g}/s per scenario "
              f"(GOALKEEPER_FAULT_SECONDS, GOALKEEPER_FAULT_RATE). {explained} "
              + conditions(LOAD_AT_START, os.getloadavg())]
    saved = results_dir() / name
    saved.parent.mkdir(parents=True, exist_ok=True)
    saved.write_text("\n".join(lines) + "\n")
    return saved


def table() -> str:
    lines = [
        "| scenario | check-ins sent | " + " | ".join(PLACES) + " | ids lost | ids duplicated"
        " | Slack duplicates | dead letters | time to settle |",
        "|---" * (len(PLACES) + 7) + "|",
    ]
    for o in RESULTS:
        settle = "timed out" if o.recovery_s is None else f"{o.recovery_s:.1f} s"
        seen = " | ".join(str(o.seen.get(p, 0)) for p in PLACES)
        lines.append(f"| {o.scenario} | {o.sent} | {seen} | {o.lost} | {o.duplicated} | "
                     f"{o.slack_duplicates} | {o.dead_letters} | {settle} |")
    return "\n".join(lines)
