"""Fuzzing every service's OpenAPI spec with real ids and tokens finds no difference between what
the spec says and what the service does: no 5xx, only documented statuses, content types,
bodies and headers, and every request that breaks the spec refused with a 4xx.

Examples per operation: GOALKEEPER_FUZZ_EXAMPLES (25 in `make test`, 200 in `make fuzz`).
What was found is also written to `.run/results/fuzz-<service>.md`.
"""

from __future__ import annotations

import os
from pathlib import Path

import jsonschema_rs
import pytest

from tests.security.isolation_world import build_team
from tests.support.fuzz import examples_per_operation, fuzz_conformance, operation_count

# pytest-timeout's default (300 s) is for ordinary tests; this one's length is set by the
# example count (about 10 s per example and operation set on a loaded two-core machine).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(max(300, 60 * examples_per_operation()))]
REPO = Path(__file__).resolve().parents[2]
MINIMUM_OPERATIONS = {"goals": 24, "checkins": 20, "notifications": 13}


@pytest.fixture
def world(make_service, slack):
    services = {name: make_service(name) for name in ("goals", "checkins", "notifications")}
    return services, build_team(services, "fuzz", slack.webhook("fuzz"))


def real_ids(team) -> dict:
    return {
        "team_id": team.team.id, "member_id": team.member_id, "goal_id": team.goal["id"],
        "checkin_id": team.checkin["id"], "channel_id": team.channel["id"],
        "partnership_id": team.partnership["id"], "round_id": team.round["id"],
        "milestone_id": team.milestone_goal["milestones"][0]["id"],
        "pathway_id": team.milestone_goal["pathways"][0]["id"],
    }


@pytest.mark.parametrize("new_database", ["postgresql"], indirect=True)
@pytest.mark.parametrize("service", ["goals", "checkins", "notifications"])
def test_fuzzing_finds_the_spec_telling_the_truth(world, service):
    services, team = world
    app = services[service].app
    assert operation_count(app) >= MINIMUM_OPERATIONS[service]
    findings = fuzz_conformance(app, team.team.lead, real_ids(team))
    save(service, findings)
    assert [str(f) for f in findings] == []


def save(service: str, findings) -> None:
    folder = Path(os.environ.get("GOALKEEPER_RESULTS_DIR") or REPO / ".run" / "results")
    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"# {service}: {len(findings)} findings at {examples_per_operation()} examples",
             "", *(f"- {f}" for f in findings)]
    (folder / f"fuzz-{service}.md").write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize("service", ["goals", "checkins", "notifications"])
def test_every_patch_body_in_the_spec_names_at_least_one_field(make_service, service):
    """Every PATCH refuses an empty body with a 422 (`shared.schema_fields.PatchBody`), but the
    spec let `{}` through, so a client generated from it, or the fuzzer's valid examples, sent
    one and met a refusal the spec did not announce."""
    spec = make_service(service).client.get("/openapi.json").get_json()
    schemas = spec["components"]["schemas"]
    bodies = {path: item["patch"]["requestBody"]["content"]["application/json"]["schema"]
              for path, item in spec["paths"].items() if "patch" in item}
    assert bodies, "no PATCH operation in the spec"
    named = {path: schemas[body["$ref"].rsplit("/", 1)[-1]].get("minProperties")
             for path, body in bodies.items()}
    assert named == dict.fromkeys(bodies, 1)


def _patterns(node) -> list[str]:
    if isinstance(node, dict):
        own = [node["pattern"]] if isinstance(node.get("pattern"), str) else []
        return own + [p for value in node.values() for p in _patterns(value)]
    return [p for value in node for p in _patterns(value)] if isinstance(node, list) else []


@pytest.mark.parametrize("service", ["goals", "checkins", "notifications"])
def test_every_pattern_in_the_spec_is_a_json_schema_pattern(make_service, service):
    """JSON Schema reads a pattern as an ECMA 262 regular expression. The spec published
    Python's `\\Z`: a validator refused the pattern as no regex, and JavaScript read `\\Z` as
    the letter Z, so 'U0123ABCD' failed the Slack user id's pattern and 'U0123ABCDZ' passed."""
    spec = make_service(service).client.get("/openapi.json").get_json()
    patterns = set(_patterns(spec))
    assert patterns, "no pattern in the spec"
    for pattern in patterns:
        jsonschema_rs.validator_for({"type": "string", "pattern": pattern})  # raises if not ECMA


def test_the_slack_user_id_pattern_reads_in_json_schema_as_the_api_does(make_service):
    spec = make_service("goals").client.get("/openapi.json").get_json()
    ids = {prop["pattern"] for body in spec["components"]["schemas"].values()
           for name, prop in body.get("properties", {}).items()
           if name == "slack_user_id" and "pattern" in prop}
    assert ids, "no slack_user_id pattern in the spec"
    for pattern in ids:
        valid = jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid
        assert [valid(v) for v in ("U0123ABCD", " u0123abcd ", "U0123ABCD\n", "x0123", "U0")] == [
            True, True, False, False, False], pattern
