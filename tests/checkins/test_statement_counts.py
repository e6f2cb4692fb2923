"""Logging a check-in costs a bounded number of SQL statements (transaction control aside), on
both engines: a regression that reads or writes more per check-in fails here."""

from __future__ import annotations

import uuid

from sqlalchemy import event

from shared.events.envelope import Event
from tests.support.batches import handle_batch, statements


def test_logging_a_checkin_takes_a_bounded_number_of_statements(checkins, world):
    owner = world.member("Ola")
    goal = world.goal(owner)
    world.checkin(goal, owner, value=1)
    with statements(checkins.container.engine) as seen:
        body = world.checkin(goal, owner, delta=1, note="bench")
    assert body["delta"] == 1
    one_session = checkins.container.engine.dialect.name == "postgresql"
    # principal (on PostgreSQL also the owner the schedule needs: one session), goal with its
    # team, partners, schedule read, then at commit check-in, schedule update and outbox (its
    # trigger wakes the relay; SQLite: a second session reads the owner); the team's leads are
    # read only by an escalation that reaches them
    assert len(seen) <= (7 if one_session else 8), seen
    assert not [s for s in seen if "FROM member_views WHERE member_views.team_id" in s], seen
    assert not [s for s in seen if s.startswith("SELECT team_views")], seen
    assert sum("AS member_views_member_id" in s for s in seen) == (1 if one_session else 2)
    # the partners are their member lists, not whole partnerships
    assert [s for s in seen if "FROM partnerships" in s] == [
        s for s in seen if s.startswith("SELECT partnerships.member_ids FROM partnerships")], seen
    # one flush at commit writes the check-in and its schedule: the schedule's lock is read
    # before the check-in is written, not after a flush of its own
    [lock] = [i for i, s in enumerate(seen) if s.startswith("SELECT goal_schedules.")]
    [written] = [i for i, s in enumerate(seen) if s.startswith("INSERT INTO checkins ")]
    assert lock < written, seen


def test_a_checkin_on_a_private_goal_reads_the_owners_partners_once(checkins, world):
    """The read check of a private goal needs the owner's partners, and so does the check-in
    that tells them: logging and editing read them once, as on a goal the team sees."""
    owner = world.member("Ola")
    goal = world.goal(owner, visibility="private")
    world.checkin(goal, owner, value=1)
    with statements(checkins.container.engine) as logged:
        body = world.checkin(goal, owner, delta=1)
    with statements(checkins.container.engine) as edited:
        edited_response = checkins.client.patch(f"/v1/checkins/{body['id']}",
                                                headers=world.as_(owner), json={"note": "edited"})
    assert edited_response.status_code == 200, edited_response.json
    for seen in (logged, edited):
        assert sum("FROM partnerships" in s for s in seen) == 1, seen


def test_a_request_checks_out_one_connection_and_gives_it_back(checkins, world):
    """The caller's standing is read in the session the handler then uses: one pooled
    connection per request (on PostgreSQL a write's too, in one transaction; on SQLite a write
    opens its own, since its transaction holds the database's write lock). Nothing stays
    checked out, whether the request succeeded or failed."""
    owner = world.member("Ola")
    goal = world.goal(owner)
    engine = checkins.container.engine
    checkouts = []

    def checked_out(*_args) -> None:
        checkouts.append(1)

    event.listen(engine.pool, "checkout", checked_out)
    try:
        world.checkin(goal, owner, value=1)
        assert len(checkouts) == (1 if engine.dialect.name == "postgresql" else 2)
        checkouts.clear()
        response = checkins.client.get(f"/v1/goals/{goal}/checkins", headers=world.as_(owner))
        assert response.status_code == 200 and len(checkouts) == 1
        world.checkin(goal, owner, expect=422, value="many")  # refused after the standing read
        world.checkin(str(uuid.uuid4()), owner, expect=404)  # refused by the handler
    finally:
        event.remove(engine.pool, "checkout", checked_out)
    assert engine.pool.checkedout() == 0


def test_a_batch_of_goal_events_reads_the_schedules_once(checkins, world):
    """As the consumer runs a batch: `prefetch` locks the batch's schedules in one statement,
    then no handler reads its schedule again, for goals new and known alike."""
    owner = world.member("Ola")
    known = [world.goal(owner, f"Known {i}") for i in range(5)]
    container = checkins.container
    events = [Event.new("goal.updated", world.team_id, {**world.goals[g], "title": "Renamed"},
                        subject=g, source="/goalkeeper/goals") for g in known]
    for i in range(5):
        data = {**world.goals[known[0]], "goal_id": str(uuid.uuid4()),
                "title": f"New {i}"}
        events.append(Event.new("goal.created", world.team_id, data, subject=data["goal_id"],
                                source="/goalkeeper/goals"))
    with statements(container.engine) as seen:
        handle_batch(container, events)
    seen = [s for s in seen if s.startswith("SELECT") and "goal_schedules" in s]
    assert len(seen) == 1, seen
    with container.reader() as uow:
        assert all(uow.schedules.get(e.data["goal_id"]) is not None for e in events)


def _due_statements(checkins, world, viewer: str) -> tuple[list[str], list[str]]:
    with statements(checkins.container.engine) as seen:
        response = checkins.client.get(f"/v1/teams/{world.team_id}/checkins-due",
                                       headers=world.as_(viewer))
    assert response.status_code == 200, response.json
    return seen, [item["goal_id"] for item in response.json["items"]]


def test_the_team_s_check_ins_due_take_the_same_statements_for_two_goals_as_for_twelve(
        checkins, world):
    """The board's and My week's list of check-ins due read each goal, its owner and (for a
    private goal) its owner's partners separately: a statement or more per goal, so a team's
    hundreds of goals took hundreds. It now takes the same few whatever their number, and
    still lists each goal the caller may see: a partner's private goal, not a stranger's."""
    ola, pia, max_ = world.member("Ola"), world.member("Pia"), world.member("Max")
    base = f"/v1/teams/{world.team_id}/partnerships"
    invite = checkins.client.post(base, headers=world.as_(ola), json={"member_id": pia})
    checkins.client.post(f"{base}/{invite.json['id']}/accept", headers=world.as_(pia))
    goals = [world.goal(pia, "Pia's secret", visibility="private"),
             world.goal(max_, "Max's secret", visibility="private")]
    few, listed_few = _due_statements(checkins, world, ola)
    for i in range(5):
        goals += [world.goal(owner, f"Goal {i}", visibility=visibility)
                  for owner, visibility in ((world.member(f"M{i}"), "team"),
                                            (pia, "private"))]
    many, listed_many = _due_statements(checkins, world, ola)

    # the caller's standing, the caller's partners, the schedules with goals, owners and team
    assert len(many) == len(few) <= 3, many
    assert sorted(listed_few) == sorted([goals[0]])
    assert sorted(listed_many) == sorted([goals[0], *goals[2:]])


def test_the_check_ins_due_of_an_owner_not_heard_of_yet_read_the_owner_once(checkins, world):
    """A goal can arrive before its owner's `member.added`: each such goal's timetable and
    availability looked for the owner again (the join finds no row to keep), two statements a
    goal. The unit of work now remembers that the owner is not known, as it does a team."""
    ola = world.member("Ola")
    newcomer = str(uuid.uuid4())  # no member.added yet
    goals = [world.goal(newcomer, f"Goal {i}") for i in range(2)]
    few, listed_few = _due_statements(checkins, world, ola)
    goals += [world.goal(newcomer, f"Goal {i}") for i in range(2, 8)]
    many, listed_many = _due_statements(checkins, world, ola)

    looked_for = [s for s in many if s.startswith("SELECT member_views.")]
    assert len(looked_for) <= 2, looked_for  # the caller's standing, the newcomer once
    assert len(many) == len(few), many
    assert sorted(listed_few) == sorted(goals[:2]) and sorted(listed_many) == sorted(goals)
