"""A worker replica that runs one scheduled job, for the once-per-tick test:
`python -m tests.cluster.job_replica <database url> <replica name> <interval seconds>`.

Each run inserts (replica, tick) into `job_runs_seen`; the job's tick comes from the shared
`JobLeases`, the same path every service's jobs take on PostgreSQL."""

from __future__ import annotations

import sys

from sqlalchemy import text

from shared.db import make_engine
from shared.worker import ScheduledJob, Worker, ticks_for

TABLE = ("CREATE TABLE IF NOT EXISTS job_runs_seen "
         "(replica text NOT NULL, tick bigint NOT NULL, at timestamptz DEFAULT clock_timestamp())")


def main(url: str, name: str, interval: float) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text(TABLE))
    job = ScheduledJob("stamp", interval, lambda: None)

    def stamp() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO job_runs_seen (replica, tick) VALUES (:r, :t)"),
                         {"r": name, "t": job.last_tick})

    job.run = stamp
    Worker("jobs", {}, jobs=[job], ticks=ticks_for(engine, "job-replica-test")).run_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
