"""Alembic migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

import importlib
import json
import threading
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text

from shared.config import SERVICES
from shared.events.envelope import Event, from_kafka
from shared.events.topics import GOALS_EVENTS
from shared.messaging_tables import wake_channel
from shared.migrate import upgrade


@pytest.mark.parametrize("service", SERVICES)
def test_migrations_at_head_match_the_models(service, db_url):
    upgrade(service, db_url)
    metadata = importlib.import_module(f"services.{service}.adapters.orm").metadata
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    fix = f"python -m shared.migrate {service} new MESSAGE"
    assert diff == [], f"models and migrations of {service} disagree; run `{fix}`"


@pytest.mark.parametrize("service", SERVICES)
def test_migrating_twice_is_harmless(service, db_url):
    upgrade(service, db_url)
    upgrade(service, db_url)


def _triggers(url: str) -> list[str]:
    """Every trigger the database's tables have, as `CREATE TRIGGER` statements."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(text(
                "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal "
                "ORDER BY 1")).scalars())
    finally:
        engine.dispose()


def _outbox_triggers(url: str) -> list[str]:
    return [t for t in _triggers(url) if " ON public.outbox " in t]


@pytest.mark.parametrize("service", SERVICES)
def test_a_migrated_postgresql_outbox_wakes_its_relay_as_a_created_one_does(service, pg_url,
                                                                           postgres_server):
    upgrade(service, pg_url)
    migrated = _outbox_triggers(pg_url)
    assert len(migrated) == 1 and f"gk_outbox_wake('{wake_channel(service)}')" in migrated[0]
    created = f"t_{uuid.uuid4().hex}"
    created_url = postgres_server.create_database(created)
    try:
        engine = create_engine(created_url)
        importlib.import_module(f"services.{service}.adapters.orm").metadata.create_all(engine)
        engine.dispose()
        assert _outbox_triggers(created_url) == migrated
    finally:
        postgres_server.drop_database(created)


@pytest.mark.parametrize("service", SERVICES)
def test_a_migrated_postgresql_database_notifies_read_caches_as_a_created_one_does(
        service, pg_url, postgres_server):
    """Every table a kept read is made of has its change triggers (shared.read_cache), whether
    the database was migrated or created from the models."""
    orm = importlib.import_module(f"services.{service}.adapters.orm")
    upgrade(service, pg_url)
    migrated = _triggers(pg_url)
    watched = [t.name for t in getattr(orm, "READ_BY_TEAM", ()) + getattr(orm, "READ_WHOLE", ())]
    for table in watched:
        assert sum(f" ON public.{table} " in t for t in migrated) == 2, (table, migrated)
    assert sum("gk_changed(" in t for t in migrated) == 2 * len(watched)
    created = f"t_{uuid.uuid4().hex}"
    created_url = postgres_server.create_database(created)
    try:
        engine = create_engine(created_url)
        orm.metadata.create_all(engine)
        engine.dispose()
        assert _triggers(created_url) == migrated
    finally:
        postgres_server.drop_database(created)


def test_goals_members_sharing_a_slack_user_keep_it_on_the_one_slack_acts_for(db_url):
    """Before one Slack user per team member was enforced, teammates could share one; Slack
    acted for the member not left with the lowest id. Migrating keeps it on that member, clears
    it from the others' profiles, and leaves other teams' and unshared ones as they were."""
    upgrade("goals", db_url, "c8d5f2a1e934")
    rows = [  # (team, member id, state, slack user)
        ("t1", "1", "active", "USHARED"), ("t1", "2", "snoozed", "USHARED"),
        ("t1", "0", "left", "UGONE"), ("t1", "9", "active", "UGONE"),
        ("t1", "3", "active", "UOWN"), ("t1", "4", "active", None), ("t1", "5", "active", None),
        ("t2", "6", "active", "USHARED"),
    ]
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            for team in ("t1", "t2"):
                conn.execute(text("INSERT INTO teams (id, name, timezone, require_smart) "
                                  "VALUES (:team, 'Platform', 'UTC', false)"), {"team": team})
            conn.execute(text(
                "INSERT INTO members (id, team_id, name, email, role, timezone, slack_user_id, "
                "state, token_version) VALUES (:id, :team, :id, :email, "
                "'member', 'UTC', :slack, :state, 1)"),
                [{"team": t, "id": m, "email": f"{m}@example.com", "state": s, "slack": u}
                 for t, m, s, u in rows])
        upgrade("goals", db_url)
        with engine.connect() as conn:
            kept = dict(conn.execute(text("SELECT id, slack_user_id FROM members")).all())
    finally:
        engine.dispose()

    assert kept == {"1": "USHARED", "2": None, "0": None, "9": "UGONE", "3": "UOWN",
                    "4": None, "5": None, "6": "USHARED"}


def test_goals_with_a_metric_target_at_its_start_keep_the_progress_they_now_read(db_url):
    """A target equal to the start read 100% from the first day, reached or not. Migrating
    sets the kept progress of such goals to what they now read: 0 while away from the target,
    1 while at it; other goals keep theirs."""
    upgrade("goals", db_url, "a2c7e5f9b318")
    goals = [  # (id, start, target, current, direction, progress kept)
        ("away", 20, 20, 12, "increase", 1.0), ("held", 5, 5, 4, "decrease", 1.0),
        ("other", 0, 20, 5, "increase", 0.25),
    ]
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO teams (id, name, timezone, require_smart) "
                              "VALUES ('t1', 'Platform', 'UTC', false)"))
            conn.execute(text(
                "INSERT INTO members (id, team_id, name, email, role, timezone, state, "
                "token_version) VALUES ('m1', 't1', 'Ana', 'ana@example.com', 'member', 'UTC', "
                "'active', 1)"))
            conn.execute(text(
                "INSERT INTO goals (id, team_id, owner_id, title, description, why, kind, "
                "visibility, status, timezone, start_date, due_date, horizon, parent_weight, "
                "metric_unit, metric_start, metric_target, metric_current, metric_direction, "
                "pathways, progress, retrospective, version, created_at, updated_at) VALUES "
                "(:id, 't1', 'm1', 'Bugs', '', '', 'personal', 'team', 'active', 'UTC', "
                "'2031-03-02', '2031-03-11', 'short_term', 1.0, 'bugs', :start, :target, "
                ":current, :direction, '[]', :progress, '', 1, '2031-03-02 09:00:00', "
                "'2031-03-02 09:00:00')"),
                [{"id": g, "start": s, "target": t, "current": c, "direction": d, "progress": p}
                 for g, s, t, c, d, p in goals])
        upgrade("goals", db_url)
        with engine.connect() as conn:
            kept = dict(conn.execute(text("SELECT id, progress FROM goals")).all())
            judged_again = set(conn.execute(text(
                "SELECT id FROM goals WHERE next_health_check_at IS NOT NULL")).scalars())
    finally:
        engine.dispose()

    assert kept == {"away": 0.0, "held": 1.0, "other": 0.25}
    assert judged_again == {"away", "held"}  # the health job judges them from that progress


SLACK_IDS_BEFORE = {"goals": "b3f7d1a9e562", "notifications": "b7d2e9c4a613"}
MEMBERS_WITH_SLACK_IDS = {  # each service's table of members, and their columns set here
    "goals": ("INSERT INTO members (id, team_id, name, email, role, timezone, slack_user_id, "
              "state, token_version) VALUES (:id, :team, :id, :email, 'member', 'UTC', "
              ":slack, :state, 1)", "SELECT id, slack_user_id FROM members"),
    "notifications": ("INSERT INTO member_views (member_id, team_id, name, email, role, "
                      "timezone, slack_user_id, state, token_version) VALUES (:id, :team, :id, "
                      ":email, 'member', 'UTC', :slack, :state, 1)",
                      "SELECT member_id, slack_user_id FROM member_views"),
}


@pytest.mark.parametrize("service", ["goals", "notifications"])
def test_members_slack_user_ids_saved_in_lower_case_are_spelled_as_slack_writes_them(
        service, db_url):
    """Goals kept a Slack user id as typed before it upper-cased them ('u0123abcd'), and
    notifications copied it: Slack sends 'U0123ABCD', so no lookup found the member. Migrating
    upper-cases (and trims) every id naming a Slack user, in both services alike. Teammates
    whose ids upper-case to one keep it on the member Slack acts for today (not left, then
    spelled as Slack writes it, then the lowest id); the others lose it. Text naming no Slack
    user stays as it was."""
    upgrade(service, db_url, SLACK_IDS_BEFORE[service])
    rows = [  # (team, member id, state, Slack user id as saved)
        ("t1", "a", "active", "u123"), ("t1", "b", "active", "U123"),  # b: found by lookups
        ("t1", "c", "active", "uabc"), ("t1", "d", "active", " Wxyz "),
        ("t1", "e", "left", "UQQQ"), ("t1", "f", "active", "uqqq"),  # f: not left
        ("t1", "g", "active", "uMix"), ("t1", "h", "active", "UmIX"),  # g: the lowest id
        ("t1", "i", "active", "Mars/Olympus"), ("t1", "j", "active", "ſab"),
        ("t1", "k", "active", None), ("t2", "l", "active", "u123"),
    ]
    insert, select = MEMBERS_WITH_SLACK_IDS[service]
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            for team in ("t1", "t2"):
                if service == "goals":
                    conn.execute(text("INSERT INTO teams (id, name, timezone, require_smart) "
                                      "VALUES (:team, 'Platform', 'UTC', false)"),
                                 {"team": team})
            conn.execute(text(insert), [{"team": t, "id": m, "email": f"{m}@example.com",
                                         "state": s, "slack": u} for t, m, s, u in rows])
        upgrade(service, db_url)
        with engine.connect() as conn:
            kept = dict(conn.execute(text(select)).all())
    finally:
        engine.dispose()

    assert kept == {"a": None, "b": "U123", "c": "UABC", "d": "WXYZ", "e": None, "f": "UQQQ",
                    "g": "UMIX", "h": None, "i": "Mars/Olympus", "j": "ſab", "k": None,
                    "l": "U123"}


def test_a_last_digest_that_queued_no_message_before_the_upgrade_is_read_as_told(db_url):
    """The code before stored a digest with nothing to tell (or no channel) as made(since,
    slot) and read it as told; now a last digest without messages passes its week on. After
    the upgrade such a row tells from its slot, as before; one whose digest was queued keeps
    where its week began (a retry tells the same week)."""
    upgrade("notifications", db_url, "c1f5b8e2d734")
    slot, since = "2030-01-07 08:00:00.000000", "2029-12-31 08:00:00.000000"
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO digest_settings (team_id, enabled, weekday, hour, "
                              "last_slot, last_since) VALUES (:team, true, 0, 9, :slot, "
                              ":since)"),
                         [{"team": t, "slot": slot, "since": since}
                          for t in ("quiet", "queued", "earlier")])
            conn.execute(text("INSERT INTO notifications (id, team_id, target, event_id, "
                              "event_type, body, summary, status, attempts, next_attempt_at, "
                              "created_at) VALUES (:id, :team, 'channel:c', :event, "
                              "'digest.team', '{}', '', 'pending', 1, :at, :at)"),
                         [{"id": "n1", "team": "queued", "event": "digest.team:queued:x",
                           "at": "2030-01-07 08:05:00.000000"},
                          {"id": "n2", "team": "earlier", "event": "digest.team:earlier:y",
                           "at": "2029-12-31 08:05:00.000000"}])
        upgrade("notifications", db_url, "e8c4a2f6b913")  # last_since is per team there
        with engine.connect() as conn:
            starts = {team: str(start)[:10] for team, start in conn.execute(text(
                "SELECT team_id, last_since FROM digest_settings")).all()}
    finally:
        engine.dispose()

    assert starts == {"quiet": "2030-01-07", "queued": "2029-12-31", "earlier": "2030-01-07"}


def test_a_last_digest_made_while_the_teams_channel_was_disabled_keeps_its_week_at_the_upgrade(
        db_url):
    """The code just before d5a8c3f1e926 (e037863 on, whose schema is c1f5b8e2d734) stored a
    digest made while the team's only channel taking digests was disabled as made(since,
    slot), no message queued, and read it as not told: its week goes to the next digest (the
    README: "the week of one ... made while the team's channels were disabled is told by the
    next digest"). The migration reads every last digest without a message as told: Monday 7
    January's week (since Monday 31 December) is told by no digest once the channel is on."""
    upgrade("notifications", db_url, "c1f5b8e2d734")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO digest_settings (team_id, enabled, weekday, hour, "
                              "last_slot, last_since) VALUES ('off', true, 0, 9, "
                              "'2030-01-07 08:00:00.000000', '2029-12-31 08:00:00.000000')"))
            conn.execute(text("INSERT INTO channels (id, team_id, type, name, url, event_types, "
                              "health, state, disabled_reason, created_at) VALUES ('c', 'off', "
                              "'slack', 'slack', 'https://hooks.example/x', '', '', "
                              "'disabled', 'disabled by a lead', "
                              "'2029-12-01 08:00:00.000000')"))
        upgrade("notifications", db_url, "e8c4a2f6b913")  # last_since is per team there
        with engine.connect() as conn:
            start = conn.execute(text("SELECT last_since FROM digest_settings")).scalar_one()
    finally:
        engine.dispose()

    assert str(start)[:10] == "2029-12-31"


def test_a_late_answer_dmed_as_words_before_the_upgrade_is_kept_as_what_it_said(db_url):
    """The code before kept a late slash answer as its words, once DMed. After the upgrade the
    request keeps what its answer says; one kept as words is what it `said`, sent as it is,
    whatever the words read (a goal titled "What was not logged: receipts" is not taken for a
    refusal, review 30), and was DMed (`dmed_at`). An answer not DMed stays without one."""
    upgrade("notifications", db_url, "d5a8c3f1e926")
    at = "2030-01-07 10:31:00.000000"
    words = {"logged": "✅ Logged 40 km on *Run 100 km*.\nProgress: ████░░░░░░ 40%",
             "refused": "❌ Your check-in on *Run 100 km* was not logged: A &amp; B &lt;3",
             "odd title": "✅ Logged 3 on *What was not logged: receipts*.",
             "at_url": None}
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO slack_requests (request_id, team_id, member_id, "
                              "goal_id, response_url, created_at, answered_at, answer) VALUES "
                              "(:id, 't', 'm', 'g', 'https://x', :at, :at, :answer)"),
                         [{"id": k, "at": at, "answer": w} for k, w in words.items()])
        upgrade("notifications", db_url)
        with engine.connect() as conn:
            kept = {r: (a and json.loads(a), d is not None) for r, a, d in conn.execute(text(
                "SELECT request_id, answer, dmed_at FROM slack_requests")).all()}
    finally:
        engine.dispose()

    said = {"kind": "said", "value": None, "progress": None, "reason": None}
    assert kept == {**{k: ({**said, "words": words[k]}, True)
                       for k in ("logged", "refused", "odd title")}, "at_url": (None, False)}


def test_a_late_answer_dmed_after_the_upgrade_is_words_again_after_a_downgrade(db_url):
    """Downgraded below e8c4a2f6b913, the code before posts `answer` as the DM's words as they
    are (`_send_answer`): a DMed answer kept as JSON must not be left for it to DM to Ana as
    '{"kind": "logged", ...}'."""
    from alembic import command

    from shared.migrate import alembic_config

    upgrade("notifications", db_url)
    at = "2030-01-07 10:31:00.000000"
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO slack_requests (request_id, team_id, member_id, "
                              "goal_id, response_url, created_at, answered_at, answer, dmed_at) "
                              "VALUES ('r', 't', 'm', 'g', 'https://x', :at, :at, :answer, :at)"),
                         {"at": at, "answer": json.dumps({"kind": "logged", "value": 40,
                                                          "progress": 0.4, "reason": None})})
        command.downgrade(alembic_config("notifications", db_url), "d5a8c3f1e926")
        with engine.connect() as conn:
            answer = conn.execute(text("SELECT answer FROM slack_requests")).scalar_one()
    finally:
        engine.dispose()

    assert answer is not None and not answer.startswith("{"), answer


def test_a_late_answer_dmed_after_the_upgrade_reads_after_a_downgrade_as_the_code_before_said_it(
        db_url):
    """Downgraded below e8c4a2f6b913, a DMed answer's words are those the code before DMs for
    it naming no goal: a refusal in Slack's words (`in_slack_words`), not checkins' words for
    API callers; a value as people read it (`figure`), "1,500" not "1500" (review 31)."""
    from alembic import command

    from shared.migrate import alembic_config

    upgrade("notifications", db_url)
    at = "2030-01-07 10:31:00.000000"
    answers = {"refused": {"kind": "refused", "value": None, "progress": None,
                           "reason": "a check-in on a metric goal needs a value or a delta"},
               "logged": {"kind": "logged", "value": 1500, "progress": 0.4, "reason": None}}
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO slack_requests (request_id, team_id, member_id, "
                              "goal_id, response_url, created_at, answered_at, answer, dmed_at) "
                              "VALUES (:id, 't', 'm', 'g', 'https://x', :at, :at, :answer, :at)"),
                         [{"id": k, "at": at, "answer": json.dumps(a)}
                          for k, a in answers.items()])
        command.downgrade(alembic_config("notifications", db_url), "d5a8c3f1e926")
        with engine.connect() as conn:
            words = dict(conn.execute(text("SELECT request_id, answer FROM slack_requests")).all())
    finally:
        engine.dispose()

    assert words == {
        "refused": "❌ Your check-in was not logged: this goal has a figure to move: check in "
                   "with its value now: `/goals checkin &lt;goal&gt; &lt;value&gt; [note]`",
        "logged": "✅ Logged 1,500."}


def test_the_replica_of_members_names_no_slack_user_goals_cleared_though_it_lagged(
        db_url, request, tmp_path):
    """Ana ("a") was saved with "u123" before the rule, Ben ("b") with "U123" just before the
    deploy, his member.added still on its way when notifications migrated. Goals' c4e9a2d7f105
    clears Ana's id (Ben is found by lookups), without an event; notifications' c1f5b8e2d734,
    seeing Ana alone, upper-cases hers; then Ben's event comes. Slack's U123 then named Ana in
    notifications (members_for, lowest id first) and Ben in goals: Ben's `/goals checkin` was
    logged as Ana's. Goals now tells the members it may have changed (member.updated, through
    its outbox), and the replica, consuming them, ends as goals' members do."""
    goals_url = db_url
    if db_url.startswith("sqlite"):
        replica_url, drop = f"sqlite:///{tmp_path / 'replica.db'}", None
    else:
        server, name = request.getfixturevalue("postgres_server"), f"t_{uuid.uuid4().hex}"
        replica_url, drop = server.create_database(name), lambda: server.drop_database(name)
    upgrade("goals", goals_url, SLACK_IDS_BEFORE["goals"])
    upgrade("notifications", replica_url, SLACK_IDS_BEFORE["notifications"])
    goals_insert, goals_select = MEMBERS_WITH_SLACK_IDS["goals"]
    replica_insert, replica_select = MEMBERS_WITH_SLACK_IDS["notifications"]
    goals, replica = create_engine(goals_url), create_engine(replica_url)
    try:
        with goals.begin() as conn:
            conn.execute(text("INSERT INTO teams (id, name, timezone, require_smart) "
                              "VALUES ('t1', 'Platform', 'UTC', false)"))
            conn.execute(text(goals_insert), [
                {"team": "t1", "id": m, "email": f"{m}@example.com", "state": "active",
                 "slack": s} for m, s in (("a", "u123"), ("b", "U123"))])
        with replica.begin() as conn:
            conn.execute(text(replica_insert), {"team": "t1", "id": "a", "state": "active",
                                                "email": "a@example.com", "slack": "u123"})
        upgrade("goals", goals_url)
        upgrade("notifications", replica_url)
        bens_added = Event.new("member.added", "t1", {
            "team_id": "t1", "member_id": "b", "name": "b", "email": "b@example.com",
            "role": "member", "timezone": "UTC", "slack_user_id": "U123"}, subject="b",
            source="/goalkeeper/goals")
        _consumed_by_the_replica(replica_url, [bens_added, *_published(goals)])
        with replica.connect() as conn:
            in_replica = dict(conn.execute(text(replica_select)).all())
        with goals.connect() as conn:
            in_goals = dict(conn.execute(text(goals_select)).all())
    finally:
        goals.dispose()
        replica.dispose()
        if drop is not None:
            drop()

    assert in_goals == {"a": None, "b": "U123"}
    assert in_replica == in_goals


def _published(engine) -> list[Event]:
    """The events in the outbox of `engine`'s database, as its relay publishes them to
    `goals.events` and a consumer decodes them."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT topic, key, headers, payload FROM outbox ORDER BY id"))
        rows = rows.all()
    assert {row.topic for row in rows} <= {GOALS_EVENTS}
    return [from_kafka([(k, v.encode()) for k, v in json.loads(row.headers).items()],
                       row.key.encode(), row.payload.encode()) for row in rows]


def _consumed_by_the_replica(url: str, events: list[Event]) -> None:
    """`events` handled by notifications' handlers on the database at `url`, one unit of
    work each, as its worker consumes them."""
    from services.notifications.bootstrap import bootstrap
    from services.notifications.config import load

    container = bootstrap(load({"NOTIFICATIONS_DATABASE_URL": url}))
    try:
        handlers = container.handlers()
        for event in events:
            with container.uow() as uow:
                handlers[event.type](event, uow)
                uow.commit()
    finally:
        container.close()


def test_checkins_copy_of_members_keeps_no_slack_user_id_it_never_read(db_url):
    """Checkins copied members' Slack user ids and read them nowhere; ids saved before they
    were upper-cased stayed there as typed ("u123"). The upgrade drops the copy and keeps the
    rest of the member; a downgrade gives the code before its column back, empty."""
    from alembic import command
    from sqlalchemy import inspect

    from shared.migrate import alembic_config

    upgrade("checkins", db_url, "f3c8e1a5b290")
    engine = create_engine(db_url)

    def columns() -> set[str]:
        return {c["name"] for c in inspect(engine).get_columns("member_views")}

    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO member_views (member_id, team_id, name, role, "
                              "timezone, state, token_version, slack_user_id) VALUES ('a', "
                              "'t1', 'Ana', 'member', 'UTC', 'active', 1, 'u123')"))
        upgrade("checkins", db_url)
        upgraded = columns()
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT member_id, name FROM member_views")).all()
        command.downgrade(alembic_config("checkins", db_url), "f3c8e1a5b290")
        downgraded = columns()
    finally:
        engine.dispose()

    assert "slack_user_id" not in upgraded
    assert [tuple(row) for row in kept] == [("a", "Ana")]
    assert "slack_user_id" in downgraded
DIGEST_WEEKS = "SELECT team_id, channel_id, told_through, since, period FROM digest_channel_weeks"


def test_each_channel_keeps_the_teams_digest_week_at_the_upgrade_and_back(db_url):
    """The code before kept one week per team (`last_since`). After the upgrade each channel
    the team had at its last digest is told through where the code before would tell from had
    no copy been sent (a sent copy counts when the next digest is made), and a channel with a
    copy keeps its period, titled as then: "sent" told from Monday 24 December (a copy of
    Monday 7 January's went to A and waits for B); "quiet" had nothing to tell on Monday 7;
    "off" made its digest while its one channel was disabled; C, connected after Monday 7,
    tells its one week. A downgrade gives each team its week back."""
    from alembic import command

    from shared.migrate import alembic_config

    upgrade("notifications", db_url, "e8c4a2f6b913")
    slot = "2030-01-07 08:00:00.000000"
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO digest_settings (team_id, enabled, weekday, hour, "
                              "last_slot, last_since) VALUES (:team, true, 0, 9, :slot, "
                              ":since)"),
                         [{"team": "sent", "slot": slot, "since": "2029-12-24 08:00:00.000000"},
                          {"team": "quiet", "slot": slot, "since": slot},
                          {"team": "off", "slot": slot, "since": "2029-12-31 08:00:00.000000"}])
            conn.execute(text("INSERT INTO channels (id, team_id, type, name, url, event_types, "
                              "health, state, disabled_reason, created_at) VALUES (:id, :team, "
                              "'slack', 'slack', 'https://hooks.example/x', '', '', :state, "
                              "NULL, :at)"),
                         [{"id": c, "team": t, "state": s, "at": at} for c, t, s, at in (
                             ("A", "sent", "active", "2029-12-01 08:00:00.000000"),
                             ("B", "sent", "active", "2029-12-01 08:00:00.000000"),
                             ("C", "sent", "active", "2030-01-08 08:00:00.000000"),
                             ("Q", "quiet", "active", "2029-12-01 08:00:00.000000"),
                             ("D", "off", "disabled", "2029-12-01 08:00:00.000000"))])
            conn.execute(text("INSERT INTO notifications (id, team_id, target, event_id, "
                              "event_type, body, summary, status, attempts, next_attempt_at, "
                              "created_at, channel_id) VALUES (:id, 'sent', :target, "
                              "'digest.team:sent:2030-01-07T08:00:00+00:00', 'digest.team', "
                              "'{}', '', :status, 1, :at, :at, :channel)"),
                         [{"id": f"n{c}", "target": f"channel:{c}", "status": s, "channel": c,
                           "at": "2030-01-07 08:05:00.000000"}
                          for c, s in (("A", "sent"), ("B", "pending"))])
        upgrade("notifications", db_url)
        with engine.connect() as conn:
            weeks = {(team, channel): (str(through)[:10], since and str(since)[:10], period)
                     for team, channel, through, since, period in conn.execute(
                         text(DIGEST_WEEKS)).all()}
        command.downgrade(alembic_config("notifications", db_url), "e8c4a2f6b913")
        with engine.connect() as conn:
            back = {team: str(since)[:10] for team, since in conn.execute(text(
                "SELECT team_id, last_since FROM digest_settings")).all()}
    finally:
        engine.dispose()

    since_24 = "since Monday 24 December 2029"
    assert weeks == {("sent", "A"): ("2029-12-24", "2029-12-24", since_24),
                     ("sent", "B"): ("2029-12-24", "2029-12-24", since_24),
                     ("quiet", "Q"): ("2030-01-07", None, None),
                     ("off", "D"): ("2029-12-31", None, None)}
    assert back == {"sent": "2029-12-24", "quiet": "2030-01-07", "off": "2029-12-31"}


def test_a_member_changed_while_goals_migrates_is_told_last_as_they_now_are(pg_url):
    """Goals' d6a3f8c1e527 runs while goals' code before it still serves (a rolling deploy,
    the worker): a lead revokes Ana's tokens (token_version 1 -> 2), whose member.updated is
    written before the migration's, and commits after the migration read Ana. The replicas
    upsert each member.updated as it comes, so the last one told about Ana must carry what
    goals keeps (2); the migration's copy, read before that commit, tells 1 after it, and
    checkins and notifications would take Ana's revoked tokens again. (A migration that
    waits for the lead's commit, reading Ana after it, tells 2 last.)"""
    from shared.outbox import publish_from_migration

    upgrade("goals", pg_url, "c4e9a2d7f105")
    insert, _ = MEMBERS_WITH_SLACK_IDS["goals"]
    engine = create_engine(pg_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO teams (id, name, timezone, require_smart) "
                              "VALUES ('t1', 'Platform', 'UTC', false)"))
            conn.execute(text(insert), {"team": "t1", "id": "a", "email": "a@example.com",
                                        "state": "active", "slack": "U123"})
        with engine.connect() as lead, lead.begin():  # goals' code before, revoking
            lead.execute(text("UPDATE members SET token_version = 2 WHERE id = 'a'"))
            publish_from_migration(lead, "goals", [("member.updated", "t1", {
                "team_id": "t1", "member_id": "a", "name": "a", "email": "a@example.com",
                "role": "member", "timezone": "UTC", "slack_user_id": "U123",
                "state": "active", "token_version": 2}, "a")])
            migrating = threading.Thread(target=upgrade, args=("goals", pg_url, "d6a3f8c1e527"))
            migrating.start()
            migrating.join(timeout=3)  # done, or waiting for the lead's commit
        migrating.join(timeout=60)
        assert not migrating.is_alive()
        told = [e.data["token_version"] for e in _published(engine)
                if e.type == "member.updated" and e.data["member_id"] == "a"]
        with engine.connect() as conn:
            kept = conn.execute(text("SELECT token_version FROM members WHERE id = 'a'")).one()
    finally:
        engine.dispose()

    assert kept == (2,)
    assert told[-1] == 2, told


def test_a_channel_connected_after_the_slot_keeps_its_waiting_copy_of_the_last_digest(db_url):
    """Monday 7 January's 09:00 (Berlin) digest was made at 09:05; channel E was connected at
    09:03, so the code before queued it a copy, which waits out a 429 as the upgrade runs. The
    upgrade gives rows only to channels created by the slot (09:00), so E has none: its copy,
    retried, fails "the period this channel's copy tells is not known" (`_digest_of`), and its
    next digest tells its one week from Monday 14: E never hears of the week to Monday 7,
    which the code before would have sent it on the retry."""
    upgrade("notifications", db_url, "e8c4a2f6b913")
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO digest_settings (team_id, enabled, weekday, hour, "
                              "last_slot, last_since) VALUES ('t', true, 0, 9, "
                              "'2030-01-07 08:00:00.000000', '2029-12-31 08:00:00.000000')"))
            conn.execute(text("INSERT INTO channels (id, team_id, type, name, url, event_types, "
                              "health, state, disabled_reason, created_at) VALUES ('E', 't', "
                              "'slack', 'slack', 'https://hooks.example/x', '', '', 'active', "
                              "NULL, '2030-01-07 08:03:00.000000')"))
            conn.execute(text("INSERT INTO notifications (id, team_id, target, event_id, "
                              "event_type, body, summary, status, attempts, next_attempt_at, "
                              "created_at, channel_id) VALUES ('nE', 't', 'channel:E', "
                              "'digest.team:t:2030-01-07T08:00:00+00:00', 'digest.team', '{}', "
                              "'', 'pending', 1, '2030-01-07 08:10:00.000000', "
                              "'2030-01-07 08:05:00.000000', 'E')"))
        upgrade("notifications", db_url)
        with engine.connect() as conn:
            weeks = {(team, channel): (since and str(since)[:10])
                     for team, channel, _, since, _ in conn.execute(text(DIGEST_WEEKS)).all()}
    finally:
        engine.dispose()
    assert weeks == {("t", "E"): "2029-12-31"}


def test_a_downgrade_and_upgrade_again_keep_a_disabled_channels_untold_week(db_url):
    """At head, Monday 7 January's digest went to A (its copy telling from Monday 31
    December, sent) and made none for B, disabled since Slack archived it, which was last told
    through Monday 24 December. A downgrade then an upgrade, no digest made in between, must
    leave B told through Monday 24 December: the downgrade kept only the earliest copy's
    start (Monday 31) and the upgrade gives it to every channel, so B, enabled again, never
    heard of the week to Monday 31 December. A is told through Monday 24 too (one week per
    team in between), which tells it nothing twice: its copy was sent, so the next digest
    counts it told through Monday 7 January (`Digests._told_last`)."""
    from alembic import command

    from shared.migrate import alembic_config

    upgrade("notifications", db_url)
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO digest_settings (team_id, enabled, weekday, hour, "
                              "last_slot) VALUES ('t', true, 0, 9, '2030-01-07 08:00:00.000000')"))
            conn.execute(text("INSERT INTO channels (id, team_id, type, name, url, event_types, "
                              "health, state, disabled_reason, created_at) VALUES (:id, 't', "
                              "'slack', 'slack', 'https://hooks.example/x', '', '', :state, "
                              "NULL, '2029-12-01 08:00:00.000000')"),
                         [{"id": "A", "state": "active"}, {"id": "B", "state": "disabled"}])
            conn.execute(text("INSERT INTO notifications (id, team_id, target, event_id, "
                              "event_type, body, summary, status, attempts, next_attempt_at, "
                              "created_at, channel_id) VALUES ('nA', 't', 'channel:A', "
                              "'digest.team:t:2030-01-07T08:00:00+00:00', 'digest.team', '{}', "
                              "'', 'sent', 1, '2030-01-07 08:05:00.000000', "
                              "'2030-01-07 08:05:00.000000', 'A')"))
            conn.execute(text("INSERT INTO digest_channel_weeks (team_id, channel_id, "
                              "told_through, since, period) VALUES ('t', :channel, :through, "
                              ":since, NULL)"),
                         [{"channel": "A", "through": "2029-12-31 08:00:00.000000",
                           "since": "2029-12-31 08:00:00.000000"},
                          {"channel": "B", "through": "2029-12-24 08:00:00.000000",
                           "since": None}])
        command.downgrade(alembic_config("notifications", db_url), "e8c4a2f6b913")
        upgrade("notifications", db_url)
        with engine.connect() as conn:
            weeks = {channel: str(through)[:10] for _, channel, through, _, _ in conn.execute(
                text(DIGEST_WEEKS)).all()}
    finally:
        engine.dispose()
    assert weeks == {"A": "2029-12-24", "B": "2029-12-24"}


def _downgraded_and_upgraded_weeks(db_url, channels, weeks, copy_status="pending"):
    """At head, Monday 28 January 2030's digest (09:00 UTC team) was made; `channels` (id,
    state) and their `weeks` rows (id, told_through, since); A's copy of that digest has
    `copy_status`. Downgraded then upgraded again, no digest made in between: each row as
    (told_through, since, period)."""
    from alembic import command

    from shared.migrate import alembic_config

    upgrade("notifications", db_url)
    engine = create_engine(db_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO digest_settings (team_id, enabled, weekday, hour, "
                              "last_slot) VALUES ('t', true, 0, 9, '2030-01-28 09:00:00.000000')"))
            conn.execute(text("INSERT INTO channels (id, team_id, type, name, url, event_types, "
                              "health, state, disabled_reason, created_at) VALUES (:id, 't', "
                              "'slack', 'slack', 'https://hooks.example/x', '', '', :state, "
                              "NULL, '2029-06-01 08:00:00.000000')"),
                         [{"id": c, "state": s} for c, s in channels])
            conn.execute(text("INSERT INTO notifications (id, team_id, target, event_id, "
                              "event_type, body, summary, status, attempts, next_attempt_at, "
                              "created_at, channel_id) VALUES ('nA', 't', 'channel:A', "
                              "'digest.team:t:2030-01-28T09:00:00+00:00', 'digest.team', '{}', "
                              "'', :status, 1, '2030-01-28 09:10:00.000000', "
                              "'2030-01-28 09:05:00.000000', 'A')"), {"status": copy_status})
            conn.execute(text("INSERT INTO digest_channel_weeks (team_id, channel_id, "
                              "told_through, since, period) VALUES ('t', :channel, :through, "
                              ":since, NULL)"),
                         [{"channel": c, "through": f"{through} 09:00:00.000000",
                           "since": since and f"{since} 09:00:00.000000"}
                          for c, through, since in weeks])
        command.downgrade(alembic_config("notifications", db_url), "e8c4a2f6b913")
        upgrade("notifications", db_url)
        with engine.connect() as conn:
            return {channel: (str(through)[:10], since and str(since)[:10], period)
                    for _, channel, through, since, period in conn.execute(
                        text(DIGEST_WEEKS)).all()}
    finally:
        engine.dispose()


def test_a_deleted_channels_week_does_not_make_a_downgrade_and_upgrade_retell_weeks(db_url):
    """At head, G got Monday 7 January's digest (telling from Monday 31 December) and was
    deleted; its row stays as that digest left it (the job reads no deleted channel). A was
    told every week since; its copy of Monday 28's, telling from Monday 21, waits out a 429.
    A downgrade then an upgrade, no digest made in between: the downgrade takes the earliest
    of all the team's rows, G's Monday 31 December, so A's copy, retried, is "Digest since
    Monday 31 December 2029": four weeks, three of which A was told. G gets nothing more:
    its week has nothing to keep."""
    weeks = _downgraded_and_upgraded_weeks(
        db_url, [("A", "active"), ("G", "deleted")],
        [("A", "2030-01-21", "2030-01-21"), ("G", "2029-12-31", "2029-12-31")])
    assert weeks == {"A": ("2030-01-21", "2030-01-21", None)}


def test_a_week_past_the_reach_does_not_make_a_downgrade_and_upgrade_retell_months(db_url):
    """At head, B was disabled since Monday 30 July 2029 (its row keeps where its untold
    began, `ChannelWeek.missed`), far past LAST_DIGEST_REACH: its next digest tells one week
    whatever happens. A's copy of Monday 28 January's, telling from Monday 21, waits out a
    429. A downgrade then an upgrade give the team B's Monday 30 July, so A's copy, retried,
    is "Digest since Monday 30 July 2029": six months A was told (`_digest_of` tells a
    copy's stored period, with no reach)."""
    weeks = _downgraded_and_upgraded_weeks(
        db_url, [("A", "active"), ("B", "disabled")],
        [("A", "2030-01-21", "2030-01-21"), ("B", "2029-07-30", None)])
    assert weeks["A"] == ("2030-01-21", "2030-01-21", None), weeks
