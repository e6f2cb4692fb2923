"""Benchmark: one health re-evaluation tick over N active goals, indexed vs naive full scan.

    python bench/health_reeval.py [--goals 100000] [--due 100] [--postgres | --database-url URL]

Loads N active goals (bulk insert; a SQLite file by default, or a throwaway PostgreSQL with
`--postgres`), of which `--due` have a
`next_health_check_at` in the past, then times:
- the job's tick (`reevaluate_due`): reads due rows through the index and re-evaluates them;
- a naive tick: loads every active goal and re-evaluates each (what the index avoids).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import write_table  # noqa: E402
from infra.kafka_broker import free_port  # noqa: E402
from infra.postgres_server import PostgresServer, ensure_postgres_installed  # noqa: E402
from services.goals.adapters.orm import goals, members, teams  # noqa: E402
from services.goals.bootstrap import GoalsContainer  # noqa: E402
from services.goals.config import GoalsSettings  # noqa: E402
from services.goals.domain.goal import Goal  # noqa: E402
from services.goals.service_layer.jobs import reevaluate_due  # noqa: E402
from shared.clock import ControlledClock  # noqa: E402

NOW = datetime(2031, 3, 6, 12, tzinfo=UTC)
CHUNK = 5_000


def load(container: GoalsContainer, count: int, due: int) -> None:
    container.create_schema()
    team_id, member_id = str(uuid.uuid4()), str(uuid.uuid4())
    with container.engine.begin() as conn:
        conn.execute(insert(teams).values(id=team_id, name="Bench", timezone="UTC",
                                          require_smart=False, created_at=NOW))
        conn.execute(insert(members).values(id=member_id, team_id=team_id, name="B",
                                            email="b@x.com", role="lead", timezone="UTC",
                                            state="active", token_version=1))
        for start in range(0, count, CHUNK):
            rows = [_goal(team_id, member_id, i, i < due) for i in range(start,
                                                                         min(start + CHUNK, count))]
            conn.execute(insert(goals), rows)


def _goal(team_id: str, owner_id: str, i: int, is_due: bool) -> dict:
    later = NOW + timedelta(days=30 + i % 300)
    return {
        "id": str(uuid.uuid4()), "team_id": team_id, "owner_id": owner_id,
        "title": f"Close {i} tickets", "description": "", "why": "bench", "kind": "personal",
        "visibility": "team", "status": "active", "timezone": "UTC",
        "start_date": date(2031, 3, 1), "due_date": date(2031, 3, 10), "horizon": "short_term",
        "parent_weight": 1.0, "pathways": (), "progress": 0.0, "retrospective": "",
        "version": 1, "created_at": NOW, "updated_at": NOW, "health": "on_track",
        "next_health_check_at": NOW - timedelta(hours=1) if is_due else later,
    }


def naive_tick(container: GoalsContainer, clock: ControlledClock) -> int:
    """Re-evaluate every active goal (rolled back: only the reading and computing is timed)."""
    with container.uow() as uow:
        active = uow.session.scalars(select(Goal).where(Goal.status == "active")).all()
        for goal in active:
            goal.refresh_health(clock.now())
        return len(active)


def timed(action) -> tuple[float, object]:
    began = time.perf_counter()
    result = action()
    return time.perf_counter() - began, result


def run(url: str, count: int, due: int) -> list[list]:
    clock = ControlledClock(NOW)
    container = GoalsContainer(GoalsSettings(service="goals", database_url=url, port=0), clock)
    load(container, count, due)
    naive_s, naive_rows = timed(lambda: naive_tick(container, clock))
    tick_s, report = timed(lambda: reevaluate_due(container.uow, clock))
    idle_s, idle = timed(lambda: reevaluate_due(container.uow, clock))
    engine = container.engine.dialect.name
    container.engine.dispose()
    return [
        [engine, count, "naive: every active goal", naive_rows, "-", f"{naive_s:.3f}"],
        [engine, count, "indexed: due rows only", report.evaluated, report.changed,
         f"{tick_s:.3f}"],
        [engine, count, "indexed: next tick, none due", idle.evaluated, idle.changed,
         f"{idle_s:.3f}"],
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--goals", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=100)
    parser.add_argument("--postgres", action="store_true", help="also on a throwaway PostgreSQL")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    urls = [args.database_url or f"sqlite:///{tempfile.mkdtemp()}/bench.db"]
    with contextlib.ExitStack() as stack:
        if args.postgres:
            urls.append(stack.enter_context(throwaway_postgres()))
        rows = [row for url in urls for row in run(url, args.goals, args.due)]
    write_table("health_reeval", "Health re-evaluation: one tick", ["engine", "active goals",
                "tick", "rows read", "changed", "seconds"], rows,
                notes=f"{args.due} goals due per tick; bench/health_reeval.py.")


@contextlib.contextmanager
def throwaway_postgres():
    ensure_postgres_installed()
    data_dir = Path(tempfile.mkdtemp(prefix="gk-bench-pg-", dir="/tmp"))
    server = PostgresServer(data_dir, free_port())
    server.start()
    try:
        yield server.create_database("bench_health")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
