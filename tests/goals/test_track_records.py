"""Track records kept on write: the database picks each goal's first and last recent point, and
what it picks gives the same rates as every recent point read and ordered in Python; a commit
refreshes the owner's and the team's records in a fixed number of statements, however long
their history. On both engines."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.engine.default import CACHE_HIT

from services.goals.adapters.orm import progress_points, track_records
from services.goals.adapters.repositories import TEAM, recent_points
from services.goals.domain.history import ProgressPoint
from services.goals.domain.track_record import goal_rates
from tests.goals.helpers import create_goal, get, post
from tests.support.batches import cache_hits, statements
from tests.support.seed import add_member, create_team
from tests.support.stack import auth

START = datetime(2031, 3, 2, 9, tzinfo=UTC)


def history(goals, team, owners: dict[str, str], count: int, seed: int) -> None:
    """`count` points over the owners' goals, some at the same moment (ties are broken by id)."""
    rng = random.Random(seed)
    goal_owner = {}
    for token, owner_id in owners.items():
        for n in range(3):
            goal_owner[create_goal(goals, token, title=f"Close {n + 5} tickets")["id"]] = owner_id
    with goals.container.uow() as uow:
        for i in range(count):
            goal_id = rng.choice(sorted(goal_owner))
            at = START + timedelta(hours=rng.choice([0, 6, 30, 55, 100, 101, 170]) + i // 40)
            uow.progress_points.add(ProgressPoint(goal_id, team.id, goal_owner[goal_id], at,
                                                  round(rng.random(), 3)))
        uow.commit()


def every_point_in_python(goals, team_id: str, owner_id: str | None, limit: int) -> dict:
    pp = progress_points
    query = select(pp.c.goal_id, pp.c.at, pp.c.id, pp.c.progress).where(pp.c.team_id == team_id)
    if owner_id is not None:
        query = query.where(pp.c.owner_id == owner_id)
    with goals.container.engine.connect() as conn:
        rows = conn.execute(query).all()
    recent = sorted(rows, key=lambda r: (r.at, r.id), reverse=True)[:limit]
    return goal_rates(recent)


def test_the_picked_ends_give_the_rates_of_every_recent_point(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team, "Max")
    history(goals, team, {team.lead: team.lead_id, token: member_id}, count=300, seed=7)
    for owner_id in (team.lead_id, member_id, None):
        for limit in (1, 25, 120, 2000):  # the window cuts through goals' histories, or not
            with goals.container.uow() as uow:
                picked = goal_rates(uow.progress_points.ends(team_id=team.id, owner_id=owner_id,
                                                             limit=limit))
            expected = every_point_in_python(goals, team.id, owner_id, limit)
            assert picked == expected, (owner_id, limit)
            if limit == 2000:
                assert len(expected) == 3 * (2 if owner_id is None else 1)


def test_a_commit_refreshes_both_records_in_four_statements_however_long_the_history(goals):
    team = create_team(goals)
    history(goals, team, {team.lead: team.lead_id}, count=400, seed=11)
    goal_id = create_goal(goals, team.lead)["id"]
    at = START + timedelta(days=20)
    with statements(goals.container.engine) as seen, goals.container.uow() as uow:
        uow.track_records.refresh({(team.id, team.lead_id)}, at)
        uow.commit()
    assert len([s for s in seen if "track_records" in s or "progress_points" in s]) == 4, seen
    with goals.container.engine.connect() as conn:
        stored = {row.owner_id: row.rates for row in conn.execute(select(track_records))}
    assert stored[team.lead_id] == every_point_in_python(goals, team.id, team.lead_id, 2000)
    assert stored[TEAM] == every_point_in_python(goals, team.id, None, 2000)
    assert goal_id not in stored[TEAM]  # a goal without points has no rate



def test_a_refresh_compiles_none_of_its_statements_again(goals):
    """Every check-in refreshes two records: each statement must come from SQLAlchemy's compiled
    cache. Built with the dialects' upsert (`insert(...).on_conflict_do_update`, no cache key),
    the lock was compiled again on every check-in."""
    team = create_team(goals)
    history(goals, team, {team.lead: team.lead_id}, count=20, seed=5)

    def refresh() -> None:
        with goals.container.uow() as uow:
            uow.track_records.refresh({(team.id, team.lead_id)}, START + timedelta(days=20))
            uow.commit()

    refresh()  # compiles and caches
    with cache_hits(goals.container.engine) as executed:
        refresh()
    seen = [(line, hit) for line, hit in executed
            if "track_records" in line or "progress_points" in line]
    assert len(seen) == 4, seen
    assert [hit for _, hit in seen] == [CACHE_HIT] * 4, seen


def test_the_newest_points_come_off_an_index_in_order_even_when_they_share_a_moment(goals):
    """Many points at one `at` (a batch logged at once) must not make PostgreSQL sort the
    owner's whole history to find the newest 2,000: the indexes end with (at, id). (On SQLite
    every index already ends with the rowid, which id is.)"""
    if goals.container.engine.dialect.name != "postgresql":
        pytest.skip("SQLite's indexes end with the rowid, which is id")
    team = create_team(goals)
    goal_id = create_goal(goals, team.lead)["id"]
    with goals.container.uow() as uow:
        for i in range(300):
            uow.progress_points.add(ProgressPoint(goal_id, team.id, team.lead_id, START, i / 300))
        uow.commit()
    with goals.container.engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the plan of a long history
        for by_owner in (True, False):
            query = recent_points(by_owner).params(team_id=team.id, owner_id=team.lead_id,
                                                   limit=2000)
            sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(conn.exec_driver_sql("EXPLAIN " + sql).scalars())
            assert "Index Scan Backward using ix_progress_points_" in plan, plan
            assert "Sort" not in plan, plan


def _edit_the_metric(goals, team) -> tuple[str, Callable[[], object]]:
    """5 of 20 tickets on the first day; a week later the target is cut to 10: half done."""
    goal = create_goal(goals, team.lead, due_date="2031-06-01",
                       metric={"unit": "tickets", "start": 0, "target": 20, "current": 5})
    path = f"/v1/goals/{goal['id']}"

    def edit():
        return goals.client.patch(path, headers={**auth(team.lead), "If-Match": get(
            goals, path, team.lead).headers["ETag"]}, json={"metric": {
                "unit": "tickets", "start": 0, "target": 10, "current": 5}})
    return goal["id"], edit


def _reopen_a_milestone(goals, team) -> tuple[str, Callable[[], object]]:
    """Two of four steps done on the first day; a week later one is reopened: a quarter."""
    goal = create_goal(goals, team.lead, metric=None, due_date="2031-06-01",
                       milestones=[{"title": t} for t in ("a", "b", "c", "d")])
    steps = f"/v1/goals/{goal['id']}/milestones"
    for milestone in goal["milestones"][:2]:
        post(goals, f"{steps}/{milestone['id']}/complete", team.lead)
    return goal["id"], lambda: post(goals, f"{steps}/{goal['milestones'][1]['id']}/reopen",
                                    team.lead)


def _switch_pathways(goals, team) -> tuple[str, Callable[[], object]]:
    """Plan A has nothing done; a week later the goal switches to plan B, a quarter done."""
    goal = create_goal(goals, team.lead, metric=None, due_date="2031-06-01",
                       milestones=[{"title": "a"}])
    plan_b = post(goals, f"/v1/goals/{goal['id']}/pathways", team.lead, {"name": "Plan B"}).json
    steps = [post(goals, f"/v1/goals/{goal['id']}/milestones", team.lead,
                  {"title": t, "pathway_id": plan_b["id"]}).json for t in ("w", "x", "y", "z")]
    post(goals, f"/v1/goals/{goal['id']}/milestones/{steps[0]['id']}/complete", team.lead)
    return goal["id"], lambda: post(
        goals, f"/v1/goals/{goal['id']}/pathways/{plan_b['id']}/activate", team.lead,
        {"reason": "Plan A stalled"})


MOVES = {"metric edited": (_edit_the_metric, 0.5, "goal.updated"),
         "milestone reopened": (_reopen_a_milestone, 0.25, "goal.updated"),
         "pathway switched": (_switch_pathways, 0.25, "goal.pathway_switched")}


@pytest.mark.parametrize("move", MOVES)
def test_progress_moved_without_a_checkin_counts_in_the_owners_track_record(goals, clock,
                                                                            move):
    """A quarter of a goal gained over a week by a metric edit, a milestone reopened (after
    two completed) or a pathway switch is pace the owner has shown: the move leaves one
    progress point, so the next goal's Achievable verdict compares with 25% a week instead of
    finding no track record. It is announced by its own event alone, with no goal.progressed
    (notifications would take that for a check-in's figure)."""
    team = create_team(goals)
    prepare, progress, event_type = MOVES[move]
    goal_id, make_the_move = prepare(goals, team)
    points, events = _points_of(goals, goal_id), _event_types(goals, goal_id)
    clock.advance(days=7)

    moved = make_the_move()
    assessed = post(goals, "/v1/goals/assess", team.lead, {
        "title": "Close 20 support tickets", "why": "x", "start_date": "2031-03-09",
        "due_date": "2031-03-15", "metric": {"unit": "tickets", "start": 0, "target": 20}})

    assert moved.status_code == 200 and moved.json["progress"] == progress, moved.json
    assert _points_of(goals, goal_id) - points == 1
    assert _event_types(goals, goal_id) - events == Counter({event_type: 1})
    verdict = assessed.json["smart"]["achievable"]
    assert "4.0x the 25% a week you have shown" in verdict["hint"], verdict


def _points_of(goals, goal_id: str) -> int:
    with goals.container.engine.connect() as conn:
        return len(conn.execute(select(progress_points.c.id).where(
            progress_points.c.goal_id == goal_id)).all())


def _event_types(goals, goal_id: str) -> Counter:
    """The goal's events in the outbox, counted by type."""
    table = goals.container.metadata.tables["outbox"]
    with goals.container.engine.connect() as conn:
        rows = conn.execute(select(table.c.event_type, table.c.payload)).all()
    return Counter(row.event_type for row in rows
                   if json.loads(row.payload).get("goal_id") == goal_id)
