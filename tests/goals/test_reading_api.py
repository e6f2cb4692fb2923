"""Reading goals on both engines: visibility, filters, sort, pagination, and other teams."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, select

from services.goals.adapters.orm import track_records
from services.goals.domain.history import ProgressPoint
from shared.pagination import encode_cursor
from tests.goals.helpers import START, create_goal, get, post
from tests.support.seed import add_member, create_team
from tests.support.stack import auth

OTHER_TEAM_ID = "00000000-0000-4000-8000-000000000000"


def titles(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [g["title"] for g in response.json["items"]]


def test_a_private_goal_is_invisible_to_a_teammate_who_is_not_a_partner(goals):
    team = create_team(goals)
    _, owner = add_member(goals, team, "Olga")
    _, teammate = add_member(goals, team, "Max")
    secret = create_goal(goals, owner, title="Find a new job by June", visibility="private")
    create_goal(goals, owner, title="Close 20 support tickets")
    for path in (f"/v1/goals/{secret['id']}", f"/v1/goals/{secret['id']}/history"):
        assert get(goals, path, teammate).status_code == 404
    assert post(goals, f"/v1/goals/{secret['id']}/achieve", teammate).status_code == 404
    assert titles(get(goals, "/v1/goals", teammate)) == ["Close 20 support tickets"]
    assert "Find a new job by June" in titles(get(goals, "/v1/goals", team.lead))
    assert get(goals, f"/v1/goals/{secret['id']}", team.lead).status_code == 200
    assert get(goals, f"/v1/goals/{secret['id']}", owner).status_code == 200


def test_every_kind_of_goal_reads_the_same_on_a_page_as_alone(goals):
    """A page is read as rows and a single goal as a goal: every field of each listed goal,
    SMART verdicts with the owner's stored track record included, is what its own GET gives."""
    team = create_team(goals)
    member_id, token = add_member(goals, team, "Max")
    parent = create_goal(goals, team.lead, title="Halve support wait times", kind="team",
                         metric=None, milestones=[{"title": "Hire"}])
    create_goal(goals, token, title="Close 20 support tickets", parent_id=parent["id"])
    plan = create_goal(goals, token, title="Land a referral", metric=None,
                       milestones=[{"title": "Ask 3 friends"}, {"title": "Follow up"}])
    post(goals, f"/v1/goals/{plan['id']}/milestones/{plan['milestones'][0]['id']}/complete",
         token)
    other = post(goals, f"/v1/goals/{plan['id']}/pathways", token, {"name": "Job boards"}).json
    post(goals, f"/v1/goals/{plan['id']}/pathways/{other['id']}/activate", token,
         {"reason": "Nobody answered"})
    create_goal(goals, token, title="Find a new job by June", visibility="private")
    create_goal(goals, token, title="Something", why="", status="draft", metric=None)
    earlier = create_goal(goals, token, title="Write 3 runbooks")
    with goals.container.uow() as uow:  # Max's earlier goal: half of it in a week
        for days, progress in ((0, 0.0), (7, 0.5)):
            uow.progress_points.add(ProgressPoint(earlier["id"], team.id, member_id,
                                                  START + timedelta(days=days), progress))
        uow.session.flush()
        uow.track_records.refresh({(team.id, member_id)}, START)
        uow.commit()
    with goals.container.engine.connect() as conn:
        assert conn.scalar(select(track_records.c.rates).where(
            track_records.c.team_id == team.id, track_records.c.owner_id == member_id))

    listed = get(goals, "/v1/goals?limit=50", team.lead)
    assert listed.status_code == 200, listed.json
    items = listed.json["items"]
    assert len(items) == 6, [i["title"] for i in items]
    assert {i["metric"] is None for i in items} == {True, False}
    assert any(i["parent_id"] for i in items) and any(len(i["pathways"]) > 1 for i in items)
    for item in items:
        alone = get(goals, f"/v1/goals/{item['id']}", team.lead)
        assert alone.status_code == 200, alone.json
        assert item == alone.json


def every_page(goals, query: str, token: str, *, most: int) -> list[dict]:
    """The items of every page of `query`, following next_cursor; fails if there are more
    than `most` pages (a cursor that never ends)."""
    items, cursor = [], None
    for _ in range(most):
        page = get(goals, query + (f"&cursor={cursor}" if cursor else ""), token).json
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError(f"{query}: still a next_cursor after {most} pages")


def test_a_page_judges_every_goal_by_its_owners_stored_record_or_the_teams(goals):
    """A page's statement gives each stored record once (the team's on one row, an owner's on
    one of their rows): every goal must still be judged by its owner's record, or the team's
    when the owner has none. The stored records here match no progress points, so a goal
    judged from the points (no record) would read differently."""
    team = create_team(goals)
    member_id, token = add_member(goals, team, "Max")
    mine = [create_goal(goals, team.lead, title=f"Close {n} tickets")["id"] for n in (10, 20, 30)]
    maxs = [create_goal(goals, token, title=f"Write {n} runbooks")["id"] for n in (2, 3)]
    with goals.container.engine.begin() as conn:
        conn.execute(delete(track_records).where(track_records.c.team_id == team.id))
        conn.execute(track_records.insert(), [
            {"team_id": team.id, "owner_id": team.lead_id, "rates": {"elsewhere": 0.25},
             "updated_at": START},
            {"team_id": team.id, "owner_id": "", "rates": {"a": 0.1, "b": 0.7},
             "updated_at": START}])
    for sort in ("due_date", "-created_at"):
        listed = get(goals, f"/v1/goals?limit=50&sort={sort}", team.lead)
        hints = {i["id"]: i["smart"]["achievable"]["hint"] for i in listed.json["items"]}
        assert set(hints) == {*mine, *maxs}
        for goal_id in mine:
            assert "the 25% a week you have shown" in hints[goal_id], hints[goal_id]
        for goal_id in maxs:  # Max has no record: the team's median (10% and 70%)
            assert "the 40% a week your team has shown" in hints[goal_id], hints[goal_id]
        for goal_id, hint in hints.items():
            assert get(goals, f"/v1/goals/{goal_id}", team.lead).json["smart"]["achievable"][
                "hint"] == hint
        # pages of 2: each page carries the records its goals need
        paged = [(i["id"], i["smart"]["achievable"]["hint"])
                 for i in every_page(goals, f"/v1/goals?limit=2&sort={sort}", team.lead,
                                     most=len(hints))]
        assert sorted(paged) == sorted(hints.items())  # each goal on exactly one page


def test_filters_narrow_the_list(goals):
    team = create_team(goals)
    max_id, token = add_member(goals, team, "Max")
    parent = create_goal(goals, team.lead, title="Halve support wait times", kind="team")
    create_goal(goals, token, title="Close 20 support tickets", parent_id=parent["id"])
    create_goal(goals, token, title="Write 3 runbooks for on-call", status="draft",
                due_date="2031-05-01")
    create_goal(goals, team.lead, title="Grow the team to 12 people", start_date="2031-03-02",
                due_date="2035-01-01")
    create_goal(goals, team.lead, title="Hire 2 people by April", start_date="2031-03-01",
                due_date="2031-03-02", metric={"unit": "hires", "start": 0, "target": 2})

    def listed(query: str) -> set[str]:
        return set(titles(get(goals, f"/v1/goals?{query}", team.lead)))

    assert listed(f"owner_id={max_id}") == {"Close 20 support tickets",
                                            "Write 3 runbooks for on-call"}
    assert listed("status=draft") == {"Write 3 runbooks for on-call"}
    assert listed("horizon=long_term") == {"Grow the team to 12 people"}
    assert listed(f"parent_id={parent['id']}") == {"Close 20 support tickets"}
    assert listed("due_before=2031-03-11") == {"Hire 2 people by April"}
    assert listed("health=off_track") == {"Hire 2 people by April"}


def test_pages_follow_the_sort_without_gaps_or_repeats(goals):
    team = create_team(goals)
    for day in (20, 12, 15, 12, 30, 18, 25):
        create_goal(goals, team.lead, title=f"Close {day} support tickets",
                    due_date=f"2031-03-{day}")
    for sort in ("due_date", "-due_date", "created_at", "-created_at"):
        seen = every_page(goals, f"/v1/goals?sort={sort}&limit=3", team.lead, most=7)
        keys = [(g[sort.lstrip("-")], g["id"]) for g in seen]
        assert keys == sorted(keys, reverse=sort.startswith("-")) and len(keys) == 7


@pytest.mark.parametrize("cursor", ["garbage", "WyJkdWVfZGF0ZSIsIjIwMzEiLCJ4Il0"])
def test_a_bad_cursor_is_400(goals, cursor):
    team = create_team(goals)
    response = get(goals, f"/v1/goals?cursor={cursor}", team.lead)
    assert response.status_code == 400


@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_a_cursor_at_a_moment_utc_cannot_hold_is_400(goals, moment):
    """A tampered created_at cursor whose moment is past year 9999 (or before year 1) in UTC
    was a 500: the database adapter's conversion to UTC overflowed."""
    team = create_team(goals)
    create_goal(goals, team.lead)
    cursor = encode_cursor(["created_at", moment, "00000000-0000-4000-8000-000000000000"])
    response = get(goals, f"/v1/goals?sort=created_at&cursor={cursor}", team.lead)
    assert response.status_code == 400, response.json
    assert response.json["detail"] == "cursor is not valid; pass next_cursor from a previous page"


def test_every_endpoint_answers_404_to_another_teams_token(goals):
    team = create_team(goals)
    other = create_team(goals, name="Other")
    member_id, _ = add_member(goals, team)
    goal = create_goal(goals, team.lead, metric=None, milestones=[{"title": "Step"}])
    milestone, pathway = goal["milestones"][0]["id"], goal["pathways"][0]["id"]
    g, m = f"/v1/goals/{goal['id']}", f"/v1/teams/{team.id}"
    calls = [
        ("GET", m, None), ("PATCH", m, {"name": "X"}), ("GET", f"{m}/members", None),
        ("POST", f"{m}/members", {"name": "Z", "email": "z@x.com", "timezone": "UTC"}),
        ("GET", f"{m}/members/{member_id}", None),
        ("PATCH", f"{m}/members/{member_id}", {"name": "Y"}),
        ("POST", f"{m}/members/{member_id}/token", None),
        ("DELETE", f"{m}/members/{member_id}/token", None),
        ("GET", g, None), ("PATCH", g, {"title": "Hijacked goal title"}),
        ("GET", f"{g}/history", None), ("POST", f"{g}/milestones", {"title": "x"}),
        ("PUT", f"{g}/milestones/order", {"milestone_ids": [milestone]}),
        ("POST", f"{g}/milestones/{milestone}/complete", None),
        ("POST", f"{g}/milestones/{milestone}/reopen", None),
        ("POST", f"{g}/pathways", {"name": "B"}),
        ("POST", f"{g}/pathways/{pathway}/activate", {"reason": "r"}),
        ("POST", f"{g}/activate", None), ("POST", f"{g}/achieve", None),
        ("POST", f"{g}/reopen", None), ("POST", f"{g}/close", {"outcome": "missed"}),
    ]
    answers = [goals.client.open(path, method=method, json=body,
                                 headers={**auth(other.lead), "If-Match": '"1"'})
               for method, path, body in calls]
    assert [(c[0], c[1], a.status_code) for c, a in zip(calls, answers, strict=True)] == \
           [(c[0], c[1], 404) for c in calls]
    assert titles(get(goals, "/v1/goals", other.lead)) == []
    assert post(goals, "/v1/goals", other.lead, {
        "title": "Close 5 support tickets", "due_date": "2031-12-31",
        "parent_id": goal["id"]}).status_code == 422


def test_templates_are_listed_and_instantiate_as_smart_drafts(goals):
    team = create_team(goals)
    catalogue = get(goals, "/v1/goal-templates", team.lead).json["items"]
    assert len(catalogue) == 5
    params = {"apply-to-roles": {"n": 3, "until": "2031-05-31"},
              "informational-interviews": {"n": 4},
              "finish-course": {"course": "Rust", "by": "2031-06-30"},
              "earn-certification": {"certification": "CKA", "by": "2031-09-30"},
              "publish-work": {"n": 5, "by": "2031-12-31", "kind": "blog posts"}}
    for template in catalogue:
        response = post(goals, f"/v1/goal-templates/{template['key']}/instantiate", team.lead,
                        {"parameters": params[template["key"]], "why": "Grow my career"})
        assert response.status_code == 201, response.json
        draft = response.json
        assert draft["status"] == "draft", draft
        assert all(v["ok"] for v in draft["smart"].values()), (template["key"], draft["smart"])
    drafts = titles(get(goals, "/v1/goals?status=draft", team.lead))
    assert "Apply to 3 roles each week until 2031-05-31" in drafts and len(drafts) == 5


def test_a_template_filled_twice_under_one_idempotency_key_makes_one_draft(goals):
    team = create_team(goals)
    path = "/v1/goal-templates/apply-to-roles/instantiate"
    body = {"parameters": {"n": 3, "until": "2031-05-31"}, "why": "Grow my career"}
    headers = {**auth(team.lead), "Idempotency-Key": "template-1"}
    first = goals.client.post(path, headers=headers, json=body)
    again = goals.client.post(path, headers=headers, json=body)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json == first.json and again.headers["Idempotent-Replayed"] == "true"
    assert [g["id"] for g in get(goals, "/v1/goals?status=draft", team.lead).json["items"]] == [
        first.json["id"]]
    other = goals.client.post(path, headers=headers,
                              json={**body, "parameters": {"n": 4, "until": "2031-05-31"}})
    assert other.status_code == 422 and "Idempotency-Key" in other.json["errors"]


def test_a_publish_work_kind_longer_than_a_unit_is_refused_naming_it_never_a_500(goals):
    """`kind` becomes the metric's unit (50 characters at most, as the API and the database
    keep it): a 55-character kind is refused on `parameters.kind`, on both engines."""
    team = create_team(goals)
    kind = "conference talks about distributed systems reliability"  # 55 characters
    response = post(goals, "/v1/goal-templates/publish-work/instantiate", team.lead,
                    {"parameters": {"n": 3, "by": "2031-12-31", "kind": kind}})
    assert response.status_code in (201, 422), (response.status_code, response.json)
    if response.status_code == 422:
        assert "parameters.kind" in response.json["errors"]
    else:
        assert len(response.json["metric"]["unit"]) <= 50, response.json["metric"]


@pytest.mark.parametrize(("key", "parameters", "status", "field"), [
    ("apply-to-roles", {"n": "three", "until": "2031-05-31"}, 422, "parameters.n"),
    ("apply-to-roles", {"n": 3}, 422, "parameters.until"),
    ("apply-to-roles", {"n": 3, "until": "2020-01-01"}, 422, "parameters.until"),
    ("no-such-template", {}, 404, None),
])
def test_bad_template_parameters_are_precise(goals, key, parameters, status, field):
    team = create_team(goals)
    response = post(goals, f"/v1/goal-templates/{key}/instantiate", team.lead,
                    {"parameters": parameters})
    assert response.status_code == status
    if field:
        assert field in response.json["errors"]


@pytest.mark.parametrize(("parameters", "detail"), [
    ({}, "How many: Missing data for required field. Last day: Missing data for required field."),
    ({"n": "three", "until": "2031-05-31"}, "How many: Not a valid integer."),
    ({"n": 3, "until": "2020-01-01"}, "Last day: Must be after today."),
])
def test_a_refused_template_names_its_values_by_their_labels(goals, parameters, detail):
    """The refusal read "Invalid template parameters: parameters.n, parameters.until": the
    API's keys, which the web app showed verbatim. It names each value by its form's label."""
    team = create_team(goals)
    response = post(goals, "/v1/goal-templates/apply-to-roles/instantiate", team.lead,
                    {"parameters": parameters})
    assert (response.status_code, response.json["detail"]) == (
        422, f"Some values were not accepted. {detail}")


def test_goals_are_filtered_by_any_of_several_statuses_and_paged_alike(goals):
    """`status` repeated keeps the goals in any of them (the board's open goals in one call);
    an unknown status names its place."""
    team = create_team(goals)
    active = [create_goal(goals, team.lead, title=f"Close {n} support tickets")["id"]
              for n in (10, 20, 30)]
    draft = create_goal(goals, team.lead, status="draft")["id"]
    closed = create_goal(goals, team.lead, title="Close 40 support tickets")["id"]
    assert post(goals, f"/v1/goals/{closed}/close", team.lead,
                {"outcome": "dropped", "retrospective": "Moved to another team"}).status_code == 200
    seen, cursor = [], None
    while True:
        query = "/v1/goals?status=draft&status=active&limit=2" + (f"&cursor={cursor}" if cursor
                                                                    else "")
        page = get(goals, query, team.lead).json
        seen += [g["id"] for g in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(active + [draft])
    one = get(goals, "/v1/goals?status=dropped", team.lead).json["items"]
    assert [g["id"] for g in one] == [closed]
    bad = get(goals, "/v1/goals?status=active&status=paused", team.lead)
    assert bad.status_code == 422 and "status.1" in bad.json["errors"], bad.json


def test_goals_are_filtered_by_kind_and_paged_alike(goals):
    """`kind=team` keeps the team goals and `kind=personal` the others (the New goal page's
    choice of a parent, however many personal goals the team has); an unknown kind is a 422
    naming the kinds there are."""
    team = create_team(goals)
    _, max_token = add_member(goals, team, "Max")
    team_goals = [create_goal(goals, team.lead, title=f"Halve support wait times in {n} weeks",
                              kind="team")["id"] for n in (4, 8, 12)]
    personal = [create_goal(goals, token, title=f"Close {n} support tickets")["id"]
                for n, token in ((10, max_token), (20, team.lead))]

    def listed(query: str) -> list[str]:
        return [g["id"] for g in every_page(goals, query, max_token, most=5)]

    assert sorted(listed("/v1/goals?kind=team&limit=2")) == sorted(team_goals)
    assert sorted(listed("/v1/goals?kind=personal&status=active&limit=1")) == sorted(personal)
    bad = get(goals, "/v1/goals?kind=squad", max_token)
    assert (bad.status_code, bad.json["errors"]) == (
        422, {"kind": ["Must be one of: personal, team."]}), bad.json


def test_goals_are_filtered_by_any_of_several_owners_and_paged_alike(goals):
    """`owner_id` repeated keeps the goals of any of them (a member's partners' goals in one
    call), each seen as alone: a private goal stays hidden from a teammate who is not a partner;
    a malformed id names its place."""
    team = create_team(goals)
    olga_id, olga = add_member(goals, team, "Olga")
    max_id, max_token = add_member(goals, team, "Max")
    _, noor = add_member(goals, team, "Noor")
    kept = [create_goal(goals, token, title=f"Close {n} support tickets")["id"]
            for n, token in ((10, olga), (20, olga), (30, max_token))]
    secret = create_goal(goals, max_token, title="Find a new job by June",
                         visibility="private")["id"]
    create_goal(goals, noor, title="Write 3 runbooks")

    def listed(query: str, token: str) -> list[str]:
        seen, cursor = [], None
        while True:
            page = get(goals, query + (f"&cursor={cursor}" if cursor else ""), token).json
            seen += [g["id"] for g in page["items"]]
            cursor = page["next_cursor"]
            if not cursor:
                return seen

    both = f"/v1/goals?owner_id={olga_id}&owner_id={max_id}&limit=2"
    assert sorted(listed(both, team.lead)) == sorted(kept + [secret])
    assert sorted(listed(both, noor)) == sorted(kept)
    assert sorted(listed(f"/v1/goals?owner_id={max_id}&limit=2", team.lead)) == \
        sorted([kept[2], secret])
    bad = get(goals, f"/v1/goals?owner_id={olga_id}&owner_id=olga", team.lead)
    assert bad.status_code == 422 and "owner_id.1" in bad.json["errors"], bad.json
