"""Scale benchmark: do list endpoints and the health tick cost grow with the page, or the table?

`python -m bench.scale [--small 1000] [--large 10000] [--calls 30]` loads two sizes side by side
on one throwaway PostgreSQL (one goals and one checkins database per size):
    T teams, 10 goals per team (10·T goals), 10 check-ins per goal (100·T check-ins)
(defaults T = 1k and 10k: 10k/100k goals, 100k/1M check-ins), bulk inserted with SQLAlchemy Core
executemany from rows cloned off one team/goal/check-in created through the services' own code.
The same-shaped team, goal and page are then timed at both sizes, in-process (Flask test client,
no HTTP, so only the service's own work is measured), median of `--calls` calls each:
- goals `GET /v1/goals?limit=10` (a team's whole page: its 10 goals);
- checkins `GET /v1/goals/{id}/checkins?limit=10`;
- the same goals page once the team and its lead have stored track records of T/10 rated goals
  each (100 and 1,000 by default: a record grows with the team's recent goals, and a page reads
  its team's and owners' records);
- the goals health re-evaluation tick (`reevaluate_due`) with 100 goals due, then with none.
If the cost follows the page or the change, the large/small ratio stays near 1.0×; a cost that
follows the table grows towards 10×.
"""

from __future__ import annotations

import argparse
import logging
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from bench.common import Timer, analyze, median, quiet_logs, servers, write_table
from bench.events import consumer_rate, new_prefix, settings_for
from bench.workloads import _container, _event, _goal, _member, _produce
from shared.events.topics import GOALS_EVENTS

GOALS_PER_TEAM = 10
CHECKINS_PER_GOAL = 10
CHUNK = 10_000
DUE = 100


def _clone_insert(conn, table, template: dict, rows_iter, total: int) -> None:
    batch = []
    for changes in rows_iter:
        batch.append({**template, **changes})
        if len(batch) >= CHUNK:
            conn.execute(insert(table), batch)
            batch = []
    if batch:
        conn.execute(insert(table), batch)


# -- goals ------------------------------------------------------------------------------------
def load_goals(s, teams: int):
    """A goals database with `teams` teams × 10 goals; returns (container, token, team_id)."""
    from services.goals.adapters.orm import goals, members, progress_points
    from services.goals.adapters.orm import teams as teams_table
    from services.goals.entrypoints.app import create_app

    settings = settings_for("goals", s, new_prefix())
    container = _container("goals", settings)
    client = create_app(container).test_client()
    admin = {"Authorization": f"Bearer {settings.admin_token}"}
    team = client.post("/v1/teams", headers=admin, json={
        "name": "Scale", "timezone": "UTC",
        "lead": {"name": "Lead", "email": "lead@example.com", "timezone": "UTC"}}).get_json()
    token = team["lead"]["token"]
    auth = {"Authorization": f"Bearer {token}"}
    for i in range(GOALS_PER_TEAM):
        made = client.post("/v1/goals", headers=auth, json={
            "title": f"Ship {i + 10} scale releases", "why": "benchmark",
            "due_date": "2030-01-01", "metric": {"unit": "releases", "start": 0, "target": 40}})
        assert made.status_code == 201, made.get_json()
    team_id, lead_id = team["team"]["id"], team["lead"]["id"]
    with container.engine.begin() as conn:
        t_row = dict(conn.execute(select(teams_table).where(
            teams_table.c.id == team_id)).mappings().one())
        m_row = dict(conn.execute(select(members).where(members.c.id == lead_id))
                     .mappings().one())
        g_row = dict(conn.execute(select(goals).where(goals.c.team_id == team_id).limit(1))
                     .mappings().one())
        ids = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(teams - 1)]
        _clone_insert(conn, teams_table, t_row, ({"id": t, "name": f"Scale {i}"}
                                                  for i, (t, _) in enumerate(ids)), len(ids))
        _clone_insert(conn, members, m_row, ({"id": m, "team_id": t,
                                              "email": f"{m}@example.com"}
                                             for t, m in ids), len(ids))
        far = datetime.now(UTC) + timedelta(days=30)
        goal_ids = [(t, m, str(uuid.uuid4())) for t, m in [(team_id, lead_id)] + ids
                    for _ in range(GOALS_PER_TEAM)]
        own = conn.execute(select(goals.c.id).where(goals.c.team_id == team_id)).scalars().all()
        goal_ids[:GOALS_PER_TEAM] = [(team_id, lead_id, g) for g in own]
        _clone_insert(conn, goals, {**g_row, "next_health_check_at": far}, (
            {"id": g, "team_id": t, "owner_id": m, "title": f"Ship {k % 90 + 10} releases"}
            for k, (t, m, g) in enumerate(goal_ids[GOALS_PER_TEAM:])), len(ids))
        # goals keeps one progress point per check-in it consumed: 10 per goal here too
        now = datetime.now(UTC)
        _clone_insert(conn, progress_points, {}, (
            {"goal_id": g, "team_id": t, "owner_id": m, "at": now - timedelta(days=k),
             "progress": 0.01 * k}
            for t, m, g in goal_ids for k in range(CHECKINS_PER_GOAL)), len(goal_ids))
        conn.execute(update(goals).where(goals.c.team_id == team_id)
                     .values(next_health_check_at=far))
    return container, client, auth, (team_id, lead_id)


def store_records(container, team: tuple[str, str], rated_goals: int) -> None:
    """`team` (team_id, lead_id): its and its lead's stored track records, `rated_goals` rates
    each."""
    from services.goals.adapters.orm import track_records

    team_id, lead_id = team
    rates = {str(uuid.uuid4()): round(0.01 * (k % 97 + 1), 4) for k in range(rated_goals)}
    now = datetime.now(UTC)
    with container.engine.begin() as conn:
        conn.execute(delete(track_records).where(track_records.c.team_id == team_id))
        conn.execute(insert(track_records), [
            {"team_id": team_id, "owner_id": owner_id, "rates": rates,
             "updated_at": now} for owner_id in ("", lead_id)])


def due_some(container, count: int) -> None:
    """Make `count` goals (anywhere in the table) due for a health re-evaluation."""
    from services.goals.adapters.orm import goals

    with container.engine.begin() as conn:
        ids = conn.execute(select(goals.c.id).order_by(goals.c.id).limit(count)).scalars().all()
        conn.execute(update(goals).where(goals.c.id.in_(ids)).values(
            next_health_check_at=datetime.now(UTC) - timedelta(hours=1)))


# -- checkins ---------------------------------------------------------------------------------
def load_checkins(s, teams: int):
    from services.checkins.adapters.orm import checkins, goal_views, member_views
    from services.checkins.entrypoints.app import create_app

    settings = settings_for("checkins", s, new_prefix())
    container = _container("checkins", settings)
    team_id, member_id, goal_id = (str(uuid.uuid4()) for _ in range(3))
    _produce(settings, GOALS_EVENTS, [
        _event("member.added", team_id, _member(team_id, member_id), "goals"),
        _event("goal.created", team_id, _goal(team_id, member_id, goal_id), "goals")])
    consumer_rate(container)
    client = create_app(container).test_client()
    auth = {"Authorization": f"Bearer {container.tokens.issue(team_id, member_id, 'lead')}"}
    for i in range(CHECKINS_PER_GOAL):
        made = client.post(f"/v1/goals/{goal_id}/checkins", headers=auth,
                           json={"delta": 1, "note": f"scale {i}"})
        assert made.status_code == 201, made.get_json()
    with container.engine.begin() as conn:
        m_row = dict(conn.execute(select(member_views).where(
            member_views.c.member_id == member_id)).mappings().one())
        g_row = dict(conn.execute(select(goal_views).where(goal_views.c.goal_id == goal_id))
                     .mappings().one())
        c_row = dict(conn.execute(select(checkins).where(checkins.c.goal_id == goal_id)
                                  .limit(1)).mappings().one())
        c_row["request_id"] = None
        ids = [(str(uuid.uuid4()), str(uuid.uuid4())) for _ in range(teams - 1)]
        _clone_insert(conn, member_views, m_row, ({"member_id": m, "team_id": t}
                                                   for t, m in ids), len(ids))
        goal_ids = [(t, m, str(uuid.uuid4())) for t, m in ids for _ in range(GOALS_PER_TEAM)]
        _clone_insert(conn, goal_views, g_row, ({"goal_id": g, "team_id": t, "owner_id": m}
                                                 for t, m, g in goal_ids), len(goal_ids))
        base = c_row["created_at"]
        _clone_insert(conn, checkins, c_row, (
            {"id": str(uuid.uuid4()), "goal_id": g, "team_id": t, "author_id": m,
             "created_at": base - timedelta(minutes=k)}
            for t, m, g in goal_ids for k in range(CHECKINS_PER_GOAL)),
            len(goal_ids) * CHECKINS_PER_GOAL)
    return container, client, auth, goal_id


def timed_calls(call, calls: int) -> float:
    call()  # warm
    times = []
    for _ in range(calls):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    return median(times)


def get_ok(client, path: str, auth: dict):
    def call():
        response = client.get(path, headers=auth)
        assert response.status_code == 200, (path, response.status_code, response.get_json())
    return call


def measure(s, teams: int, calls: int) -> dict:
    from services.goals.service_layer.jobs import reevaluate_due

    result: dict = {}
    with Timer() as load_goals_t:
        goals_c, goals_client, goals_auth, goals_team = load_goals(s, teams)
    with Timer() as load_checkins_t:
        checkins_c, checkins_client, checkins_auth, goal_id = load_checkins(s, teams)
    result["load"] = load_goals_t.seconds + load_checkins_t.seconds
    for c in (goals_c, checkins_c):
        analyze(c.engine)
    result["goals list"] = timed_calls(get_ok(goals_client, "/v1/goals?limit=10", goals_auth),
                                       calls)
    store_records(goals_c, goals_team, teams // 10)
    result["goals list, records"] = timed_calls(
        get_ok(goals_client, "/v1/goals?limit=10", goals_auth), calls)
    result["checkins list"] = timed_calls(get_ok(
        checkins_client, f"/v1/goals/{goal_id}/checkins?limit=10", checkins_auth), calls)
    ticks, idle = [], []
    for _ in range(max(3, calls // 10)):
        due_some(goals_c, DUE)
        began = time.perf_counter()
        report = reevaluate_due(goals_c.uow, goals_c.clock)
        ticks.append((time.perf_counter() - began) * 1000)
        result["evaluated"] = report.evaluated
        began = time.perf_counter()
        reevaluate_due(goals_c.uow, goals_c.clock)
        idle.append((time.perf_counter() - began) * 1000)
    result["tick"], result["idle tick"] = median(ticks), median(idle)
    goals_c.engine.dispose()
    checkins_c.engine.dispose()
    return result


def main(small: int, large: int, calls: int) -> None:
    quiet_logs()
    sizes = {}
    with servers() as s:
        for teams in (small, large):
            sizes[teams] = measure(s, teams, calls)
            print(teams, sizes[teams], flush=True)
    a, b = sizes[small], sizes[large]

    def label(t: int) -> str:
        return (f"{t:,} teams / {t * GOALS_PER_TEAM:,} goals / "
                f"{t * GOALS_PER_TEAM * CHECKINS_PER_GOAL:,} check-ins")

    rows = []
    for key, what, size in (
            ("goals list", "goals `GET /v1/goals?limit=10` (a team's 10 goals)", "the table"),
            ("goals list, records",
             f"the same goals page, the team's and its lead's stored track records of "
             f"{small // 10:,} / {large // 10:,} rated goals", "the records"),
            ("checkins list", "checkins `GET /v1/goals/{id}/checkins?limit=10`", "the table"),
            ("tick", f"health tick, {DUE} goals due", "the table"),
            ("idle tick", "health tick, none due", "the table")):
        ratio = b[key] / a[key]
        rows.append([what, f"{a[key]:.2f}", f"{b[key]:.2f}", f"{ratio:.2f}×",
                     "✅ flat" if ratio < 2 else f"❌ grows with {size}"])
    write_table("scale", "Scale: the same page and the same change at two table sizes",
                ["call (ms, median)", label(small), label(large), "large / small", "verdict"],
                rows, notes=f"Median of {calls} in-process calls each (Flask test client, no "
                            f"HTTP); health ticks: median of {max(3, calls // 10)}. Load time "
                            f"(executemany): {a['load']:.0f} s and {b['load']:.0f} s. "
                            "`python -m bench.scale`.")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=1_000, help="teams in the small size")
    parser.add_argument("--large", type=int, default=10_000, help="teams in the large size")
    parser.add_argument("--calls", type=int, default=30)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    main(args.small, args.large, args.calls)
