"""Reads the goals web process keeps (shared.read_cache): a read asked again is answered with no
statement, and never once what it was made of has changed, whoever changed it: this process,
another process (a second gunicorn worker, the goals worker), or a session gone wrong."""

from __future__ import annotations

import sys
import tracemalloc
from collections import OrderedDict

import pytest
from sqlalchemy import create_engine, text

from shared.change_watch import ALL
from shared.read_cache import ENTRY_OVERHEAD, ReadCache
from tests.goals.helpers import create_goal, get
from tests.support.another_process import in_another_process as run_elsewhere
from tests.support.batches import statements as engine_statements
from tests.support.seed import add_member, create_team
from tests.support.stack import auth
from tests.support.waiting import eventually


def in_another_process(goals, statement: str, **params) -> None:
    run_elsewhere(goals.container.engine, statement, **params)


def statements(goals):
    return engine_statements(goals.container.engine)


def on_postgres(goals) -> bool:
    return goals.container.engine.dialect.name == "postgresql"


def read_twice(goals, path, token):
    first = get(goals, path, token)
    with statements(goals) as seen:
        again = get(goals, path, token)
    return first, again, seen


def test_a_goal_read_again_is_answered_without_a_statement(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    for path in (f"/v1/goals/{goal['id']}", "/v1/goals?limit=50"):
        first, again, seen = read_twice(goals, path, team.lead)
        assert first.status_code == again.status_code == 200
        assert seen == []
        assert again.json == first.json
        assert again.headers.get("ETag") == first.headers.get("ETag")


def test_a_read_asked_with_its_parameters_in_another_order_is_the_same_read(goals):
    team = create_team(goals)
    create_goal(goals, team.lead)
    first = get(goals, "/v1/goals?limit=50&status=active", team.lead)
    with statements(goals) as seen:
        again = get(goals, "/v1/goals?status=active&limit=50", team.lead)
    assert first.status_code == again.status_code == 200
    assert seen == []
    assert again.json == first.json
    with statements(goals) as seen:
        other = get(goals, "/v1/goals?status=active&limit=49", team.lead)
    assert other.status_code == 200 and seen != []


def test_no_cache_reads_the_database(goals):
    team = create_team(goals)
    path = f"/v1/goals/{create_goal(goals, team.lead)['id']}"
    get(goals, path, team.lead)
    with statements(goals) as seen:
        response = goals.client.get(path, headers={**auth(team.lead),
                                                   "Cache-Control": "no-cache"})
    assert response.status_code == 200 and len(seen) == 2


def test_a_process_reads_its_own_write_at_once(goals):
    team = create_team(goals)
    path = f"/v1/goals/{create_goal(goals, team.lead)['id']}"
    etag = get(goals, path, team.lead).headers["ETag"]
    edited = goals.client.patch(path, json={"title": "Close 30 support tickets"},
                                headers={**auth(team.lead), "If-Match": etag})
    assert edited.status_code == 200
    read = get(goals, path, team.lead)
    assert read.json["title"] == "Close 30 support tickets"
    assert read.headers["ETag"] == edited.headers["ETag"] != etag


def test_a_change_made_by_another_process_is_read_at_once(goals):
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}"
    _, again, seen = read_twice(goals, path, team.lead)
    assert seen == [] and again.json["title"] == goal["title"]
    in_another_process(goals, "UPDATE goals SET title = 'Renamed elsewhere', "
                              "version = version + 1 WHERE id = :id", id=goal["id"])
    read = get(goals, path, team.lead)
    assert read.json["title"] == "Renamed elsewhere"
    assert read.headers["ETag"] == '"2"'
    page = get(goals, "/v1/goals?limit=50", team.lead).json["items"]
    assert [g["title"] for g in page] == ["Renamed elsewhere"]


def test_a_token_revoked_by_another_process_is_refused_on_its_next_read(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    path = f"/v1/goals/{create_goal(goals, token)['id']}"
    _, again, seen = read_twice(goals, path, token)
    assert again.status_code == 200 and seen == []
    in_another_process(goals, "UPDATE members SET token_version = token_version + 1 "
                              "WHERE id = :id", id=member_id)
    refused = get(goals, path, token)
    assert refused.status_code == 401
    assert "revoked" in refused.json["detail"]


def test_a_token_revoked_through_the_api_is_refused_on_its_next_read(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team)
    path = f"/v1/goals/{create_goal(goals, token)['id']}"
    _, again, _ = read_twice(goals, path, token)
    assert again.status_code == 200
    revoked = goals.client.delete(f"/v1/teams/{team.id}/members/{member_id}/token",
                                  headers=auth(team.lead))
    assert revoked.status_code in (200, 204), revoked.json
    assert get(goals, path, token).status_code == 401


def test_a_private_goal_hidden_once_the_reader_is_no_longer_a_lead(goals):
    team = create_team(goals)
    member_id, token = add_member(goals, team, role="lead")
    path = f"/v1/goals/{create_goal(goals, team.lead, visibility='private')['id']}"
    _, again, _ = read_twice(goals, path, token)
    assert again.status_code == 200
    in_another_process(goals, "UPDATE members SET role = 'member' WHERE id = :id", id=member_id)
    assert get(goals, path, token).status_code == 404


def test_a_change_to_another_team_keeps_this_teams_reads_on_postgres(goals):
    """On PostgreSQL a change drops only its team's reads; on SQLite (one data_version for the
    whole file) every read."""
    ours, theirs = create_team(goals), create_team(goals, name="Design")
    path = f"/v1/goals/{create_goal(goals, ours.lead)['id']}"
    other = create_goal(goals, theirs.lead)
    read_twice(goals, path, ours.lead)
    in_another_process(goals, "UPDATE goals SET title = 'Theirs', version = version + 1 "
                              "WHERE id = :id", id=other["id"])
    with statements(goals) as seen:
        assert get(goals, path, ours.lead).status_code == 200
    assert len(seen) == (0 if on_postgres(goals) else 2)


def test_a_new_day_reads_the_database_again(goals, clock):
    """Health and the SMART verdicts are judged on the day: a read kept yesterday is not
    today's answer (the caller's standing, which no day changes, stays kept)."""
    team = create_team(goals)
    path = f"/v1/goals/{create_goal(goals, team.lead)['id']}"
    read_twice(goals, path, team.lead)
    clock.advance(days=1)
    with statements(goals) as seen:
        assert get(goals, path, team.lead).status_code == 200
    assert len(seen) == 1 and "FROM goals" in seen[0]


def test_a_lost_listen_connection_reads_the_database_until_it_listens_again(goals):
    if not on_postgres(goals):
        pytest.skip("SQLite's watch is an in-process pragma, with no connection to lose")
    team = create_team(goals)
    goal = create_goal(goals, team.lead)
    path = f"/v1/goals/{goal['id']}"
    read_twice(goals, path, team.lead)
    ended = []
    with goals.container.engine.connect() as connection:
        ended = connection.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND query LIKE 'LISTEN%'")).scalars().all()
    assert ended == [True]
    in_another_process(goals, "UPDATE goals SET title = 'Renamed while deaf', "
                              "version = version + 1 WHERE id = :id", id=goal["id"])
    assert get(goals, path, team.lead).json["title"] == "Renamed while deaf"

    def kept_again() -> bool:
        get(goals, path, team.lead)
        with statements(goals) as seen:
            answer = get(goals, path, team.lead)
        return seen == [] and answer.json["title"] == "Renamed while deaf"

    eventually(kept_again, timeout=30)


class Watch:
    """The project's own watch, faked: the changes it reports next, or None (deaf)."""

    def __init__(self):
        self.pending: list[str] | None = []

    def changes(self):
        pending, self.pending = self.pending, ([] if self.pending is not None else None)
        return pending

    def fileno(self):
        return None

    def close(self):
        pass


def test_a_read_a_change_overtook_is_not_kept():
    watch = Watch()
    cache = ReadCache(watch)
    token = cache.token("team-a")
    watch.pending = ["team-a"]  # committed while the read was under way
    cache.put("goal", "team-a", "stale", token)
    assert cache.get("goal", "team-a") is None
    token = cache.token("team-a")
    watch.pending = ["team-b"]
    cache.put("goal", "team-a", "fresh", token)
    assert cache.get("goal", "team-a") == "fresh"


def test_a_change_to_a_team_drops_its_reads_and_everything_drops_all():
    watch = Watch()
    cache = ReadCache(watch)
    for key, team in (("a1", "a"), ("a2", "a"), ("b1", "b")):
        cache.put(key, team, key, cache.token(team))
    watch.pending = ["a"]
    assert [cache.get(k, t) for k, t in (("a1", "a"), ("a2", "a"), ("b1", "b"))] == \
        [None, None, "b1"]
    watch.pending = [ALL]
    assert cache.get("b1", "b") is None


def test_a_token_from_before_everything_dropped_stays_stale_as_teams_start_again():
    watch = Watch()
    cache = ReadCache(watch)
    watch.pending = ["a"]
    old = cache.token("a")  # team a at its first generation
    watch.pending = [ALL]  # everything dropped: the teams' generations start again
    assert cache.token("a") != old
    watch.pending = ["a"]
    cache.put("goal", "a", "stale", old)
    assert cache.get("goal", "a") is None


def test_nothing_is_kept_or_answered_while_the_watch_is_deaf():
    watch = Watch()
    cache = ReadCache(watch)
    cache.put("goal", "a", "kept", cache.token("a"))
    watch.pending = None
    assert cache.get("goal", "a") is None
    assert cache.token("a") is None
    watch.pending = []
    cache.put("goal", "a", "kept", None)
    assert cache.get("goal", "a") is None


def test_the_cache_keeps_at_most_its_capacity_dropping_the_least_recently_read():
    cache = ReadCache(Watch(), capacity=2 * (ENTRY_OVERHEAD + 100))
    cache.put("one", "a", 1, cache.token("a"), size=100)
    cache.put("two", "a", 2, cache.token("a"), size=100)
    assert cache.get("one", "a") == 1
    cache.put("three", "a", 3, cache.token("a"), size=100)
    assert len(cache) == 2 and cache.size == 2 * (ENTRY_OVERHEAD + 100)
    assert [cache.get(k, "a") for k in ("one", "two", "three")] == [1, None, 3]
    cache.put("big", "a", 4, cache.token("a"), size=cache.capacity)  # larger than it all
    assert cache.get("big", "a") is None and len(cache) == 2
    cache.put("three", "a", 3, cache.token("a"), size=300)  # replaced: counted once
    assert len(cache) == 1 and cache.size == ENTRY_OVERHEAD + 300


def test_a_commit_made_in_this_process_drops_everything_before_any_notification(tmp_path):
    """A process reads its own writes even when the database's notification of them has not
    reached its watch yet (the fake watch never reports one)."""
    cache = ReadCache(Watch())
    cache.put("goal", "a", "kept", cache.token("a"))
    engine = create_engine(f"sqlite:///{tmp_path / 'any.db'}")
    with engine.connect() as connection:
        assert cache.get("goal", "a") == "kept"
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
        connection.commit()
    engine.dispose()
    assert cache.get("goal", "a") is None


def test_the_listen_connection_finds_a_silent_server_and_gives_up_connecting(goals):
    """A server gone without a reset would leave the watch deaf and believing it hears: TCP
    keepalives end such a connection, and connecting gives up instead of holding a request."""
    if not on_postgres(goals):
        pytest.skip("SQLite's watch has no connection")
    team = create_team(goals)
    get(goals, f"/v1/goals/{create_goal(goals, team.lead)['id']}", team.lead)
    connection = goals.container.read_cache.watch._connection
    parameters = connection.info.get_parameters()
    assert parameters["connect_timeout"] == "2"
    assert parameters["keepalives_idle"] == "10" and parameters["keepalives_count"] == "3"


def _held_bytes(obj, seen: set[int]) -> int:
    """What `obj` keeps alive, counted once per object: containers through their items, a
    SQLAlchemy row through its values (its result metadata is shared, so not counted)."""
    if id(obj) in seen:
        return 0
    seen.add(id(obj))
    size = sys.getsizeof(obj)
    if isinstance(obj, dict):
        return size + sum(_held_bytes(k, seen) + _held_bytes(v, seen) for k, v in obj.items())
    if isinstance(obj, tuple | list):
        return size + sum(_held_bytes(item, seen) for item in obj)
    if hasattr(obj, "_mapping"):  # a Row: the standing
        return size + _held_bytes(tuple(obj), seen)
    return size


def _slot_bytes() -> float:
    """What one more key costs an OrderedDict (its table and its linked list), on average."""
    keys = [str(n) for n in range(20_000)]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = OrderedDict((k, None) for k in keys)
        return (tracemalloc.get_traced_memory()[0] - before) / len(kept)
    finally:
        tracemalloc.stop()


def test_each_kept_read_is_counted_at_no_less_than_what_it_holds(goals):
    """The byte bound holds for real entries: the body is counted by its length, everything
    else an entry keeps alive (its key, ETag, token, the table's slot) by ENTRY_OVERHEAD."""
    team = create_team(goals)
    paths = [f"/v1/goals/{create_goal(goals, team.lead)['id']}" for _ in range(12)]
    for path in [*paths, "/v1/goals?limit=50", "/v1/goals?limit=5&sort=-created_at"]:
        assert get(goals, path, team.lead).status_code == 200
    slot = _slot_bytes()
    kept = list(goals.container.read_cache._entries.items())
    assert len(kept) >= len(paths) + 3  # the goals, the two pages and the caller's standing
    for key, entry in kept:
        held = _held_bytes(key, set()) + _held_bytes(entry, set()) + slot
        assert held <= entry[2], (key, round(held), entry[2])
