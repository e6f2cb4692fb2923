"""The OpenAPI spec describes every route, and fuzzing it (schemathesis) never yields a 5xx.

Runs in-process against the Flask app on both engines, as a lead, with path parameters both
random and pointing at real team, member, goal, milestone and pathway ids.
"""

from __future__ import annotations

from tests.goals.helpers import create_goal
from tests.support.fuzz import fuzz_for_server_errors, operation_count
from tests.support.seed import add_member, create_team

EXAMPLES = 6
# the API, and the one-time links whose code is the credential (invites, email sign-in)
PUBLIC_PREFIXES = ("/v1/", "/invites/", "/sign-in")


def test_every_route_is_in_the_spec(goals):
    spec = goals.client.get("/openapi.json").json
    documented = {(path, method.upper()) for path, item in spec["paths"].items()
                  for method in item if method != "parameters"}
    routed = set()
    for rule in goals.app.url_map.iter_rules():
        if rule.rule.startswith(PUBLIC_PREFIXES):
            path = rule.rule.replace("<", "{").replace(">", "}")
            path = path.replace("{any(complete, reopen):action}", "{action}")
            path = path.replace("{any(activate, achieve, reopen):action}", "{action}")
            routed |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routed == documented
    assert {"GoalOut", "SmartOut", "MemberOut", "TeamOut", "GoalPage"} <= set(
        spec["components"]["schemas"])


def test_fuzzing_the_spec_finds_no_server_error(goals):
    team = create_team(goals)
    member_id, _ = add_member(goals, team)
    goal = create_goal(goals, team.lead, kind="team", metric=None,
                       milestones=[{"title": "First step"}])
    real = {"team_id": team.id, "member_id": member_id, "goal_id": goal["id"],
            "milestone_id": goal["milestones"][0]["id"], "pathway_id": goal["pathways"][0]["id"],
            "key": "apply-to-roles"}
    assert operation_count(goals.app) == 28
    assert fuzz_for_server_errors(goals.app, team.lead, real, EXAMPLES) == []
